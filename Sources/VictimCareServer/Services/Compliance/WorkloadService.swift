import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Workload against staffing, as the IPCC recommended for units that handle domestic abuse: for each team of a
/// command unit, the cases and obligations its officers hold, month by month, beside the officers (full-time
/// equivalent) the unit's lead records for the team. Cases count against the team the officer in the case is in
/// now.
enum WorkloadService {
    struct TeamMonth: Sendable {
        var team: Team
        var month: YearMonth
        var staffing: Double?
        /// Cases open at the end of the month (reported before it ended, not closed by then).
        var openCases: Int
        /// Obligations whose deadline fell in the month, and those of them not met on time.
        var due: Int
        var missed: Int
    }

    struct OfficerNow: Sendable {
        var name: String
        var team: String
        var openCases: Int
        var openObligations: Int
        var overdue: Int
    }

    struct TeamNow: Sendable {
        var team: Team
        var accounts: Int
        var staffing: Double?
        var openCases: Int
        var openObligations: Int
        var overdue: Int
    }

    struct Report: Sendable {
        var teams: [TeamNow]
        var months: [TeamMonth]
        var officers: [OfficerNow]
    }

    static func checkScope(_ unit: UUID, _ context: AccessContext) throws {
        try AccessGuard.requireListing(.viewComplianceDashboard, unit: unit, context)
    }

    static func report(unit: UUID, months: [YearMonth], asOf: Date, context: AccessContext, on db: any Database)
        async throws -> Report
    {
        try checkScope(unit, context)
        guard let sql = db as? any SQLDatabase, let first = months.first, let last = months.last else {
            return Report(teams: [], months: [], officers: [])
        }
        let teams = try await OrganisationService.teams(in: unit, on: db)
        let staffing = try await TeamStaffing.query(on: db).filter(\.$team.$id ~~ teams.compactMap(\.id))
            .filter(\.$month >= first.description).all()
        let fte = Dictionary(
            staffing.map { ("\($0.$team.id)|\($0.month)", $0.officers) }, uniquingKeysWith: { a, _ in a })
        let closed = CrimeStatus.closed.rawValue

        // Now: by officer in the case.
        var officers: [UUID: OfficerNow] = [:]
        var teamOf: [UUID: UUID] = [:]
        for row in try await sql.raw(
            """
            SELECT u.id, u.display_name, u.rank, u.team_id,
              (SELECT COUNT(*) FROM crimes c WHERE c.officer_in_case_id = u.id AND c.status <> \(bind: closed)) AS cases,
              (SELECT COUNT(*) FROM obligations o JOIN crimes c ON c.id = o.crime_id
                 WHERE c.officer_in_case_id = u.id AND o.state = 'open' AND o.triggered_at <= \(bind: asOf)) AS open,
              (SELECT COUNT(*) FROM obligations o JOIN crimes c ON c.id = o.crime_id
                 WHERE c.officer_in_case_id = u.id AND o.state = 'open' AND o.due_at < \(bind: asOf)) AS overdue
            FROM users u WHERE u.command_unit_id = \(bind: unit) AND u.team_id IS NOT NULL
            """
        ).all() {
            let id = try row.decode(column: "id", as: UUID.self)
            let team = try row.decode(column: "team_id", as: UUID.self)
            teamOf[id] = team
            let rank = try row.decode(column: "rank", as: String?.self)
            officers[id] = OfficerNow(
                name: "\(rank.map { $0 + " " } ?? "")\(try row.decode(column: "display_name", as: String.self))",
                team: teams.first { $0.id == team }?.name ?? "",
                openCases: try row.decode(column: "cases", as: Int.self),
                openObligations: try row.decode(column: "open", as: Int.self),
                overdue: try row.decode(column: "overdue", as: Int.self))
        }
        let current = months.last!
        let teamsNow = teams.map { team in
            let members = teamOf.filter { $0.value == team.id }.compactMap { officers[$0.key] }
            return TeamNow(
                team: team, accounts: members.count, staffing: fte["\(team.id!)|\(current)"],
                openCases: members.map(\.openCases).reduce(0, +),
                openObligations: members.map(\.openObligations).reduce(0, +),
                overdue: members.map(\.overdue).reduce(0, +))
        }

        // Month by month, by team: cases open at each month's end, obligations due and missed.
        var cases: [String: Int] = [:]
        for month in months {
            let end = month.adding(months: 1).start
            for row in try await sql.raw(
                """
                SELECT u.team_id AS team, COUNT(*) AS n
                FROM crimes c JOIN users u ON u.id = c.officer_in_case_id
                WHERE c.command_unit_id = \(bind: unit) AND u.team_id IS NOT NULL AND c.reported_at < \(bind: end)
                  AND NOT EXISTS (SELECT 1 FROM crime_status_changes s WHERE s.crime_id = c.id
                                    AND s.status = \(bind: closed) AND s.at < \(bind: end))
                GROUP BY 1
                """
            ).all() {
                cases["\(try row.decode(column: "team", as: UUID.self))|\(month)"] = try row.decode(
                    column: "n", as: Int.self)
            }
        }
        var due: [String: (Int, Int)] = [:]
        for row in try await sql.raw(
            """
            SELECT u.team_id AS team, SUBSTR(o.due_date, 1, 7) AS month, COUNT(*) AS due,
                   SUM(CASE WHEN o.state = 'met' AND o.met_at <= o.due_at THEN 0
                            WHEN o.state = 'open' AND o.due_at >= \(bind: asOf) THEN 0 ELSE 1 END) AS missed
            FROM obligations o JOIN crimes c ON c.id = o.crime_id JOIN users u ON u.id = c.officer_in_case_id
            WHERE c.command_unit_id = \(bind: unit) AND u.team_id IS NOT NULL AND o.state IN ('open', 'met')
              AND o.due_date >= \(bind: first.firstDay.description)
              AND o.due_date < \(bind: last.adding(months: 1).firstDay.description)
            GROUP BY 1, 2
            """
        ).all() {
            let key =
                "\(try row.decode(column: "team", as: UUID.self))|\(try row.decode(column: "month", as: String.self))"
            due[key] = (try row.decode(column: "due", as: Int.self), try row.decode(column: "missed", as: Int.self))
        }
        var rows: [TeamMonth] = []
        for team in teams {
            for month in months.reversed() {
                let key = "\(team.id!)|\(month)"
                rows.append(
                    TeamMonth(
                        team: team, month: month, staffing: fte[key], openCases: cases[key] ?? 0,
                        due: due[key]?.0 ?? 0, missed: due[key]?.1 ?? 0))
            }
        }
        try await AuditLog.record(
            .view, "workload", unit, summary: "workload against staffing", context: context, on: db)
        return Report(
            teams: teamsNow, months: rows,
            officers: officers.values.sorted { ($0.team, $0.name) < ($1.team, $1.name) })
    }

