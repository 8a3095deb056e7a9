import Fluent
import Foundation

/// A model that hands `ModelRows` its columns directly, so the busiest tables of an import are written without
/// Fluent's per-instance reflection (a third of an import's time, issue 17). `BulkRowsTests` checks each list
/// against what Fluent itself would send, so a field added to a model and not here fails a test.
protocol BulkRow: Model where IDValue == UUID {
    static var bulkColumns: [String] { get }
    /// The values in `bulkColumns` order.
    var bulkCells: [SQLCell] { get }
    /// Sets the creation (and update) timestamps as `create` would.
    func stampCreated(_ now: Date)
}

extension SQLCell {
    static func of(_ value: String?) -> SQLCell { value.map(SQLCell.text) ?? .null }
    static func of(_ value: UUID?) -> SQLCell { value.map(SQLCell.uuid) ?? .null }
    static func of(_ value: Date?) -> SQLCell { value.map(SQLCell.date) ?? .null }
    static func of(_ value: Bool?) -> SQLCell { value.map(SQLCell.bool) ?? .null }
    static func of(_ value: Int?) -> SQLCell { value.map(SQLCell.int) ?? .null }
    static func of(_ value: Double?) -> SQLCell { value.map(SQLCell.double) ?? .null }
}

extension AuditEntry: BulkRow {
    static let bulkColumns = [
        "id", "at", "actor_id", "actor_kind", "actor_name", "actor_role", "action", "record_type", "record_id",
        "summary", "ip", "reason",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .date(at), .of(actorID), .text(actorKind), .text(actorName), .text(actorRole), .text(action),
            .text(recordType), .of(recordID), .text(summary), .of(ip), .of(reason),
        ]
    }
    func stampCreated(_ now: Date) {}
}

extension Crime: BulkRow {
    static let bulkColumns = [
        "id", "reference", "offence_code", "offence_description", "occurred_from", "occurred_to", "reported_at",
        "recording_decision_at", "channel", "flags", "command_unit_id", "officer_in_case_id", "status", "summary",
        "created_at", "updated_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(reference), .text(offenceCode), .text(offenceDescription), .date(occurredFrom),
            .of(occurredTo), .date(reportedAt), .of(recordingDecisionAt), .text(channelCode), .text(flagsCode),
            .uuid($commandUnit.id), .of($officerInCase.id), .text(statusCode), .of(summary), .of(createdAt),
            .of(updatedAt),
        ]
    }
    func stampCreated(_ now: Date) {
        createdAt = now
        updatedAt = now
    }
}

extension CrimeStatusChange: BulkRow {
    static let bulkColumns = ["id", "crime_id", "status", "at", "by_user_id", "by_name", "note"]
    var bulkCells: [SQLCell] {
        [.of(id), .uuid($crime.id), .text(statusCode), .date(at), .of(byUserID), .text(byName), .of(note)]
    }
    func stampCreated(_ now: Date) {}
}

extension Person: BulkRow {
    static let bulkColumns = [
        "id", "given_name", "family_name", "given_name_key", "family_name_key", "date_of_birth", "preferred_contact",
        "preferred_times", "language", "interpreter_needed", "messages_opt_out", "communication_needs", "access_needs",
        "sex", "ethnicity", "disability", "religion", "sexual_orientation", "home_command_unit_id", "created_at",
        "updated_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(givenName), .text(familyName), .text(givenNameKey), .text(familyNameKey), .of(dateOfBirth),
            .of(preferredContact), .of(preferredTimes), .text(language), .bool(interpreterNeeded),
            .of(messagesOptOutValue), .of(communicationNeeds), .of(accessNeeds), .of(sex), .of(ethnicity),
            .of(disability), .of(religion), .of(sexualOrientation), .of(homeCommandUnitID), .of(createdAt),
            .of(updatedAt),
        ]
    }
    func stampCreated(_ now: Date) {
        createdAt = now
        updatedAt = now
    }
}

