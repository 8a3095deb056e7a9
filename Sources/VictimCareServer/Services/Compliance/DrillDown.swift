import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The victims behind a figure: those counted in its numerator, or those in its denominator but not its numerator
/// (the misses a commander wants to see), for one unit and one month or the latest 12. Only within the viewer's
/// scope: a unit's own staff see their unit, force-wide roles any unit. Each listing is audited.
enum DrillDown {
    enum Part: String, Sendable, CaseIterable {
        case missed, counted

        var label: String { self == .missed ? "Not counted (missed)" : "Counted" }
    }

    struct Line: Sendable {
        var victimID: UUID
        var personID: UUID
        var crimeReference: String
        var victimName: String
        var what: String
        var due: String
        var state: String
    }

    static let pageSize = 200

    static func victims(
        metric: Metric, unit: UUID, months: [YearMonth], part: Part, asOf: Date, context: AccessContext,
        on db: any Database
    ) async throws -> [Line] {
        try AccessGuard.requireListing(.viewComplianceDashboard, unit: unit, context)
        guard metric.drillable else {
            throw DomainError.forbidden("Answers to feedback and the survey are not traced back to victims.")
        }
        guard let sql = db as? any SQLDatabase, let first = months.first, let last = months.last else {
            return []
        }
        let from = first.start
        let to = last.adding(months: 1).start
        let want = part == .counted ? 1 : 0
        let select: SQLQueryString = """
            SELECT v.id AS victim_id, p.id AS person_id, c.reference, p.given_name, p.family_name,
            """
        var queries: [SQLQueryString] = []
        switch metric.source {
        case .obligations(let codes, let triggers):
            // One rule at a time, so each is an ordered walk of the (code, due date) index that stops at a page;
            // the pages are merged by deadline below.
            for code in codes.sorted() {
                queries.append(
                    select
                        + """
                         o.code AS what, o.due_date AS due, o.state AS state
                        FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN persons p ON p.id = v.person_id
                          JOIN crimes c ON c.id = o.crime_id
                        WHERE o.code = \(bind: code)\(ComplianceQuery.triggerFilter(triggers))
                          AND o.due_date >= \(bind: first.firstDay.description)
                          AND o.due_date < \(bind: last.adding(months: 1).firstDay.description)
                          AND c.command_unit_id = \(bind: unit)
                          AND (o.state = 'met' OR (o.state = 'open' AND o.due_at < \(bind: asOf)))
                          AND (CASE WHEN o.state = 'met' AND o.met_at <= o.due_at THEN 1 ELSE 0 END) = \(bind: want)
                        ORDER BY o.due_date
                        """)
            }
        case .overdueNow:
            let due: SQLQueryString =
                part == .counted ? "o.due_at < \(bind: asOf)" : "o.due_at >= \(bind: asOf)"
            queries.append(
                select
                    + """
                     o.code AS what, o.due_date AS due, o.state AS state
                    FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN persons p ON p.id = v.person_id
                      JOIN crimes c ON c.id = o.crime_id
                    WHERE o.state = 'open' AND \(due) AND c.command_unit_id = \(bind: unit)
                    ORDER BY o.due_at
                    """)
        case .victims(let measure):
            queries.append(
                select
                    + """
                     '' AS what, '' AS due, '' AS state
                    FROM victims v JOIN persons p ON p.id = v.person_id JOIN crimes c ON c.id = v.crime_id
                    WHERE c.command_unit_id = \(bind: unit) AND c.reported_at >= \(bind: from) AND c.reported_at < \(bind: to)
                      AND (\(Fairness.victimMeasure(measure))) = \(bind: want)
                    ORDER BY c.reported_at
                    """)
        case .contacts:
            queries.append(
                select
                    + """
                     k.outcome AS what, '' AS due, k.method AS state
                    FROM contacts k JOIN victims v ON v.id = k.victim_id JOIN persons p ON p.id = v.person_id
                      JOIN crimes c ON c.id = v.crime_id
                    WHERE c.command_unit_id = \(bind: unit) AND k.method IN ('phone', 'in_person', 'video')
                      AND k.at >= \(bind: from) AND k.at < \(bind: to)
                      AND (CASE WHEN k.successful THEN 1 ELSE 0 END) = \(bind: want)
                    ORDER BY k.at
                    """)
        case .feedback, .survey:
            return []
        }
        var lines: [Line] = []
        for query in queries {
            for row in try await sql.raw(query + " LIMIT \(unsafeRaw: String(pageSize))").all() {
                lines.append(
                    Line(
                        victimID: try row.decode(column: "victim_id", as: UUID.self),
                        personID: try row.decode(column: "person_id", as: UUID.self),
                        crimeReference: try row.decode(column: "reference", as: String.self),
                        victimName:
                            "\(try row.decode(column: "given_name", as: String.self)) \(try row.decode(column: "family_name", as: String.self))",
                        what: try row.decode(column: "what", as: String.self),
                        due: try row.decode(column: "due", as: String.self),
                        state: try row.decode(column: "state", as: String.self)))
            }
        }
        if queries.count > 1 {
            lines = Array(
                lines.enumerated().sorted { ($0.element.due, $0.offset) < ($1.element.due, $1.offset) }.map(\.element)
                    .prefix(pageSize))
        }
        try await AuditLog.recordViews(
            "person", lines.map(\.personID),
            summary: "behind dashboard figure \(metric.id) (\(part.rawValue)) \(first)–\(last), unit \(unit)",
            context: context, on: db)
        return lines
    }
}
