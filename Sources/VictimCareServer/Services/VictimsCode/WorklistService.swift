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
        var person_id: UUID
        var trigger: String = ""
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
        var personID: UUID
        /// The victim's phone numbers, emails and addresses, for the quick form's "number used".
        var points: [Point] = []
        /// The latest note on a contact or a desk call ("wants a call back from the officer in the case").
        var lastNote: String?
        /// The latest attempt to reach them, of any outcome.
        var lastAttempt: Date?
        /// An update is overdue and nobody has tried to reach them since it fell due (issue 14's prompt).
        var needsAttempt = false
        /// Open duties, earliest first.
        var duties: [(code: String, key: String, dueAt: Date, dueDate: String, isUpdate: Bool)]
        var firstDue: Date { duties[0].dueAt }
    }

    struct Point: Sendable {
        var id: UUID
        var kind: ContactPointKind
        var value: String
        var safe: Bool
    }

    struct Buckets: Sendable {
        var overdue: [VictimLine] = []
        var dueToday: [VictimLine] = []
        var dueThisWeek: [VictimLine] = []
        var later: [VictimLine] = []
        var total: Int { overdue.count + dueToday.count + dueThisWeek.count + later.count }
        var all: [VictimLine] { overdue + dueToday + dueThisWeek + later }

        mutating func update(_ change: (inout VictimLine) -> Void) {
            for i in overdue.indices { change(&overdue[i]) }
            for i in dueToday.indices { change(&dueToday[i]) }
            for i in dueThisWeek.indices { change(&dueThisWeek[i]) }
            for i in later.indices { change(&later[i]) }
        }
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
                    officerID: r.officer_id, officer: r.officer_name, personID: r.person_id, duties: [])
            }
            let isUpdate =
                ObligationTrigger(rawValue: r.trigger).map {
                    Obligation(
                        code: r.code, key: r.obligation_key, trigger: $0, right: 0, duty: "", triggeredAt: 0,
                        dueDate: LocalDate(r.due_date) ?? London.date(of: r.due_at), dueAt: 0, state: .open, metAt: nil,
                        metBy: nil, reason: nil
                    ).isUpdate
                } ?? false
            lines[r.victim_id]!.duties.append((r.code, r.obligation_key, r.due_at, r.due_date, isUpdate))
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
                   p.given_name, p.family_name, p.preferred_contact, v.enhanced, u.id, u.display_name, p.id, o.trigger
            FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN crimes c ON c.id = v.crime_id
            JOIN persons p ON p.id = v.person_id LEFT JOIN users u ON u.id = c.officer_in_case_id
            WHERE o.state = 'open' AND \(condition) AND o.triggered_at <= ?
            ORDER BY o.due_at LIMIT \(limit)
            """, binds + [.date(Date())], on: sql)
        return rows.compactMap { r in
            guard let victim = r.uuid(0), let dueAt = r.date(3), let crime = r.uuid(5), let person = r.uuid(13) else {
                return nil
            }
            return Row(
                victim_id: victim, code: r.string(1) ?? "", obligation_key: r.string(2) ?? "", due_at: dueAt,
                due_date: r.string(4) ?? "", crime_id: crime, reference: r.string(6) ?? "",
                given_name: r.string(7) ?? "", family_name: r.string(8) ?? "", preferred_contact: r.string(9),
                enhanced: r.bool(10), officer_id: r.uuid(11), officer_name: r.string(12), person_id: person,
                trigger: r.string(14) ?? "")
        }
    }

    /// The victims a list shows, with their contact points and latest note, audited as seen by `context`'s
    /// actor (one row per person).
    private static func audited(_ buckets: Buckets, _ list: String, context: AccessContext, on db: any Database)
        async throws -> Buckets
    {
        let people = buckets.all.map(\.personID)
        try await AuditLog.recordViews("person", people, summary: "listed on \(list)", context: context, on: db)
        var enriched = buckets
        let points = try await pointsOf(people, on: db)
        let notes = try await latestNotes(buckets.all.map(\.victimID), on: db)
        let attempts = try await latestAttempts(buckets.all.map(\.victimID), on: db)
        let now = Date()
        enriched.update { line in
            line.points = points[line.personID] ?? []
            line.lastNote = notes[line.victimID]
            line.lastAttempt = attempts[line.victimID]
            // The earliest overdue update duty, and no attempt since it fell due.
            let overdueUpdate = line.duties.first { $0.dueAt < now && $0.isUpdate }
            if let due = overdueUpdate?.dueAt { line.needsAttempt = (line.lastAttempt ?? .distantPast) <= due }
        }
        return enriched
    }

    private static func pointsOf(_ people: [UUID], on db: any Database) async throws -> [UUID: [Point]] {
        guard !people.isEmpty else { return [:] }
        var found: [UUID: [Point]] = [:]
        for chunk in stride(from: 0, to: people.count, by: 500).map({ Array(people[$0..<min($0 + 500, people.count)]) })
        {
            for p in try await ContactPoint.query(on: db).filter(\.$person.$id ~~ chunk).sort(\.$createdAt).all() {
                found[p.$person.id, default: []].append(Point(id: p.id!, kind: p.kind, value: p.value, safe: p.safe))
            }
        }
        return found
    }

    /// Each victim's latest contact attempt, whatever its outcome.
    static func latestAttempts(_ victims: [UUID], on db: any Database) async throws -> [UUID: Date] {
        guard !victims.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var latest: [UUID: Date] = [:]
        for chunk in stride(from: 0, to: victims.count, by: 500).map({
            Array(victims[$0..<min($0 + 500, victims.count)])
        }) {
            for row in try await FastRows.query(
                "SELECT victim_id, MAX(at) FROM contacts WHERE victim_id IN (\(chunk.map { _ in "?" }.joined(separator: ", "))) GROUP BY victim_id",
                chunk.map(SQLCell.uuid), on: sql)
            {
                if let id = row.uuid(0), let at = row.date(1) { latest[id] = at }
            }
        }
        return latest
    }

    /// Each victim's latest note on a contact or a desk call.
    static func latestNotes(_ victims: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !victims.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        struct Row: Decodable {
            var victim_id: UUID
            var notes: String
            var at: Date
        }
        var latest: [UUID: (String, Date)] = [:]
        for chunk in stride(from: 0, to: victims.count, by: 500).map({
            Array(victims[$0..<min($0 + 500, victims.count)])
        }) {
            let binds = chunk as [any Encodable & Sendable]
            let rows = try await sql.raw(
                """
                SELECT victim_id, notes, at FROM contacts WHERE victim_id IN (\(binds: binds)) AND notes IS NOT NULL
                UNION ALL SELECT victim_id, notes, at FROM desk_calls WHERE victim_id IN (\(binds: binds)) AND notes IS NOT NULL
                """
            ).all(decoding: Row.self)
            for r in rows where r.at > (latest[r.victim_id]?.1 ?? .distantPast) {
                latest[r.victim_id] = (r.notes, r.at)
            }
        }
        return latest.mapValues(\.0)
    }

    /// "My victims": the victims of the crimes the actor is the officer in the case of.
    static func mine(context: AccessContext, on db: any Database) async throws -> Buckets {
        try AccessGuard.require(.viewOwnWorklist, context)
        guard let me = context.actor.id, context.actor.kind == .user else {
            throw DomainError.forbidden("Only a person has a list of their own victims.")
        }
        // Only crimes the actor may list: an officer in the case of a crime since moved to another unit no longer sees
        // its victims here.
        let (condition, binds): (String, [SQLCell])
        switch try AccessGuard.listingReach(.viewOwnWorklist, context) {
        case .everyUnit: (condition, binds) = ("c.officer_in_case_id = ?", [.uuid(me)])
        case .oneUnit(let unit):
            (condition, binds) = ("c.officer_in_case_id = ? AND c.command_unit_id = ?", [.uuid(me), .uuid(unit)])
        case .sharedOnly, .nothing: throw DomainError.forbidden("Your role does not allow this.")
        }
        return try await audited(
            bucket(try await rows(where: condition, binds, on: db)), "my victims", context: context, on: db)
    }

    struct OfficerLoad: Sendable {
        var officerID: UUID?
        var name: String
        var victims: Int
        var overdue: Int
        var dueToday: Int
    }

    /// The actor's team's victims with open duties (a supervisor with no team: the unit's), and the load per
    /// officer; only within the actor's own unit.
    static func team(context: AccessContext, on db: any Database) async throws -> (Buckets, [OfficerLoad]) {
        guard case .oneUnit(let unit) = try AccessGuard.listingReach(.viewTeamWorklist, context) else {
            throw DomainError.forbidden("A team list belongs to a command unit; your account has none.")
        }
        return try await group(
            teamID: context.actor.teamID, unitID: unit, list: "the team list", context: context, on: db)
    }

    /// The actor's command unit's victims with open duties, and the load per officer.
    static func unit(context: AccessContext, on db: any Database) async throws -> (Buckets, [OfficerLoad]) {
        guard case .oneUnit(let unit) = try AccessGuard.listingReach(.viewUnitWorklist, context) else {
            throw DomainError.forbidden("A unit list belongs to a command unit; your account has none.")
        }
        return try await group(teamID: nil, unitID: unit, list: "the unit list", context: context, on: db)
    }

    private static func group(
        teamID: UUID?, unitID: UUID, list: String, context: AccessContext, on db: any Database
    ) async throws -> (Buckets, [OfficerLoad]) {
        let all = try await rows(
            where: teamID == nil ? "c.command_unit_id = ?" : "u.team_id = ? AND c.command_unit_id = ?",
            teamID.map { [.uuid($0), .uuid(unitID)] } ?? [.uuid(unitID)], limit: 20_000, on: db)
        let buckets = try await audited(bucket(all), list, context: context, on: db)
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
    static func desk(context: AccessContext, on db: any Database) async throws -> Buckets {
        try AccessGuard.require(.viewDeskWorklist, context)
        let codes = ["R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R20"]
        let soon = London.endOfDay(London.date(of: Date()).adding(days: 2))
        let marks = codes.map { _ in "?" }.joined(separator: ", ")
        let buckets = bucket(
            try await rows(
                where: "o.code IN (\(marks)) AND o.due_at <= ?", codes.map { .text($0) } + [.date(soon)], limit: 300,
                on: db))
        return try await audited(buckets, "the desk list", context: context, on: db)
    }
}