extension ContactPoint: BulkRow {
    static let bulkColumns = ["id", "person_id", "kind", "value", "safe", "note", "created_at", "updated_at"]
    var bulkCells: [SQLCell] {
        Self.cells(
            id: id, personID: $person.id, kind: kindCode, value: value, safe: safe, note: note, createdAt: createdAt,
            updatedAt: updatedAt)
    }
    func stampCreated(_ now: Date) {
        createdAt = now
        updatedAt = now
    }

    /// The row's values without a model (`ModelRows.contactPoint`); the model's own cells are these.
    static func cells(
        id: UUID?, personID: UUID, kind: String, value: String, safe: Bool, note: String?, createdAt: Date?,
        updatedAt: Date?
    ) -> [SQLCell] {
        [.of(id), .uuid(personID), .text(kind), .text(value), .bool(safe), .of(note), .of(createdAt), .of(updatedAt)]
    }
}

extension CrimePerson: BulkRow {
    static let bulkColumns = [
        "id", "crime_id", "person_id", "role", "family_name_key", "given_name_key", "reported_at", "created_at",
    ]
    var bulkCells: [SQLCell] {
        Self.cells(
            id: id, crimeID: $crime.id, personID: $person.id, role: roleCode, familyNameKey: familyNameKey,
            givenNameKey: givenNameKey, reportedAt: reportedAt, createdAt: createdAt)
    }
    func stampCreated(_ now: Date) { createdAt = now }

    /// The row's values without a model (`ModelRows.link`); the model's own cells are these.
    static func cells(
        id: UUID?, crimeID: UUID, personID: UUID, role: String, familyNameKey: String?, givenNameKey: String?,
        reportedAt: Date?, createdAt: Date?
    ) -> [SQLCell] {
        [
            .of(id), .uuid(crimeID), .uuid(personID), .text(role), .of(familyNameKey), .of(givenNameKey),
            .of(reportedAt), .of(createdAt),
        ]
    }
}

extension Victim: BulkRow {
    static let bulkColumns = [
        "id", "crime_id", "person_id", "enhanced", "grounds", "section16", "section17", "section28",
        "referral_consent", "explicit_consent_at", "bereaved", "interpreter_needed", "suspect_may_see_messages",
        "messaging_cleared_at", "messaging_cleared_by_name", "agreed_update_days", "vna_completed_at", "vps_status",
        "became_victim_at", "bereaved_since", "interpreter_needed_since", "basis", "business_contact", "suspect_known",
        "suspect_access_asked", "facts_version", "computed_version", "created_at", "updated_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .uuid($crime.id), .uuid($person.id), .bool(enhanced), .text(groundsCode), .bool(section16),
            .bool(section17), .bool(section28), .text(referralConsentCode), .of(explicitConsentAt), .bool(bereaved),
            .bool(interpreterNeeded), .bool(suspectMaySeeMessages), .of(messagingClearedAt),
            .of(messagingClearedByName), .of(agreedUpdateDays), .of(vnaCompletedAt), .of(vpsStatus),
            .of(becameVictimAt), .of(bereavedSince), .of(interpreterNeededSince), .text(basisCode),
            .of(businessContact), .bool(suspectKnown), .bool(suspectAccessAsked), .int(factsVersion),
            .int(computedVersion), .of(createdAt), .of(updatedAt),
        ]
    }
    func stampCreated(_ now: Date) {
        createdAt = now
        updatedAt = now
    }
}

extension NeedsAssessmentRecord: BulkRow {
    static let bulkColumns = [
        "id", "victim_id", "question_set", "answers", "enhanced", "grounds", "completed_at", "completed_by_id",
        "completed_by_name",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .uuid($victim.id), .text(questionSet), .text(answersJSON), .bool(enhanced), .text(grounds),
            .date(completedAt), .of(completedByID), .text(completedByName),
        ]
    }
    func stampCreated(_ now: Date) {}
}

extension EnhancedChange: BulkRow {
    static let bulkColumns = ["id", "victim_id", "at", "enhanced", "grounds"]
    var bulkCells: [SQLCell] {
        Self.cells(id: id, victimID: $victim.id, at: at, enhanced: enhanced, grounds: grounds)
    }
    func stampCreated(_ now: Date) {}

