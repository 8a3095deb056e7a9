import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Loads the facts the engine needs for a batch of victims with a fixed number of queries, whatever the
/// batch size: the bulk recompute goes through a million victims this way.
struct VictimFactsLoader {
    struct Loaded {
        var victimID: UUID
        var crimeID: UUID
        var factsVersion: Int
        var facts: VictimFacts
        /// What the enhanced-rights decision needs.
        var assessmentInput: EnhancedRightsInput
        var enhanced: Bool
        var grounds: String
    }

    struct VictimRow: Decodable {
        var id: UUID
        var crime_id: UUID
        var enhanced: Bool
        var grounds: String
        var referral_consent: String
        var explicit_consent_at: Date?
        var bereaved: Bool
        var interpreter_needed: Bool
        var agreed_update_days: Int?
        var vna_completed_at: Date?
        var facts_version: Int
        var reported_at: Date
        var occurred_from: Date
        var status: String
        var flags: String
        var offence_code: String
        var unit_code: String
        var most_serious: Bool?
        var date_of_birth: String?
    }

    let sql: any SQLDatabase
    let config: VictimsCodeConfig

    func load(_ ids: [UUID], withAssessments: Bool) async throws -> [Loaded] {
        guard !ids.isEmpty else { return [] }
        let binds = ids as [any Encodable & Sendable]
        let victims = try await sql.raw(
            """
            SELECT v.id, v.crime_id, v.enhanced, v.grounds, v.referral_consent, v.explicit_consent_at, v.bereaved,
                   v.interpreter_needed, v.agreed_update_days, v.vna_completed_at, v.facts_version,
                   c.reported_at, c.occurred_from, c.status, c.flags, c.offence_code, u.code AS unit_code,
                   o.most_serious, p.date_of_birth
            FROM victims v JOIN crimes c ON c.id = v.crime_id JOIN command_units u ON u.id = c.command_unit_id
            JOIN persons p ON p.id = v.person_id LEFT JOIN offences o ON o.code = c.offence_code
            WHERE v.id IN (\(binds: binds))
            """
        ).all(decoding: VictimRow.self)
        let crimeIDs = Array(Set(victims.map(\.crime_id))) as [any Encodable & Sendable]

        struct Closed: Decodable { var crime_id: UUID; var at: Date }
        struct EventRow: Decodable { var id: UUID; var crime_id: UUID; var type: String; var at: Date }
        struct ContactRow: Decodable {
            var victim_id: UUID; var at: Date; var method: String; var successful: Bool; var counts_as_update: Bool
        }
        struct ActionRow: Decodable { var victim_id: UUID; var kind: String; var at: Date; var method: String? }
        struct ChangeRow: Decodable { var victim_id: UUID; var at: Date; var enhanced: Bool }
        struct ReviewRow: Decodable {
            var id: UUID; var victim_id: UUID; var requested_at: Date; var acknowledged_at: Date?;
            var completed_at: Date?
        }
        struct WaiverRow: Decodable { var victim_id: UUID; var obligation_key: String; var reason: String }
        struct AssessmentRow: Decodable { var victim_id: UUID; var answers: String; var completed_at: Date }

        let closed = Dictionary(
            try await sql.raw(
                """
                SELECT crime_id, MAX(at) AS at FROM crime_status_changes
                WHERE crime_id IN (\(binds: crimeIDs)) AND status = 'closed' GROUP BY crime_id
                """
            ).all(decoding: Closed.self).map { ($0.crime_id, $0.at) }, uniquingKeysWith: { a, _ in a })
        let events = Dictionary(
            grouping: try await sql.raw(
                "SELECT id, crime_id, type, at FROM case_events WHERE crime_id IN (\(binds: crimeIDs))"
            )
            .all(decoding: EventRow.self), by: \.crime_id)
        let contacts = Dictionary(
            grouping: try await sql.raw(
                """
                SELECT victim_id, at, method, successful, counts_as_update FROM contacts
                WHERE victim_id IN (\(binds: binds)) AND (successful = \(true) OR counts_as_update = \(true))
                """
            ).all(decoding: ContactRow.self), by: \.victim_id)
        let actions = Dictionary(
            grouping: try await sql.raw(
                "SELECT victim_id, kind, at, method FROM victim_actions WHERE victim_id IN (\(binds: binds))"
            )
            .all(decoding: ActionRow.self), by: \.victim_id)
        let changes = Dictionary(
            grouping: try await sql.raw(
                "SELECT victim_id, at, enhanced FROM enhanced_changes WHERE victim_id IN (\(binds: binds)) ORDER BY at"
            )
            .all(decoding: ChangeRow.self), by: \.victim_id)
        let reviews = Dictionary(
            grouping: try await sql.raw(
                """
                SELECT id, victim_id, requested_at, acknowledged_at, completed_at FROM review_requests WHERE victim_id IN (\(binds: binds))
                """
            ).all(decoding: ReviewRow.self), by: \.victim_id)
        let waivers = Dictionary(
            grouping: try await sql.raw(
                "SELECT victim_id, obligation_key, reason FROM obligation_waivers WHERE victim_id IN (\(binds: binds))"
            )
            .all(decoding: WaiverRow.self), by: \.victim_id)
        var assessments: [UUID: NeedsAssessment] = [:]
        if withAssessments {
            let decoder = JSONDecoder()
            let rows = try await sql.raw(
                "SELECT victim_id, answers, completed_at FROM needs_assessments WHERE victim_id IN (\(binds: binds)) ORDER BY completed_at"
            )
            .all(decoding: AssessmentRow.self)
            for row in rows {
                assessments[row.victim_id] = try? decoder.decode(NeedsAssessment.self, from: Data(row.answers.utf8))
            }
        }

        let policy = config.currentPolicy
        return victims.map { v in
            let recorded = v.reported_at.timeIntervalSince1970
            let flags = CrimeFlags.decode(v.flags)
            var done: [VictimFacts.Done] = []
            for c in contacts[v.id] ?? [] {
                let method = ContactMethod(rawValue: c.method)?.label ?? c.method
                let label = "\(method), \(LondonClock.label(epochSeconds: c.at.timeIntervalSince1970))"
                done.append(
                    .init(
                        kind: c.successful ? .successfulContact : .update, at: c.at.timeIntervalSince1970, label: label)
                )
            }
            for a in actions[v.id] ?? [] {
                guard let kind = Fulfilment(rawValue: a.kind) else { continue }
                let label = VictimActionKind(rawValue: a.kind)?.label ?? a.kind
                done.append(
                    .init(
                        kind: kind, at: a.at.timeIntervalSince1970,
                        label: "\(label), \(LondonClock.label(epochSeconds: a.at.timeIntervalSince1970))"))
            }
            if let at = v.vna_completed_at {
                done.append(
                    .init(
                        kind: .needsAssessment, at: at.timeIntervalSince1970,
                        label: "Needs assessment, \(LondonClock.label(epochSeconds: at.timeIntervalSince1970))"))
            }
            if let at = v.explicit_consent_at {
                done.append(
                    .init(
                        kind: .explicitConsent, at: at.timeIntervalSince1970,
                        label: "Consent recorded, \(LondonClock.label(epochSeconds: at.timeIntervalSince1970))"))
            }
            let history = (changes[v.id] ?? []).map { (at: $0.at.timeIntervalSince1970, enhanced: $0.enhanced) }
            let callBack: VictimFacts.CallBack =
                policy.telephoneUnitCodes.contains(v.unit_code)
                ? config.callBack.decision(
                    offenceCode: v.offence_code, on: LondonClock.localDate(epochSeconds: recorded))
                : .notTelephoneUnit
            let facts = VictimFacts(
                recordedAt: recorded,
                closedAt: v.status == CrimeStatus.closed.rawValue
                    ? (closed[v.crime_id]?.timeIntervalSince1970 ?? recorded) : nil,
                flags: flags, callBack: callBack,
                enhancedHistory: history.isEmpty ? [(recorded, v.enhanced)] : history,
                bereaved: v.bereaved, interpreterNeeded: v.interpreter_needed,
                referralConsent: ReferralConsent(rawValue: v.referral_consent) ?? .notAsked,
                agreedUpdateDays: v.agreed_update_days,
                events: (events[v.crime_id] ?? []).compactMap { e in
                    ObligationTrigger(rawValue: e.type).map {
                        .init(key: e.id.uuidString, trigger: $0, at: e.at.timeIntervalSince1970)
                    }
                },
                done: done,
                reviews: (reviews[v.id] ?? []).map {
                    .init(
                        key: $0.id.uuidString, requestedAt: $0.requested_at.timeIntervalSince1970,
                        acknowledgedAt: $0.acknowledged_at?.timeIntervalSince1970,
                        completedAt: $0.completed_at?.timeIntervalSince1970)
                },
                waivers: Dictionary(
                    (waivers[v.id] ?? []).map { ($0.obligation_key, $0.reason) }, uniquingKeysWith: { a, _ in a }))
            let input = EnhancedRightsInput(
                offenceIsMostSerious: v.most_serious ?? false, flags: flags,
                occurredOn: London.date(of: v.occurred_from), reportedOn: LondonClock.localDate(epochSeconds: recorded),
                dateOfBirth: v.date_of_birth.flatMap(LocalDate.init), assessment: assessments[v.id],
                recentVictimisations: 1)
            return Loaded(
                victimID: v.id, crimeID: v.crime_id, factsVersion: v.facts_version, facts: facts,
                assessmentInput: input,
                enhanced: v.enhanced, grounds: v.grounds)
        }
    }
}

/// What an officer did for a victim that meets a duty.
enum VictimActionKind: String, CaseIterable, Sendable {
    case writtenConfirmation = "written_confirmation"
    case informationLeaflet = "information_leaflet"
    case referral
    case vpsOffered = "vps_offered"
    case specialMeasuresConsidered = "special_measures_considered"
    case familyLiaisonOfficer = "family_liaison_officer"
    case interpreterArranged = "interpreter_arranged"
    case interviewerChoiceOffered = "interviewer_choice_offered"

    var label: String {
        switch self {
        case .writtenConfirmation: "Written confirmation given"
        case .informationLeaflet: "Information leaflet given"
        case .referral: "Referred to support"
        case .vpsOffered: "Victim Personal Statement offered"
        case .specialMeasuresConsidered: "Special measures and video interview considered"
        case .familyLiaisonOfficer: "Family Liaison Officer assigned"
        case .interpreterArranged: "Interpreter arranged"
        case .interviewerChoiceOffered: "Choice of interviewer's gender offered"
        }
    }
}
