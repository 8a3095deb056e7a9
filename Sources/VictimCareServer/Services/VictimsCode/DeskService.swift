import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The Victim Focus Desk's call log.
enum DeskService {
    enum Reason: String, Labelled {
        case updateRequest = "update_request"
        case newInformation = "new_information"
        case support
        case complaint
        case other

        var label: String {
            switch self {
            case .updateRequest: "Asking what is happening with their case"
            case .newInformation: "Giving new information"
            case .support: "Wants support"
            case .complaint: "Complaint"
            case .other: "Something else"
            }
        }
    }

    enum Outcome: String, Labelled {
        case updateGiven = "update_given"
        case messageForOfficer = "message_for_officer"
        case referredToSupport = "referred_to_support"
        case noAnswer = "no_answer"
        case other

        var label: String {
            switch self {
            case .updateGiven: "Update given"
            case .messageForOfficer: "Message passed to the officer in the case"
            case .referredToSupport: "Referred to support"
            case .noAnswer: "No answer"
            case .other: "Something else"
            }
        }
    }

    struct Draft: Sendable {
        var direction: String?
        var caller: String?
        var reason: String?
        var outcome: String?
        var notes: String?
        /// When the desk spoke to the victim: the contact checks, so the call can count as an update.
        var identityVerified: String?
        var welfareChecked: String?
        var safeToSpeak: String?
        /// The number the desk called (a call the victim made may come from a number not known).
        var contactPointID: String?
    }

