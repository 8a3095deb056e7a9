import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// A numerator and its denominator.
struct Tally: Sendable, Equatable, Codable {
    var numerator = 0
    var denominator = 0

    static func + (a: Tally, b: Tally) -> Tally {
        Tally(numerator: a.numerator + b.numerator, denominator: a.denominator + b.denominator)
    }

    var rate: Double? { Statistics.rate(numerator, denominator) }
    var interval: Statistics.Interval? { Statistics.wilson(numerator, denominator) }
}

/// Every metric's counts by command unit and month, from one aggregate query per source. Everything the dashboard
/// shows is summed from these, so a unit's figure, the force's, the league table and the monthly series agree.
struct ComplianceCounts: Sendable {
    struct Key: Hashable, Sendable {
        var metric: String
        var unit: UUID
        /// Nil for figures that are not monthly (overdue now).
        var month: YearMonth?
    }

    var months: [YearMonth]
    var tallies: [Key: Tally] = [:]
    var units: Set<UUID> = []

    mutating func add(_ metric: String, _ unit: UUID, _ month: YearMonth?, _ tally: Tally) {
        tallies[Key(metric: metric, unit: unit, month: month), default: Tally()] =
            tallies[Key(metric: metric, unit: unit, month: month), default: Tally()] + tally
        units.insert(unit)
    }

    /// The metric summed over `units` (all when nil) and `months` (ignored for figures that are not monthly).
    func tally(_ metric: Metric, units only: Set<UUID>?, months within: [YearMonth]) -> Tally {
        let unitList = only.map(Array.init) ?? Array(units)
        var total = Tally()
        for unit in unitList {
            if metric.source.monthly {
                for month in within {
                    total = total + (tallies[Key(metric: metric.id, unit: unit, month: month)] ?? Tally())
                }
            } else {
                total = total + (tallies[Key(metric: metric.id, unit: unit, month: nil)] ?? Tally())
            }
        }
        return total
    }
}