    /// The row's values without a model (`ModelRows.enhancedChange`); the model's own cells are these.
    static func cells(id: UUID?, victimID: UUID, at: Date, enhanced: Bool, grounds: String) -> [SQLCell] {
        [.of(id), .uuid(victimID), .date(at), .bool(enhanced), .text(grounds)]
    }
}

extension CaseEvent: BulkRow {
    static let bulkColumns = [
        "id", "crime_id", "type", "at", "note", "recorded_by_id", "recorded_by_name", "source", "created_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .uuid($crime.id), .text(typeCode), .date(at), .of(note), .of(recordedByID), .text(recordedByName),
            .text(source), .of(createdAt),
        ]
    }
    func stampCreated(_ now: Date) { createdAt = now }
}

extension OutboundMessage: BulkRow {
    static let bulkColumns = [
        "id", "idempotency_key", "victim_id", "crime_id", "contact_point_id", "channel", "purpose", "language",
        "recipient", "subject", "body_text", "body_html", "status", "reason", "attempts", "next_attempt_at",
        "claimed_by", "claimed_at", "last_error", "provider", "provider_reference", "created_by_name", "created_at",
        "sent_at", "link_id",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(idempotencyKey), .uuid($victim.id), .uuid(crimeID), .of(contactPointID), .text(channelCode),
            .text(purpose), .text(language), .text(recipient), .text(subject), .text(bodyText), .of(bodyHTML),
            .text(statusCode), .of(reason), .int(attempts), .date(nextAttemptAt), .of(claimedBy), .of(claimedAt),
            .of(lastError), .of(provider), .of(providerReference), .text(createdByName), .date(createdAt), .of(sentAt),
            .of(linkID),
        ]
    }
    func stampCreated(_ now: Date) {}
}

extension VictimLink: BulkRow {
    static let bulkColumns = [
        "id", "victim_id", "purpose", "channel", "token_hash", "created_at", "expires_at", "revoked_at",
        "created_by_name", "officer_id", "team_id", "command_unit_id", "invitation_id", "message_id", "parent_id",
        "first_opened_at", "open_count", "failed_attempts", "lock_count", "locked_until", "code_hash",
        "code_expires_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .uuid($victim.id), .text(purposeCode), .text(channelCode), .text(tokenHash), .date(createdAt),
            .date(expiresAt), .of(revokedAt), .text(createdByName), .of(officerID), .of(teamID), .uuid(commandUnitID),
            .of(invitationID), .of(messageID), .of(parentID), .of(firstOpenedAt), .int(openCount),
            .int(failedAttempts), .int(lockCount), .of(lockedUntil), .of(codeHash), .of(codeExpiresAt),
        ]
    }
    func stampCreated(_ now: Date) {}
}

extension Referral: BulkRow {
    static let bulkColumns = [
        "id", "victim_id", "route", "status", "batch_id", "created_at", "sent_at", "status_at", "status_by_name",
        "note",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .uuid($victim.id), .text(routeCode), .text(statusCode), .of(batchID), .date(createdAt),
            .of(sentAt), .of(statusAt), .of(statusByName), .of(note),
        ]
    }
    func stampCreated(_ now: Date) {}
}

extension ReferralConsentRecord: BulkRow {
    static let bulkColumns = ["id", "victim_id", "consent", "method", "recorded_at", "by_name"]
    var bulkCells: [SQLCell] {
        [.of(id), .uuid($victim.id), .text(consent), .text(method), .date(recordedAt), .text(byName)]
    }
    func stampCreated(_ now: Date) {}
}

extension LinkageQueueEntry: BulkRow {
    static let bulkColumns = ["person_id", "queued_at", "version"]
    var bulkCells: [SQLCell] { Self.cells(personID: id, queuedAt: queuedAt, version: version) }
    func stampCreated(_ now: Date) { if queuedAt == nil { queuedAt = now } }

    /// The row's values without a model (`ModelRows.queueLinkage`); the model's own cells are these.
    static func cells(personID: UUID?, queuedAt: Date?, version: Int64) -> [SQLCell] {
        [.of(personID), .of(queuedAt), .int(Int(version))]
    }
}
