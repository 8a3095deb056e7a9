import Foundation
import Vapor
import VictimCareDomain

struct CaseEventRequest: Content {
    var type: String?
    var at: String?
    var note: String?
}

struct CaseEventDTO: Content {
    var id: UUID
    var crime_id: UUID
    var type: String
    var at: String
}

struct ContactRequest: Content {
    var at: String?
    var method: String?
    var outcome: String?
    var identity_verified: Bool?
    var welfare_checked: Bool?
    var safe_to_speak: Bool?
    var contact_point_id: String?
    var direction: String?
    var notes: String?

    var draft: ContactService.Draft {
        func yesNo(_ value: Bool?) -> String? { value.map { $0 ? "yes" : "no" } }
        return ContactService.Draft(
            at: at, method: method, outcome: outcome, identityVerified: yesNo(identity_verified),
            welfareChecked: yesNo(welfare_checked),
            safeToSpeak: yesNo(safe_to_speak), contactPointID: contact_point_id, direction: direction, notes: notes)
    }
}

struct ContactResultDTO: Content {
    var id: UUID
    var successful: Bool
    /// A written update by the victim's chosen, safe channel: it meets update obligations without being a successful contact.
    var counts_as_update: Bool
    var reasons: [String]
    var warnings: [String]
}

struct ObligationDTO: Content {
    var code: String
    var key: String
    var trigger: String
    var due_date: String
    var due_at: String
    var status: String
    var met_by: String?
    var met_at: String?
    var reason: String?

    init(_ o: ObligationRecord, now: Date) {
        code = o.code
        key = o.key
        trigger = o.trigger
        due_date = o.dueDate
        due_at = Instant.format(o.dueAt)
        status = o.status(now: now).rawValue
        met_by = o.metBy
        met_at = o.metAt.map(Instant.format)
        reason = o.reason
    }
}

struct VictimActionRequest: Content {
    var kind: String?
    var at: String?
    var method: String?
    var note: String?
    /// For the information leaflet: the language it was given in (the person's language when left out).
    var language: String?
}

struct VictimActionDTO: Content {
    var id: UUID
    var kind: String
    var at: String
}

struct VictimDTO: Content {
    var id: UUID
    var crime_id: UUID
    var person_id: UUID
    var enhanced: Bool
    var grounds: [String]
    var section16: Bool
    var section17: Bool
    var section28: Bool
    var referral_consent: String
    var needs_assessed_at: String?
    var statement: String?
    var suggestions: [String]
}