enum ComplianceQuery {
    /// Loads the counts for `months` (oldest first, consecutive) as they stand at `asOf`.
    static func load(months: [YearMonth], asOf: Date, on db: any Database) async throws -> ComplianceCounts {
        guard let sql = db as? any SQLDatabase, let first = months.first, let last = months.last else {
            return ComplianceCounts(months: months)
        }
        var counts = ComplianceCounts(months: months)
        let from = first.start
        let to = last.adding(months: 1).start

        // Obligations, by the month their deadline fell: met on time, and decided (met, or past due and open).
        var byRule: [String: [Metric]] = [:]
        for metric in MetricCatalogue.all {
            guard case .obligations(let codes, let triggers) = metric.source else { continue }
            for code in codes {
                for trigger in triggers ?? Set(ObligationTrigger.allCases.map(\.rawValue)) {
                    byRule["\(code)|\(trigger)", default: []].append(metric)
                }
            }
        }
        for row in try await sql.raw(
            """
            SELECT c.command_unit_id AS unit, SUBSTR(o.due_date, 1, 7) AS month, o.code, o.trigger,
                   SUM(\(ComplianceQuery.onTime(asOf: asOf))) AS on_time,
                   SUM(CASE WHEN \(ComplianceQuery.decided(asOf: asOf)) THEN 1 ELSE 0 END) AS decided
            FROM obligations o JOIN crimes c ON c.id = o.crime_id
            WHERE o.due_date >= \(bind: first.firstDay.description) AND o.due_date < \(bind: last.adding(months: 1).firstDay.description)
            GROUP BY 1, 2, 3, 4
            """
        ).all() {
            let unit = try row.decode(column: "unit", as: UUID.self)
            guard let month = YearMonth(try row.decode(column: "month", as: String.self)) else { continue }
            let key =
                "\(try row.decode(column: "code", as: String.self))|\(try row.decode(column: "trigger", as: String.self))"
            let tally = Tally(
                numerator: try row.decode(column: "on_time", as: Int.self),
                denominator: try row.decode(column: "decided", as: Int.self))
            for metric in byRule[key] ?? [] { counts.add(metric.id, unit, month, tally) }
        }

        let reportedMonth = monthCase("c.reported_at", months)
        // Victims, by the month their crime was reported.
        for row in try await sql.raw(
            """
            SELECT c.command_unit_id AS unit, \(reportedMonth) AS month, COUNT(*) AS victims,
                   SUM(CASE WHEN v.enhanced THEN 1 ELSE 0 END) AS enhanced,
                   SUM(CASE WHEN v.referral_consent <> 'not_asked' THEN 1 ELSE 0 END) AS offered
            FROM victims v JOIN crimes c ON c.id = v.crime_id
            WHERE c.reported_at >= \(bind: from) AND c.reported_at < \(bind: to)
            GROUP BY 1, 2
            """
        ).all() {
            let unit = try row.decode(column: "unit", as: UUID.self)
            guard let month = YearMonth(try row.decode(column: "month", as: String.self)) else { continue }
            let victims = try row.decode(column: "victims", as: Int.self)
            counts.add(
                "enhanced-identified", unit, month,
                Tally(numerator: try row.decode(column: "enhanced", as: Int.self), denominator: victims))
            counts.add(
                "referral-offered", unit, month,
                Tally(numerator: try row.decode(column: "offered", as: Int.self), denominator: victims))
            for id in ["leaflet-email", "leaflet-qr", "leaflet-print"] {
                counts.add(id, unit, month, Tally(numerator: 0, denominator: victims))
            }
        }
        // The leaflet by how it was given (a victim given it twice the same way counts once).
        for row in try await sql.raw(
            """
            SELECT c.command_unit_id AS unit, \(reportedMonth) AS month,
                   COUNT(DISTINCT CASE WHEN \(unsafeRaw: LeafletChannel.email.sql) THEN a.victim_id END) AS email,
                   COUNT(DISTINCT CASE WHEN \(unsafeRaw: LeafletChannel.qr.sql) THEN a.victim_id END) AS qr,
                   COUNT(DISTINCT CASE WHEN \(unsafeRaw: LeafletChannel.print.sql) THEN a.victim_id END) AS print
            FROM victim_actions a JOIN victims v ON v.id = a.victim_id JOIN crimes c ON c.id = v.crime_id
            WHERE a.kind = 'information_leaflet' AND c.reported_at >= \(bind: from) AND c.reported_at < \(bind: to)
            GROUP BY 1, 2
            """
        ).all() {
            let unit = try row.decode(column: "unit", as: UUID.self)
            guard let month = YearMonth(try row.decode(column: "month", as: String.self)) else { continue }
            for (id, column) in [("leaflet-email", "email"), ("leaflet-qr", "qr"), ("leaflet-print", "print")] {
                counts.add(
                    id, unit, month, Tally(numerator: try row.decode(column: column, as: Int.self), denominator: 0))
            }
        }

        // Attempts to speak to a victim, by month.
        let contactMonth = monthCase("k.at", months)
        for row in try await sql.raw(
            """
            SELECT c.command_unit_id AS unit, \(contactMonth) AS month, COUNT(*) AS attempts,
                   SUM(CASE WHEN k.successful THEN 1 ELSE 0 END) AS successful
            FROM contacts k JOIN victims v ON v.id = k.victim_id JOIN crimes c ON c.id = v.crime_id
            WHERE k.method IN ('phone', 'in_person', 'video') AND k.at >= \(bind: from) AND k.at < \(bind: to)
            GROUP BY 1, 2
            """
        ).all() {
            let unit = try row.decode(column: "unit", as: UUID.self)
            guard let month = YearMonth(try row.decode(column: "month", as: String.self)) else { continue }
            counts.add(
                "contact-successful", unit, month,
                Tally(
                    numerator: try row.decode(column: "successful", as: Int.self),
                    denominator: try row.decode(column: "attempts", as: Int.self)))
        }

        // Feedback and survey answers, by the month they were given.
        let answeredMonth = monthCase("r.submitted_at", months)
        for row in try await sql.raw(
            """
            SELECT i.command_unit_id AS unit, \(answeredMonth) AS month, i.source AS source, COUNT(*) AS answers,
                   SUM(CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END) AS satisfied,
                   SUM(CASE WHEN r.kept_informed = 'yes' THEN 1 ELSE 0 END) AS informed,
                   SUM(CASE WHEN r.fair_and_respectful = 'yes' THEN 1 ELSE 0 END) AS fair
            FROM feedback_responses r JOIN feedback_invitations i ON i.id = r.invitation_id
            WHERE r.submitted_at >= \(bind: from) AND r.submitted_at < \(bind: to)
            GROUP BY 1, 2, 3
            """
        ).all() {
            let unit = try row.decode(column: "unit", as: UUID.self)
            guard let month = YearMonth(try row.decode(column: "month", as: String.self)) else { continue }
            let answers = try row.decode(column: "answers", as: Int.self)
            func t(_ column: String) throws -> Tally {
                Tally(numerator: try row.decode(column: column, as: Int.self), denominator: answers)
            }
            if try row.decode(column: "source", as: String.self) == FeedbackInvitation.Source.survey.rawValue {
                counts.add("survey-overall", unit, month, try t("satisfied"))
                counts.add("survey-informed", unit, month, try t("informed"))
                counts.add("survey-fair", unit, month, try t("fair"))
            } else {
                counts.add("feedback-satisfied", unit, month, try t("satisfied"))
            }
        }

        // Open obligations now, and those past their deadline.
        for row in try await sql.raw(
            """
            SELECT c.command_unit_id AS unit, COUNT(*) AS open,
                   SUM(CASE WHEN o.due_at < \(bind: asOf) THEN 1 ELSE 0 END) AS overdue
            FROM obligations o JOIN crimes c ON c.id = o.crime_id
            WHERE \(ComplianceQuery.openAt(asOf: asOf))
            GROUP BY 1
            """
        ).all() {
            counts.add(
                "overdue-now", try row.decode(column: "unit", as: UUID.self), nil,
                Tally(
                    numerator: try row.decode(column: "overdue", as: Int.self),
                    denominator: try row.decode(column: "open", as: Int.self)))
        }
        return counts
    }

