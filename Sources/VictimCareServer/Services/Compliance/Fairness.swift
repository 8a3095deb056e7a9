import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Disproportionality: one metric by sex, age band, ethnic group (the Census's five high-level groups), disability
/// and language need. Each group's rate with its Wilson interval, and its ratio to the reference group (the largest
/// group with the characteristic stated) with Katz's interval; a ratio whose interval excludes 1 differs
/// significantly. Groups of fewer than 10 people, and counts of 1 to 9, are suppressed (``Disclosure``).
enum Fairness {
    enum Dimension: String, CaseIterable, Sendable {
        case sex, age, ethnicity, disability, language

        var label: String {
            switch self {
            case .sex: "Sex"
            case .age: "Age band (at reporting)"
            case .ethnicity: "Ethnic group (Census 2021)"
            case .disability: "Disability"
            case .language: "Language need"
            }
        }
    }

    struct Group: Sendable {
        var name: String
        var tally: Tally
        var suppressed: Bool
        var reference: Bool
        var ratio: Statistics.RateRatio?
    }

    struct Breakdown: Sendable {
        var dimension: Dimension
        var groups: [Group]
        var referenceName: String?
    }

    static let notStated = ["Not stated", "Not recorded"]

    /// The people behind one metric in the latest 12 months, each with their characteristics, summed by group.
    static func breakdowns(
        metric: Metric, unit: UUID?, window: DashboardService.Window, context: AccessContext, on db: any Database
    ) async throws -> [Breakdown] {
        try AccessGuard.require(.viewComplianceDashboard, context)
        guard let sql = db as? any SQLDatabase else { return [] }
        // The database sums people by every combination of the five characteristics (a few thousand rows at
        // most, with the age band worked out from the date of birth and the London date of the report); the
        // breakdowns are the margins of those sums.
        var tallies: [Dimension: [String: Tally]] = [:]
        for row in try await combinations(metric: metric, unit: unit, months: window.latest, asOf: window.asOf, on: sql)
        {
            let groups: [Dimension: String] = [
                .sex: row.sex.flatMap(Sex.init(rawValue:)).map { $0 == .notStated ? "Not stated" : $0.label }
                    ?? "Not recorded",
                .age: row.age.map(AgeBand.of(age:))?.label ?? AgeBand.notRecorded.label,
                .ethnicity: row.ethnicity.flatMap(Ethnicity.init(rawValue:))?.group?.label ?? "Not stated",
                .disability: row.disability.flatMap(Disability.init(rawValue:)).map { d in
                    switch d.isDisabled {
                    case true?: "Disabled"
                    case false?: "Not disabled"
                    case nil: "Not stated"
                    }
                } ?? "Not stated",
                .language: row.interpreterNeeded
                    ? "Needs an interpreter" : (row.english ? "English" : "Prefers another language"),
            ]
            let add = Tally(numerator: row.counted ? row.people : 0, denominator: row.people)
            for (dimension, name) in groups {
                tallies[dimension, default: [:]][name, default: Tally()] =
                    tallies[dimension, default: [:]][name, default: Tally()] + add
            }
        }
        return Dimension.allCases.map { dimension in
            let named = (tallies[dimension] ?? [:]).sorted { $0.key < $1.key }
            let hidden = Disclosure.suppressed(
                named.map { Disclosure.Cell(numerator: $0.value.numerator, denominator: $0.value.denominator) })
            // The reference: the largest shown group with the characteristic stated.
            let reference = named.indices.filter { !hidden[$0] && !notStated.contains(named[$0].key) }
                .max { (named[$0].value.denominator, named[$1].key) < (named[$1].value.denominator, named[$0].key) }
            let groups = named.indices.map { i in
                let tally = named[i].value
                let ref = reference.map { named[$0].value }
                return Group(
                    name: named[i].key, tally: tally, suppressed: hidden[i], reference: i == reference,
                    ratio: hidden[i] || i == reference
                        ? nil
                        : ref.flatMap {
                            Statistics.rateRatio(
                                tally.numerator, tally.denominator, reference: $0.numerator, $0.denominator)
                        })
            }
            return Breakdown(dimension: dimension, groups: groups, referenceName: reference.map { named[$0].key })
        }
    }

    struct Combination {
        var counted: Bool
        var sex: String?
        var ethnicity: String?
        var disability: String?
        var english: Bool
        var interpreterNeeded: Bool
        /// Whole years at the (London) date of the report; nil when the date of birth is not recorded.
        var age: Int?
        var people: Int
    }

    /// The people in the metric's denominator summed by whether they are in its numerator and by every
    /// combination of characteristics and age at reporting.
    static func combinations(
        metric: Metric, unit: UUID?, months: [YearMonth], asOf: Date, on sql: any SQLDatabase
    ) async throws -> [Combination] {
        guard let first = months.first, let last = months.last else { return [] }
        let from = first.start
        let to = last.adding(months: 1).start
        let (year, monthDay) = londonYearAndMonthDay(
            "c.reported_at", years: (first.year - 1)...(last.year + 1), on: sql)
        let people: SQLQueryString = """
            p.sex, p.ethnicity, p.disability, p.date_of_birth AS dob,
            CASE WHEN p.language = 'en' THEN 1 ELSE 0 END AS english,
            CASE WHEN v.interpreter_needed THEN 1 ELSE 0 END AS interp, \(year) AS ry, \(monthDay) AS rmd
            """
        let unitFilter: SQLQueryString = unit.map { " AND c.command_unit_id = \(bind: $0)" } ?? ""
        let query: SQLQueryString
        switch metric.source {
        case .obligations(let codes, let triggers):
            query = """
                SELECT CASE WHEN o.state = 'met' AND o.met_at <= o.due_at THEN 1 ELSE 0 END AS counted, \(people)
                FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN persons p ON p.id = v.person_id
                  JOIN crimes c ON c.id = o.crime_id
                WHERE o.code IN (\(ComplianceQuery.binds(codes)))\(ComplianceQuery.triggerFilter(triggers))
                  AND o.due_date >= \(bind: first.firstDay.description)
                  AND o.due_date < \(bind: last.adding(months: 1).firstDay.description)
                  AND (o.state = 'met' OR (o.state = 'open' AND o.due_at < \(bind: asOf)))\(unitFilter)
                """
        case .overdueNow:
            query = """
                SELECT CASE WHEN o.due_at < \(bind: asOf) THEN 1 ELSE 0 END AS counted, \(people)
                FROM obligations o JOIN victims v ON v.id = o.victim_id JOIN persons p ON p.id = v.person_id
                  JOIN crimes c ON c.id = o.crime_id
                WHERE o.state = 'open' AND o.triggered_at <= \(bind: asOf)\(unitFilter)
                """
        case .victims(let measure):
            query = """
                SELECT \(victimMeasure(measure)) AS counted, \(people)
                FROM victims v JOIN persons p ON p.id = v.person_id JOIN crimes c ON c.id = v.crime_id
                WHERE c.reported_at >= \(bind: from) AND c.reported_at < \(bind: to)\(unitFilter)
                """
        case .contacts:
            query = """
                SELECT CASE WHEN k.successful THEN 1 ELSE 0 END AS counted, \(people)
                FROM contacts k JOIN victims v ON v.id = k.victim_id JOIN persons p ON p.id = v.person_id
                  JOIN crimes c ON c.id = v.crime_id
                WHERE k.method IN ('phone', 'in_person', 'video') AND k.at >= \(bind: from) AND k.at < \(bind: to)\(unitFilter)
                """
        case .feedback, .survey:
            let survey = FeedbackInvitation.Source.survey.rawValue
            let (counted, sourceFilter): (SQLQueryString, SQLQueryString) =
                switch metric.source {
                case .survey(.informed):
                    ("CASE WHEN r.kept_informed = 'yes' THEN 1 ELSE 0 END", "i.source = \(bind: survey)")
                case .survey(.fair):
                    ("CASE WHEN r.fair_and_respectful = 'yes' THEN 1 ELSE 0 END", "i.source = \(bind: survey)")
                case .survey: ("CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END", "i.source = \(bind: survey)")
                default: ("CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END", "i.source <> \(bind: survey)")
                }
            let inUnit: SQLQueryString = unit.map { " AND i.command_unit_id = \(bind: $0)" } ?? ""
            query = """
                SELECT \(counted) AS counted, \(people)
                FROM feedback_responses r JOIN feedback_invitations i ON i.id = r.invitation_id
                  JOIN victims v ON v.id = i.victim_id JOIN persons p ON p.id = v.person_id
                  JOIN crimes c ON c.id = v.crime_id
                WHERE \(sourceFilter) AND r.submitted_at >= \(bind: from) AND r.submitted_at < \(bind: to)\(inUnit)
                """
        }
        let grouped: SQLQueryString =
            """
            SELECT counted, sex, ethnicity, disability, english, interp, age, COUNT(*) AS people FROM (
              SELECT counted, sex, ethnicity, disability, english, interp,
                CASE WHEN dob IS NULL OR dob = '' THEN -1
                     ELSE CAST(ry AS INTEGER) - CAST(SUBSTR(dob, 1, 4) AS INTEGER)
                          - CASE WHEN rmd < SUBSTR(dob, 6, 5) THEN 1 ELSE 0 END END AS age
              FROM (
            """ + query
                + """
                  ) AS rows
                ) AS aged
                GROUP BY 1, 2, 3, 4, 5, 6, 7
                """
        return try await sql.raw(grouped).all().map { row in
            let age = try row.decode(column: "age", as: Int.self)
            return Combination(
                counted: try row.decode(column: "counted", as: Int.self) == 1,
                sex: try row.decode(column: "sex", as: String?.self),
                ethnicity: try row.decode(column: "ethnicity", as: String?.self),
                disability: try row.decode(column: "disability", as: String?.self),
                english: try row.decode(column: "english", as: Int.self) == 1,
                interpreterNeeded: try row.decode(column: "interp", as: Int.self) == 1,
                age: age < 0 ? nil : age, people: try row.decode(column: "people", as: Int.self))
        }
    }

    /// The year and `MM-DD` of a stored instant in London, in SQL: PostgreSQL converts the time zone itself;
    /// SQLite keeps seconds since 1970, so an hour is added inside each summer-time period (bound as numbers).
    static func londonYearAndMonthDay(_ column: String, years: ClosedRange<Int>, on sql: any SQLDatabase)
        -> (SQLQueryString, SQLQueryString)
    {
        if sql.dialect.name == "postgresql" {
            return (
                "TO_CHAR(\(unsafeRaw: column) AT TIME ZONE 'Europe/London', 'YYYY')",
                "TO_CHAR(\(unsafeRaw: column) AT TIME ZONE 'Europe/London', 'MM-DD')"
            )
        }
        var shifted: SQLQueryString = "(\(unsafeRaw: column) + CASE"
        for year in years {
            let summer = LondonClock.summerTime(in: year)
            shifted +=
                " WHEN \(unsafeRaw: column) >= \(bind: summer.start) AND \(unsafeRaw: column) < \(bind: summer.end) THEN 3600"
        }
        shifted += " ELSE 0 END)"
        return ("STRFTIME('%Y', \(shifted), 'unixepoch')", "STRFTIME('%m-%d', \(shifted), 'unixepoch')")
    }

    /// The numerator of a victim-based metric as a 1/0 column.
    static func victimMeasure(_ measure: MetricSource.VictimMeasure) -> SQLQueryString {
        switch measure {
        case .enhanced: return "CASE WHEN v.enhanced THEN 1 ELSE 0 END"
        case .referralOffered: return "CASE WHEN v.referral_consent <> 'not_asked' THEN 1 ELSE 0 END"
        case .leafletEmail, .leafletQR, .leafletPrint:
            let channel: LeafletChannel = measure == .leafletEmail ? .email : measure == .leafletQR ? .qr : .print
            return """
                CASE WHEN EXISTS (SELECT 1 FROM victim_actions a WHERE a.victim_id = v.id
                  AND a.kind = 'information_leaflet' AND \(unsafeRaw: channel.sql)) THEN 1 ELSE 0 END
                """
        }
    }
}