    /// A lead (or supervisor) records a team's officers for a month; recording the same month again replaces it.
    static func recordStaffing(
        team teamID: UUID, month raw: String?, officers rawOfficers: String?, note: String?,
        context: AccessContext, on db: any Database
    ) async throws {
        try AccessGuard.require(.recordStaffing, context)
        guard let team = try await Team.find(teamID, on: db) else { throw DomainError.notFound("team") }
        try AccessGuard.requireListing(.recordStaffing, unit: team.$commandUnit.id, context)
        var errors: [FieldError] = []
        let month = raw.flatMap { YearMonth($0.trimmingWhitespace()) }
        if month == nil { errors.append(.init(field: "month", message: "Enter the month like 2026-03")) }
        let officers = rawOfficers.flatMap { Double($0.trimmingWhitespace()) }
        if officers == nil || !(0...1000).contains(officers!) {
            errors.append(.init(field: "officers", message: "Enter the officers as a number from 0 to 1000"))
        }
        let cleanNote = note?.trimmingWhitespaceAndNewlines()
        if let cleanNote, cleanNote.count > 500 {
            errors.append(.init(field: "note", message: "The note must be 500 characters or fewer"))
        }
        guard errors.isEmpty, let month, let officers else { throw DomainError.invalid(errors) }
        try await db.transaction { tx in
            let record =
                try await TeamStaffing.query(on: tx).filter(\.$team.$id == teamID)
                .filter(\.$month == month.description).first() ?? TeamStaffing()
            record.$team.id = teamID
            record.month = month.description
            record.officers = officers
            record.note = cleanNote.flatMap { $0.isEmpty ? nil : $0 }
            record.setByName = context.actor.name
            record.setAt = Date()
            try await record.save(on: tx)
            try await AuditLog.record(
                .update, "team_staffing", teamID, summary: "\(month): \(officers) officers", context: context, on: tx)
        }
    }
}