    /// Logs a call about a victim. If the desk spoke to the victim or their representative, the call is also
    /// recorded as a contact under the usual rule, linked, in the same transaction as the call and its audit.
    static func record(victimID: UUID, _ d: Draft, context: AccessContext, on db: any Database) async throws -> DeskCall
    {
        try AccessGuard.require(.recordContact, context)
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.recordContact, victim, context: context, on: db)
        var v = Validator()
        let direction = v.required(d.direction, "direction", "whether they called or you did", max: 10)
        if !direction.isEmpty, !["inbound", "outbound"].contains(direction) {
            v.fail("direction", "Choose inbound or outbound")
        }
        let caller = v.required(d.caller, "caller", "who was on the call", max: 20)
        if !caller.isEmpty, !["victim", "representative", "other"].contains(caller) {
            v.fail("caller", "Choose who was on the call")
        }
        let reason = v.requiredCode(d.reason, "reason", "why they called", as: Reason.self)
        let outcome = v.requiredCode(d.outcome, "outcome", "the outcome", as: Outcome.self)
        let notes = v.optional(d.notes, "notes", "the notes", max: 2000)
        try v.check()
        return try await db.transaction { tx in
            var contactID: UUID?
            if outcome != .noAnswer, caller == "victim" || caller == "representative" {
                let recorded = try await ContactService.record(
                    victimID: victimID,
                    .init(
                        at: Instant.format(Date()), method: ContactMethod.phone.rawValue,
                        outcome: caller == "victim"
                            ? ContactOutcome.spokeToVictim.rawValue : ContactOutcome.spokeToRepresentative.rawValue,
                        identityVerified: d.identityVerified, welfareChecked: d.welfareChecked,
                        safeToSpeak: d.safeToSpeak, contactPointID: d.contactPointID, direction: direction,
                        notes: notes.map { "Victim Focus Desk call: \($0)" } ?? "Victim Focus Desk call",
                        snakeCase: false),
                    requireConfirmation: false, confirmed: true, context: context, on: tx)
                contactID = recorded.contact.id
            }
            let call = DeskCall()
            call.$victim.id = victimID
            call.direction = direction
            call.at = Date()
            call.caller = caller
            call.reason = reason!.rawValue
            call.outcome = outcome!.rawValue
            call.notes = notes
            call.$contact.id = contactID
            call.byUserID = context.actor.id
            call.byName = context.actor.name
            try await call.create(on: tx)
            try await AuditLog.record(
                .create, "desk_call", call.id, summary: "victim \(victimID), \(reason!.rawValue)", context: context,
                on: tx)
            return call
        }
    }

    /// The desk's recent calls, newest first; each victim they are about is audited as seen (the notes are theirs).
    static func recent(limit: Int = 50, context: AccessContext, on db: any Database) async throws -> [DeskCall] {
        try AccessGuard.require(.viewDeskWorklist, context)
        let calls = try await DeskCall.query(on: db).sort(\.$at, .descending).limit(limit).with(\.$contact).all()
        try await AuditLog.recordViews(
            "victim", calls.compactMap { $0.$victim.id }, summary: "listed in the desk's recent calls",
            context: context,
            on: db)
        return calls
    }

    /// One person a desk search found, and in what part of which crime; `victims` are the victims a call can be
    /// logged about from this match (the victim themself, or the victims a representative speaks for). A
    /// suspect's or witness's name never offers a victim's call (2026-11-30, issue 13).
    struct Match: Sendable {
        var personID: UUID
        var name: String
        var role: PersonRole
        var crimeID: UUID
        var reference: String
        var status: String
        var officer: String?
        var victims: [MatchedVictim]
    }

    struct MatchedVictim: Sendable {
        var victimID: UUID
        var personID: UUID
        var name: String
        var nextDue: String?
        /// Their phone numbers, for a call the desk makes.
        var phones: [(id: UUID, number: String, safe: Bool)] = []
    }

    /// Finds who a caller may be: by crime reference (the crime's victims) or by name (each person of that name
    /// and their part in each crime). Audited with its terms, and every person shown as a view.
    static func search(_ text: String, context: AccessContext, on db: any Database) async throws -> [Match] {
        try AccessGuard.require(.viewDeskWorklist, context)
        let query = text.trimmingWhitespace()
        guard !query.isEmpty, query.count <= 200, let sql = db as? any SQLDatabase else { return [] }
        struct Row: Decodable {
            var person_id: UUID
            var given_name: String
            var family_name: String
            var role: String
            var crime_id: UUID
            var reference: String
            var status: String
            var officer: String?
        }
        let select: SQLQueryString = """
            SELECT cp.person_id, p.given_name, p.family_name, cp.role, c.id AS crime_id, c.reference, c.status,
                   u.display_name AS officer
            FROM crime_persons cp JOIN crimes c ON c.id = cp.crime_id JOIN persons p ON p.id = cp.person_id
            LEFT JOIN users u ON u.id = c.officer_in_case_id
            """
        let rows: [Row]
        if let reference = Normalise.crimeReference(query), query.contains(where: \.isNumber) {
            rows = try await sql.raw(
                select + " WHERE c.reference = \(bind: reference) AND cp.role = \(bind: PersonRole.victim.rawValue)"
            ).all(decoding: Row.self)
        } else if let (family, given) = CrimeService.nameKeys(query) {
            var condition: SQLQueryString = " WHERE cp.family_name_key = \(bind: family)"
            if let given {
                condition +=
                    " AND cp.given_name_key >= \(bind: given) AND cp.given_name_key < \(bind: CrimeService.prefixUpperBound(given))"
            }
            rows = try await sql.raw(select + condition + " ORDER BY cp.reported_at DESC LIMIT 30").all(
                decoding: Row.self)
        } else {
            rows = []
        }
        // The victims each match may call about, with their next duty.
        let crimes = Array(Set(rows.map(\.crime_id)))
        let victims =
            crimes.isEmpty ? [] : try await Victim.query(on: db).filter(\.$crime.$id ~~ crimes).with(\.$person).all()
        let nextDue = try await nextDuties(victims.compactMap(\.id), on: db)
        let phones = try await ContactPoint.query(on: db).filter(\.$person.$id ~~ victims.map { $0.$person.id })
            .filter(\.$kindCode == ContactPointKind.phone.rawValue).all()
        var matches: [Match] = []
        for row in rows {
            guard let role = PersonRole(rawValue: row.role) else { continue }
            let speaksFor: [Victim]
            switch role {
            case .victim: speaksFor = victims.filter { $0.$crime.id == row.crime_id && $0.$person.id == row.person_id }
            case .representative, .parentOrGuardian: speaksFor = victims.filter { $0.$crime.id == row.crime_id }
            default: speaksFor = []
            }
            matches.append(
                Match(
                    personID: row.person_id, name: "\(row.given_name) \(row.family_name)", role: role,
                    crimeID: row.crime_id, reference: row.reference,
                    status: CrimeStatus(rawValue: row.status)?.label ?? row.status, officer: row.officer,
                    victims: speaksFor.map { v in
                        MatchedVictim(
                            victimID: v.id!, personID: v.$person.id, name: v.person.fullName, nextDue: nextDue[v.id!],
                            phones: phones.filter { $0.$person.id == v.$person.id }.map {
                                (id: $0.id!, number: $0.value, safe: $0.safe)
                            })
                    }))
        }
        try await AuditLog.recordSearch(
            "person", terms: "desk: \(query)", results: matches.count, context: context, on: db)
        try await AuditLog.recordViews(
            "person", matches.map(\.personID) + matches.flatMap { $0.victims.map(\.personID) },
            summary: "desk search result", context: context, on: db)
        return matches
    }

    private static func nextDuties(_ victimIDs: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !victimIDs.isEmpty else { return [:] }
        let open = try await ObligationRecord.query(on: db).filter(\.$victim.$id ~~ victimIDs)
            .filter(\.$state == "open").filter(\.$triggeredAt <= Date()).sort(\.$dueAt).all()
        var next: [UUID: String] = [:]
        for o in open where next[o.$victim.id] == nil {
            next[o.$victim.id] = "\(o.code) by \(Display.date(o.dueDate))"
        }
        return next
    }
}
