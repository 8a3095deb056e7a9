import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The lists a day starts with: an officer's victims with what is overdue and due, a supervisor's team,
/// a command unit, and the Victim Focus Desk's force-wide view.
enum WorklistService {
    struct Row: Sendable {
        var victim_id: UUID
        var code: String
        var obligation_key: String
        var due_at: Date
        var due_date: String
        var crime_id: UUID
        var reference: String
        var given_name: String
        var family_name: String
        var preferred_contact: String?
        var enhanced: Bool
        var officer_id: UUID?
        var officer_name: String?
    }

    struct VictimLine: Sendable {
        var victimID: UUID
        var crimeID: UUID
        var reference: String
        var name: String
        var preferredContact: ContactMethod?
        var enhanced: Bool
        var officerID: UUID?
        var officer: String?
        /// Open duties, earliest first.
        var duties: [(code: String, key: String, dueAt: Date, dueDate: String)]
        var firstDue: Date { duties[0].dueAt }
    }

    struct Buckets: Sendable {
        var overdue: [VictimLine] = []
        var dueToday: [VictimLine] = []
        var dueThisWeek: [VictimLine] = []
        var later: [VictimLine] = []
        var total: Int { overdue.count + dueToday.count + dueThisWeek.count + later.count }
    }

    static func bucket(_ rows: [Row], now: Date = Date()) -> Buckets {
        var lines: [UUID: VictimLine] = [:]
        var order: [UUID] = []
        for r in rows {
            if lines[r.victim_id] == nil {
                order.append(r.victim_id)
                lines[r.victim_id] = VictimLine(
                    victimID: r.victim_id, crimeID: r.crime_id, reference: r.reference,
                    name: "\(r.given_name) \(r.family_name)",
                    preferredContact: ContactMethod.code(r.preferred_contact), enhanced: r.enhanced,
                    officerID: r.officer_id, officer: r.officer_name, duties: [])
            }
            lines[r.victim_id]!.duties.append((r.code, r.obligation_key, r.due_at, r.due_date))
        }
        let today = London.date(of: now)
        let endToday = London.endOfDay(today)
        let endWeek = London.endOfDay(today.adding(days: 7))
        var buckets = Buckets()
        for id in order {
            let line = lines[id]!
            switch line.firstDue {
            case ..<now: buckets.overdue.append(line)
            case ...endToday: buckets.dueToday.append(line)
            case ...endWeek: buckets.dueThisWeek.append(line)
            default: buckets.later.append(line)
            }
        }
        return buckets
    }

    /// Open duties joined to their victim, crime, person and officer, earliest first; read by position.
    private static func rows(where condition: String, _ binds: [SQLCell], limit: Int = 5000, on db: any Database)
        async throws -> [Row]
    {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = try await FastRows.query(
            """
            SELECT o.victim_id, o.code, o.obligation_key, o.due_at, o.due_date, c.id, c.reference,
                   p.given_name, p.family_name, p.preferred_contact, v.enhanced, u.id, u.display_name
            FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN crimes c ON c.id = v.crime_id
            JOIN persons p ON p.id = v.person_id LEFT JOIN users u ON u.id = c.officer_in_case_id
            WHERE o.state = 'open' AND \(condition)
            ORDER BY o.due_at LIMIT \(limit)
            """, binds, on: sql)
        return rows.compactMap { r in
            guard let victim = r.uuid(0), let dueAt = r.date(3), let crime = r.uuid(5) else { return nil }
            return Row(
                victim_id: victim, code: r.string(1) ?? "", obligation_key: r.string(2) ?? "", due_at: dueAt,
                due_date: r.string(4) ?? "", crime_id: crime, reference: r.string(6) ?? "",
                given_name: r.string(7) ?? "", family_name: r.string(8) ?? "", preferred_contact: r.string(9),
                enhanced: r.bool(10), officer_id: r.uuid(11), officer_name: r.string(12))
        }
    }

    /// An officer's victims: crimes where they are the officer in the case.
    static func officer(_ user: User, on db: any Database) async throws -> Buckets {
        bucket(try await rows(where: "c.officer_in_case_id = ?", [.uuid(user.id!)], on: db))
    }

    struct OfficerLoad: Sendable {
        var officerID: UUID?
        var name: String
        var victims: Int
        var overdue: Int
        var dueToday: Int
    }

    /// A team's (or, for a lead, a unit's) victims with open duties, and the load per officer.
    static func group(teamID: UUID?, unitID: UUID, context: AccessContext, on db: any Database) async throws -> (
        Buckets, [OfficerLoad]
    ) {
        let all = try await rows(
            where: teamID == nil ? "c.command_unit_id = ?" : "u.team_id = ?", [.uuid(teamID ?? unitID)], limit: 20_000,
            on: db)
        let buckets = bucket(all)
        let now = Date()
        let endToday = London.endOfDay(London.date(of: now))
        var loads: [UUID?: OfficerLoad] = [:]
        for line in buckets.overdue + buckets.dueToday + buckets.dueThisWeek + buckets.later {
            let key = line.officerID
            var load =
                loads[key]
                ?? OfficerLoad(
                    officerID: key, name: line.officer ?? "Not allocated", victims: 0, overdue: 0, dueToday: 0)
            load.victims += 1
            load.overdue += line.duties.filter { $0.dueAt < now }.count
            load.dueToday += line.duties.filter { $0.dueAt >= now && $0.dueAt <= endToday }.count
            loads[key] = load
        }
        return (buckets, loads.values.sorted { ($0.overdue, $0.victims) > ($1.overdue, $1.victims) })
    }

    /// The desk's view: victims force-wide waiting for an update (the interval, or news of an event).
    static func desk(on db: any Database) async throws -> Buckets {
        let codes = ["R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R20"]
        let soon = London.endOfDay(London.date(of: Date()).adding(days: 2))
        let marks = codes.map { _ in "?" }.joined(separator: ", ")
        return bucket(
            try await rows(
                where: "o.code IN (\(marks)) AND o.due_at <= ?", codes.map { .text($0) } + [.date(soon)], limit: 300,
                on: db))
    }
}

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
    }

    /// Logs a call about a victim. If the desk spoke to the victim or their representative, the call is also
    /// recorded as a contact under the usual rule, and linked.
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
        var contactID: UUID?
        if outcome != .noAnswer, caller == "victim" || caller == "representative" {
            let recorded = try await ContactService.record(
                victimID: victimID,
                .init(
                    at: Instant.format(Date()), method: ContactMethod.phone.rawValue,
                    outcome: caller == "victim"
                        ? ContactOutcome.spokeToVictim.rawValue : ContactOutcome.spokeToRepresentative.rawValue,
                    identityVerified: d.identityVerified, welfareChecked: d.welfareChecked, safeToSpeak: d.safeToSpeak,
                    direction: direction, notes: "Victim Focus Desk call"),
                requireConfirmation: false, confirmed: true, context: context, on: db)
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
        try await call.create(on: db)
        try await AuditLog.record(
            .create, "desk_call", call.id, summary: "victim \(victimID), \(reason!.rawValue)", context: context, on: db)
        return call
    }

    static func recent(limit: Int = 50, on db: any Database) async throws -> [DeskCall] {
        try await DeskCall.query(on: db).sort(\.$at, .descending).limit(limit).with(\.$contact).all()
    }
}
