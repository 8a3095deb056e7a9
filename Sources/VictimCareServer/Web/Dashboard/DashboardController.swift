import Fluent
import Vapor
import VictimCareDomain

/// The compliance dashboard: the force or one unit on every metric, each metric month by month with the league
/// of units, the victims behind a figure, and each metric by protected characteristic. Every table on these pages
/// downloads as CSV with `?csv=` and the table's id: the same rows as the screen, built once.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let dashboard = routes.grouped("dashboard")
        dashboard.get(use: overview).access(.role(.viewComplianceDashboard))
        dashboard.get("definitions", use: definitions).access(.role(.viewComplianceDashboard))
        dashboard.get("survey", use: survey).access(.role(.viewComplianceDashboard))
        dashboard.post("survey", "waves", use: sampleSurvey).access(.role(.manageSurvey))
        dashboard.get("trials", use: trials).access(.role(.viewComplianceDashboard))
        dashboard.get("video-response", use: videoOutcomes).access(.role(.viewComplianceDashboard))
        dashboard.get("repeat-victims", use: repeatVictims).access(.role(.viewComplianceDashboard))
        dashboard.post("trials", use: createTrial).access(.role(.manageTrials))
        dashboard.post("trials", ":trialID", "close", use: closeTrial).access(.role(.manageTrials))
        dashboard.get("workload", use: workload).access(.unitList(.viewComplianceDashboard, .unit("unit")))
        dashboard.post("workload", "staffing", use: recordStaffing).access(.unitList(.recordStaffing, .team("team")))
        dashboard.get("metrics", ":metric", use: metric).access(.role(.viewComplianceDashboard))
        dashboard.post("metrics", ":metric", "target", use: setTarget).access(.unitList(.setUnitTargets, .unit("unit")))
        dashboard.get("metrics", ":metric", "victims", use: victims).access(
            .unitList(.viewComplianceDashboard, .unit("unit")))
        dashboard.get("metrics", ":metric", "fairness", use: fairness).access(.role(.viewComplianceDashboard))
    }

    struct Query: Content {
        var unit: String?
        var month: String?
        var part: String?
        var csv: String?
        var page: Int?
    }

    struct Context: Encodable {
        var chrome: Chrome
        var heading: String
        var caption: String
        var intro: [String]
        var units: [SelectOption] = []
        var unitCode = ""
        var action = ""
        var chart: String? = nil
        var tables: [ReportTable]
        var metric: MetricView? = nil
        var target: TargetForm? = nil
        var links: [Link] = []
        var surveyForm: SurveyForm? = nil
        var staffingForm: StaffingForm? = nil
        var trialForm: TrialForm? = nil
        /// The first and last day of the crimes counted, with the unit.
        var period: PeriodForm? = nil
    }

    struct TrialForm: Encodable {
        var groups: [SelectOption]
        var units: [SelectOption]
        var open: [SelectOption]
    }

    struct StaffingForm: Encodable {
        var unitCode: String
        var teams: [SelectOption]
        var month: String
    }

    struct SurveyForm: Encodable {
        var perStratum: String
        var week: String
        var taken: Bool
    }

    struct Link: Encodable {
        var href: String
        var label: String
    }

    struct MetricView: Encodable {
        var id: String
        var title: String
        var definition: String
        var numerator: String
        var denominator: String
        var period: String
    }

    struct TargetForm: Encodable {
        var action: String
        var unitCode: String
        var value: String
    }

    // MARK: - Helpers

    static let sections = ["At reporting", "Support", "Updates", "Right to Review", "Contact", "Satisfaction"]

    /// The unit asked for, else the viewer's own, else the force; and the unit choices.
    func scope(_ req: Request, _ q: Query, _ context: AccessContext) async throws -> (
        [SelectOption], CommandUnit?
    ) {
        try AccessGuard.require(.viewComplianceDashboard, context)
        let all = try await OrganisationService.units(on: req.db)
        var unit: CommandUnit?
        if let code = q.unit {
            if !code.isEmpty {
                guard let found = all.first(where: { $0.code == code.uppercased() }) else {
                    throw Abort(.badRequest, reason: "There is no command unit \(code)")
                }
                unit = found
            }
        } else if let own = context.actor.commandUnitID {
            unit = all.first { $0.id == own }
        }
        let options =
            [SelectOption(value: "", label: "The whole force", selected: unit == nil)]
            + all.map { SelectOption(value: $0.code, label: $0.name, selected: $0.id == unit?.id) }
        return (options, unit)
    }

    static func mayDrill(_ context: AccessContext, _ unit: UUID) -> Bool {
        AccessPolicy.listingReach(context.actor, .viewComplianceDashboard).includes(unit: unit)
    }

    static func metricHref(_ metric: Metric, _ code: String) -> String {
        "/dashboard/metrics/\(metric.id)?unit=\(code)"
    }

    static func victimsHref(_ metric: Metric, _ code: String, month: YearMonth?, part: DrillDown.Part) -> String {
        "/dashboard/metrics/\(metric.id)/victims?unit=\(code)" + (month.map { "&month=\($0)" } ?? "")
            + "&part=\(part.rawValue)"
    }

    static func csvHref(_ req: Request, _ table: String) -> String {
        var components = URLComponents(string: req.url.string) ?? URLComponents()
        var items = (components.queryItems ?? []).filter { $0.name != "csv" }
        items.append(URLQueryItem(name: "csv", value: table))
        components.queryItems = items
        return components.string ?? req.url.path
    }

    static func view(_ m: Metric) -> MetricView {
        MetricView(
            id: m.id, title: m.title, definition: m.definition, numerator: m.numerator, denominator: m.denominator,
            period: m.periodText)
    }

    static func csv(_ tables: [ReportTable], _ id: String, name: String) throws -> Response {
        guard let table = tables.first(where: { $0.id == id }) else {
            throw Abort(.notFound, reason: "There is no table \(id) on this page")
        }
        let response = Response(status: .ok, body: .init(string: CSV.byteOrderMark + table.csv))
        response.headers.contentType = CSV.mediaType
        response.headers.replaceOrAdd(
            name: .contentDisposition, value: "attachment; filename=\"\(name)-\(table.id).csv\"")
        return response
    }
}

/// How the dashboard writes its numbers, the same on the page and in the CSV.
enum Format {
    static func percent(_ share: Double?) -> String {
        guard let share else { return "–" }
        return String(format: "%.1f%%", share * 100)
    }

    static func number(_ x: Double) -> String {
        x.rounded() == x ? String(Int(x)) : String(format: "%.1f", x)
    }

    static func count(_ t: Tally) -> String { "\(t.numerator) of \(t.denominator)" }

    static func interval(_ i: Statistics.Interval?) -> String {
        guard let i else { return "–" }
        return "\(percent(i.low)) to \(percent(i.high))"
    }

    static func ratio(_ r: Double) -> String { String(format: "%.2f", r) }

    /// In words, so a screen reader and a spreadsheet read it the same: "3.2 points better".
    static func change(_ change: Double?, higherIsBetter: Bool) -> String {
        guard let change else { return "–" }
        let points = abs(change * 100)
        if points < 0.05 { return "No change" }
        let better = (change > 0) == higherIsBetter
        return String(format: "%.1f points %@", points, better ? "better" : "worse")
    }
}