    /// `?, ?, ?`: a list of bound values, in a stable order.
    static func binds(_ values: Set<String>) -> SQLQueryString {
        var list: SQLQueryString = ""
        for (i, value) in values.sorted().enumerated() { list += i == 0 ? "\(bind: value)" : ", \(bind: value)" }
        return list
    }

    /// ` AND o.trigger IN (…)` when a metric counts only some triggers of its rules.
    /// An obligation met on time, as at `asOf`: `1` or `0`. The figures and the victims behind them use these
    /// same three rules, so a list holds exactly the rows a figure counts.
    static func onTime(asOf: Date) -> SQLQueryString {
        "(CASE WHEN o.state = 'met' AND o.met_at <= o.due_at AND o.met_at <= \(bind: asOf) THEN 1 ELSE 0 END)"
    }

    /// An obligation decided as at `asOf`: met by then, or past its deadline (open then, met or not since).
    static func decided(asOf: Date) -> SQLQueryString {
        "((o.state = 'met' AND o.met_at <= \(bind: asOf)) OR (o.due_at < \(bind: asOf) AND "
            + "(o.state = 'open' OR (o.state = 'met' AND o.met_at > \(bind: asOf)))))"
    }

    /// An obligation still open at `asOf`.
    /// Open at `asOf`: arisen by then (the reason for a missed update is worked out ahead) and not yet met.
    static func openAt(asOf: Date) -> SQLQueryString {
        "(o.triggered_at <= \(bind: asOf) AND (o.state = 'open' OR (o.state = 'met' AND o.met_at > \(bind: asOf))))"
    }

    static func triggerFilter(_ triggers: Set<String>?) -> SQLQueryString {
        guard let triggers else { return "" }
        return " AND o.trigger IN (\(binds(triggers)))"
    }

    /// `CASE WHEN column < (start of month 2) THEN 'YYYY-MM' ...`: the London month of a stored instant, the same
    /// on SQLite (seconds as a number) and PostgreSQL (timestamptz), with the month starts bound as parameters.
    static func monthCase(_ column: String, _ months: [YearMonth]) -> SQLQueryString {
        var expression: SQLQueryString = "CASE"
        for month in months {
            expression +=
                " WHEN \(unsafeRaw: column) < \(bind: month.adding(months: 1).start) THEN '\(unsafeRaw: month.description)'"
        }
        expression += " END"
        return expression
    }
}

/// How a leaflet was given, read from the recorded method (the outbox records the channel; officers type it).
enum LeafletChannel: String, CaseIterable, Sendable {
    case email, qr, print

    var sql: String {
        switch self {
        case .email: "LOWER(a.method) LIKE '%email%'"
        case .qr: "LOWER(a.method) LIKE '%qr%'"
        case .print:
            "(LOWER(a.method) LIKE '%print%' OR LOWER(a.method) LIKE '%letter%' OR LOWER(a.method) LIKE '%post%' OR LOWER(a.method) LIKE '%paper%')"
        }
    }
}
