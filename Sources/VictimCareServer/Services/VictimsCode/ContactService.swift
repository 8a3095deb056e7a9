import Fluent
import Foundation
import VictimCareDomain

/// Recording contact attempts under the rule that decides whether they count.
enum ContactService {
    struct Draft: Sendable {
        var at: String?
        var method: String?
        var outcome: String?
        var identityVerified: String?
        var welfareChecked: String?
        var safeToSpeak: String?
        var contactPointID: String?
        var direction: String?
        var notes: String?
        var timeStyle: Validator.TimeStyle = .withOffset
        /// The API names fields in snake_case; the web form in camelCase (its errors link to its own fields).
        var snakeCase = true

        func field(_ camel: String, _ snake: String) -> String { snakeCase ? snake : camel }
    }

    /// The attempt uses a method the victim did not choose, or a contact point not marked safe: the person
    /// recording it must confirm first (the web form asks; the API reports the warnings).
    struct NeedsConfirmation: Error {
        var warnings: [String]
    }

    struct Recorded: Sendable {
        var contact: Contact
        var decision: ContactRule.Decision
    }

    /// Records the attempt; a successful one also invites the victim to rate it (see ``FeedbackService``).
    static func record(
        victimID: UUID, _ d: Draft, requireConfirmation: Bool, confirmed: Bool, context: AccessContext,
        links: LinkSettings = .init(), on db: any Database
    ) async throws -> Recorded {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.recordContact, victim, context: context, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        var v = Validator()
        let at = v.requiredTime(d.at, "at", "when it happened", style: d.timeStyle)
        if let at, at > Date().addingTimeInterval(300) { v.fail("at", "When it happened cannot be in the future") }
        let method = v.requiredCode(d.method, "method", "how you made contact", as: ContactMethod.self)
        let outcome = v.requiredCode(d.outcome, "outcome", "what happened", as: ContactOutcome.self)
        let identity =
            v.flag(d.identityVerified, d.field("identityVerified", "identity_verified"), "identity verified") ?? false
        let welfare = v.flag(d.welfareChecked, d.field("welfareChecked", "welfare_checked"), "welfare checked") ?? false
        let safe = v.flag(d.safeToSpeak, d.field("safeToSpeak", "safe_to_speak"), "safe to speak") ?? false
        let direction = v.optional(d.direction, "direction", "direction", max: 10) ?? "outbound"
        if !["outbound", "inbound"].contains(direction) {
            v.fail("direction", "Direction must be outbound or inbound")
        }
        let notes = v.optional(d.notes, "notes", "the notes", max: 2000)
        var point: ContactPoint?
        let pointField = d.field("contactPointID", "contact_point_id")
        if let raw = v.optional(d.contactPointID, pointField, "the contact point", max: 40) {
            if let id = UUID(uuidString: raw), let found = try await ContactPoint.find(id, on: db),
                found.$person.id == person.id
            {
                point = found
            } else {
                v.fail(pointField, "That contact point is not one of this victim's")
            }
        }
        // Method and contact point agree: a call needs the number called, a visit none (2026-11-30, issue 13).
        if let method, v.isValid, let mismatch = method.mismatch(with: point?.kind, inbound: direction == "inbound") {
            v.fail(pointField, mismatch)
        }
        try v.check()
        let representative =
            try await CrimePerson.query(on: db).filter(\.$crime.$id == victim.$crime.id)
            .filter(\.$roleCode ~~ [PersonRole.representative.rawValue, PersonRole.parentOrGuardian.rawValue]).count()
            > 0
        let preferred = ContactMethod.code(person.preferredContact)
        let decision = ContactRule.decide(
            ContactAttempt(
                method: method!, outcome: outcome!, identityVerified: identity, welfareChecked: welfare,
                safeToSpeak: safe,
                preferredMethod: preferred, contactPointSafe: point?.safe, hasAgreedRepresentative: representative,
                contactPointKind: point?.kind, inbound: direction == "inbound"))
        if requireConfirmation, !confirmed, !decision.warnings.isEmpty {
            throw NeedsConfirmation(warnings: decision.warnings)
        }
        let contact = Contact()
        contact.$victim.id = victimID
        contact.at = at!
        contact.direction = direction
        contact.methodCode = method!.rawValue
        contact.outcomeCode = outcome!.rawValue
        contact.identityVerified = identity
        contact.welfareChecked = welfare
        contact.safeToSpeak = safe
        contact.preferredMethodUsed = preferred == method
        contact.contactPointID = point?.id
        contact.contactPointSafe = point?.safe
        contact.successful = decision.successful
        contact.countsAsUpdate = decision.countsAsWrittenUpdate
        contact.reasons = decision.reasons.joined(separator: "\n")
        contact.warnings = decision.warnings.joined(separator: "\n")
        contact.notes = notes
        contact.byUserID = context.actor.id
        contact.byName = context.actor.name
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victimID], on: tx)
            try await contact.create(on: tx)
            try await AuditLog.record(
                .create, "contact", contact.id, summary: "victim \(victimID), successful \(decision.successful)",
                context: context, on: tx)
            try await ObligationService.recompute([victimID], on: tx)
            if decision.successful {
                try await FeedbackService.invite(
                    victimID: victimID, source: .contact, sourceID: contact.id!, by: context.actor, links: links, on: tx
                )
            }
        }
        return Recorded(contact: contact, decision: decision)
    }
}
