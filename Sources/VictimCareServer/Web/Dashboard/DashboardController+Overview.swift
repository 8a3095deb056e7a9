import Fluent
import Vapor
import VictimCareDomain

/// The dashboard's front page (every metric for the force or a unit) and the metric definitions.
extension DashboardController {
    // MARK: - Pages

    @Sendable func overview(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(Query.self)
        let (units, unit) = try await scope(req, q, context)
        var window = DashboardService.Window.current()
        let counts = try await DashboardService.counts(&window, context: context, on: req.db)
        let targets = try await DashboardService.targets(unit: unit?.id, on: req.db)
        let figures = DashboardService.figures(counts, window: window, unit: unit?.id, targets: targets)
        let code = unit?.code ?? ""
        var tables: [ReportTable] = []
        for section in Self.sections {
            let id =
                "section-"
                + section.lowercased().replacingOccurrences(of: " ", with: "-").replacingOccurrences(
                    of: "'", with: "")
            tables.append(
                ReportTable(
                    id: id, caption: section,
                    headings: [
                        "Metric", "Latest 12 months", "People counted", "95% interval", "12 months before", "Change",
                        "Target", "Status",
                    ],
                    rows: figures.filter { $0.metric.section == section }.map { f in
                        [
                            .init(text: f.metric.title, href: Self.metricHref(f.metric, code), header: true),
                            .init(text: Format.percent(f.current.rate)),
                            .init(
                                text: Format.count(f.current),
                                href: unit != nil && f.metric.drillable
                                    ? Self.victimsHref(f.metric, code, month: nil, part: .missed) : nil),
                            .init(text: Format.interval(f.current.interval)),
                            .init(text: f.previous.map { Format.percent($0.rate) } ?? "Not monthly"),
                            .init(text: Format.change(f.change, higherIsBetter: f.metric.higherIsBetter)),
                            .init(text: Format.percent(f.target)),
                            .init(
                                text: f.rag?.label ?? (f.target == nil ? "No target set" : "Nothing to count"),
                                status: f.rag?.rawValue),
                        ]
                    },
                    csvHref: Self.csvHref(req, id)))
        }
        try await AuditLog.record(
            .view, "dashboard", unit?.id, summary: "compliance dashboard \(unit?.code ?? "force")", context: context,
            on: req.db)
        if let csv = q.csv { return try Self.csv(tables, csv, name: "dashboard-\(code.isEmpty ? "force" : code)") }
        let latest = window.latest
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Compliance dashboard", section: "dashboard"),
                heading: "Victims' Code compliance: \(unit?.name ?? "the whole force")",
                caption:
                    "\(latest.first!.label) to \(latest.last!.label), against the 12 months before. As at \(London.formatReadable(window.asOf)).",
                intro: [
                    "Each figure is a share of the people counted: follow a metric's name for its definition, its months and every unit's figure.",
                    unit == nil
                        ? "Choose a command unit to see its targets and the victims behind its figures."
                        : "Follow the number of people counted to see the victims behind a figure.",
                ], units: units, unitCode: code, action: "/dashboard", chart: nil, tables: tables,
                metric: nil, target: nil,
                links: [
                    Link(href: "/dashboard/definitions", label: "How each metric is defined"),
                    Link(
                        href: "/dashboard/survey", label: "The satisfaction survey: response rates and margins of error"
                    ),
                    Link(
                        href: "/dashboard/workload" + (code.isEmpty ? "" : "?unit=\(code)"),
                        label: "Workload against staffing"),
                    Link(
                        href: "/dashboard/video-response" + (code.isEmpty ? "" : "?unit=\(code)"),
                        label: "Video response: does it work?"),
                    Link(href: "/dashboard/trials", label: "Trials of care practices"),
                    Link(
                        href: "/dashboard/repeat-victims" + (code.isEmpty ? "" : "?unit=\(code)"),
                        label: "Repeat victims by unit and offence group"),
                ]))
    }

    @Sendable func definitions(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.viewComplianceDashboard, context)
        let q = try req.query.decode(Query.self)
        let table = ReportTable(
            id: "definitions", caption: "Metric definitions",
            headings: ["Metric", "Section", "Definition", "Numerator", "Denominator", "Period", "Better when"],
            rows: MetricCatalogue.all.map { m in
                [
                    .init(text: m.title, href: "/dashboard/metrics/\(m.id)", header: true), .init(text: m.section),
                    .init(text: m.definition), .init(text: m.numerator), .init(text: m.denominator),
                    .init(text: m.periodText), .init(text: m.higherIsBetter ? "Higher" : "Lower"),
                ]
            }, csvHref: Self.csvHref(req, "definitions"))
        if let csv = q.csv { return try Self.csv([table], csv, name: "metric-definitions") }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Metric definitions", section: "dashboard"),
                heading: "How each metric is defined", caption: "",
                intro: [
                    "Rates are shown with a 95% Wilson score interval. Deadlines come from the Victims' Code rules table and are counted in England and Wales working days.",
                    "Breakdowns by characteristic hide any group of fewer than \(Disclosure.threshold) people and any count from 1 to \(Disclosure.threshold - 1); where that would leave one hidden group that could be worked out from the total, the next smallest group is hidden too.",
                ], tables: [table], links: [Link(href: "/dashboard", label: "Back to the dashboard")]))
    }
}
