import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The victims behind a figure: those counted in its numerator, or those in its denominator but not its numerator
/// (the misses a commander wants to see), for one unit and one month or the latest 12. Exactly the rows the figure
/// counts, as at the same moment: an obligation met after that moment was still open then (2026-11-30, issue 13).
/// Only within the viewer's reach; each person listed is audited.
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
        /// In words: "Met on time", "Met late, on 3 March 2026", "Not met (overdue)".
        var state: String
    }

    struct Page: Sendable {
        var lines: [Line]
        /// How many rows each part holds in all: the figure's numerator, and denominator less numerator.
        var counted: Int
        var missed: Int
        var page: Int
        var hasMore: Bool
    }

    static let pageSize = 200

    /// One page of the part asked for (`page` nil: every row, for the CSV), with both parts' totals.
    static func victims(
        metric: Metric, unit: UUID, months: [YearMonth], part: Part, asOf: Date, page: Int?,
        context: AccessContext, on db: any Database
    ) async throws -> Page {
        try AccessGuard.requireListing(.viewComplianceDashboard, unit: unit, context)
        guard metric.drillable else {
            throw DomainError.forbidden("Answers to feedback and the survey are not traced back to victims.")
        }
        guard let sql = db as? any SQLDatabase,
            let query = Query(metric: metric, unit: unit, months: months, asOf: asOf)
        else { return Page(lines: [], counted: 0, missed: 0, page: 1, hasMore: false) }
        struct Totals: Decodable {
            var counted: Int?
            var missed: Int?
        }
        let totals = try await sql.raw(
            "SELECT SUM(\(query.countedCase)) AS counted, SUM(1 - \(query.countedCase)) AS missed FROM \(query.from) WHERE \(query.inDenominator)"
        ).first(decoding: Totals.self)
        let want = part == .counted ? 1 : 0
        var select: SQLQueryString = """
            SELECT v.id AS victim_id, p.id AS person_id, c.reference, p.given_name, p.family_name, \(query.columns),
                   \(query.countedCase) AS counted
            FROM \(query.from) WHERE \(query.inDenominator) AND \(query.countedCase) = \(bind: want)
            ORDER BY \(query.order), v.id
            """
        // A page number from the address bar: past the last page shows an empty page, never an overflow.
        let number = min(max(1, page ?? 1), 10_000_000)
        if page != nil {
            select =
                select
                + " LIMIT \(unsafeRaw: String(pageSize + 1)) OFFSET \(unsafeRaw: String((number - 1) * pageSize))"
        }
        var lines: [Line] = []
        for row in try await sql.raw(select).all() {
            lines.append(
                Line(
                    victimID: try row.decode(column: "victim_id", as: UUID.self),
                    personID: try row.decode(column: "person_id", as: UUID.self),
                    crimeReference: try row.decode(column: "reference", as: String.self),
                    victimName:
                        "\(try row.decode(column: "given_name", as: String.self)) \(try row.decode(column: "family_name", as: String.self))",
                    what: try row.decode(column: "what", as: String.self),
                    due: try row.decode(column: "due", as: String.self),
                    state: query.describe(
                        counted: want == 1, state: try row.decode(column: "state", as: String.self),
                        metAt: try row.decode(column: "met_at", as: Date?.self), asOf: asOf)))
        }
        let hasMore = page != nil && lines.count > pageSize
        if hasMore { lines.removeLast() }
        try await AuditLog.recordViews(
            "person", lines.map(\.personID),
            summary:
                "behind dashboard figure \(metric.id) (\(part.rawValue)) \(months.first!)–\(months.last!), unit \(unit)",
            context: context, on: db)
        return Page(
            lines: lines, counted: totals?.counted ?? 0, missed: totals?.missed ?? 0, page: number, hasMore: hasMore)
    }

    /// The rows a metric counts, as SQL: where they come from, which are in the denominator, and which of those
    /// the numerator counts (the same rules as ``ComplianceCounts``).
    struct Query {
        var from: SQLQueryString
        var inDenominator: SQLQueryString
        var countedCase: SQLQueryString
        var columns: SQLQueryString
        var order: SQLQueryString
        var kind: Kind

        enum Kind { case obligation, overdueNow, victim, contact }

        init?(metric: Metric, unit: UUID, months: [YearMonth], asOf: Date) {
            guard let first = months.first, let last = months.last else { return nil }
            let start = first.start
            let end = last.adding(months: 1).start
            switch metric.source {
            case .obligations(let codes, let triggers):
                kind = .obligation
                from = """
                    obligations o JOIN victims v ON v.id = o.victim_id JOIN persons p ON p.id = v.person_id
                    JOIN crimes c ON c.id = o.crime_id
                    """
                inDenominator = """
                    o.code IN (\(ComplianceQuery.binds(codes)))\(ComplianceQuery.triggerFilter(triggers))
                    AND o.due_date >= \(bind: first.firstDay.description)
                    AND o.due_date < \(bind: last.adding(months: 1).firstDay.description)
                    AND c.command_unit_id = \(bind: unit) AND \(ComplianceQuery.decided(asOf: asOf))
                    """
                countedCase = ComplianceQuery.onTime(asOf: asOf)
                columns = "o.code AS what, o.due_date AS due, o.state AS state, o.met_at AS met_at"
                order = "o.due_date, o.code"
            case .overdueNow:
                kind = .overdueNow
                from = """
                    obligations o JOIN victims v ON v.id = o.victim_id JOIN persons p ON p.id = v.person_id
                    JOIN crimes c ON c.id = o.crime_id
                    """
                inDenominator = "c.command_unit_id = \(bind: unit) AND \(ComplianceQuery.openAt(asOf: asOf))"
                countedCase = "(CASE WHEN o.due_at < \(bind: asOf) THEN 1 ELSE 0 END)"
                columns = "o.code AS what, o.due_date AS due, o.state AS state, o.met_at AS met_at"
                order = "o.due_at, o.code"
            case .victims(let measure):
                kind = .victim
                from = "victims v JOIN persons p ON p.id = v.person_id JOIN crimes c ON c.id = v.crime_id"
                inDenominator = """
                    c.command_unit_id = \(bind: unit) AND c.reported_at >= \(bind: start) AND c.reported_at < \(bind: end)
                    """
                countedCase = "(\(Fairness.victimMeasure(measure)))"
                columns = "'' AS what, '' AS due, '' AS state, c.reported_at AS met_at"
                order = "c.reported_at"
            case .contacts:
                kind = .contact
                from = """
                    contacts k JOIN victims v ON v.id = k.victim_id JOIN persons p ON p.id = v.person_id
                    JOIN crimes c ON c.id = v.crime_id
                    """
                inDenominator = """
                    c.command_unit_id = \(bind: unit) AND k.method IN ('phone', 'in_person', 'video')
                    AND k.at >= \(bind: start) AND k.at < \(bind: end)
                    """
                countedCase = "(CASE WHEN k.successful THEN 1 ELSE 0 END)"
                columns = "k.outcome AS what, '' AS due, k.method AS state, k.at AS met_at"
                order = "k.at"
            case .feedback, .survey:
                return nil
            }
        }

        /// What a row's state says, in words.
        func describe(counted: Bool, state: String, metAt: Date?, asOf: Date) -> String {
            switch kind {
            case .obligation:
                if counted { return "Met on time, \(Display.time(metAt))" }
                if state == "met", let metAt, metAt <= asOf { return "Met late, on \(Display.time(metAt))" }
                return "Not met by the deadline" + (state == "met" ? " (met since, \(Display.time(metAt)))" : "")
            case .overdueNow:
                return counted ? "Open, past its deadline" : "Open, not yet due"
            case .victim:
                return "Reported \(Display.time(metAt))"
            case .contact:
                return "\(ContactMethod(rawValue: state)?.label ?? state), \(Display.time(metAt))"
            }
        }
    }
}
