import Fluent
import Vapor
import VictimCareDomain

/// One metric: its chart and tables, the unit's target, the victims behind a figure, and its breakdown by
/// protected characteristic.
extension DashboardController {
    @Sendable func metric(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(Query.self)
        let metric = try MetricCatalogue.find(req.parameters.get("metric") ?? "")
        let (units, unit) = try await scope(req, q, context)
        var window = DashboardService.Window.current()
        let counts = try await DashboardService.counts(&window, context: context, on: req.db)
        let code = unit?.code ?? ""
        let place = unit?.name ?? "The force"
        let series = DashboardService.series(counts, window: window, metric: metric, unit: unit?.id)
        var tables: [ReportTable] = []
        var chart: String?
        if metric.source.monthly {
            tables.append(
                ReportTable(
                    id: "months", caption: "\(metric.title), month by month",
                    headings: [
                        "Month", "\(place): people counted", "\(place): rate", "Whole force: rate",
                        "Same month a year before", "Change on a year before",
                    ],
                    rows: series.reversed().map { row in
                        [
                            .init(text: row.month.label, header: true),
                            .init(
                                text: Format.count(row.tally),
                                href: unit != nil && metric.drillable && row.tally.denominator > 0
                                    ? Self.victimsHref(metric, code, month: row.month, part: .missed) : nil),
                            .init(text: Format.percent(row.tally.rate)), .init(text: Format.percent(row.force.rate)),
                            .init(text: row.yearBefore.map { Format.percent($0.rate) } ?? "Not shown"),
                            .init(
                                text: row.yearBefore.map { before in
                                    Format.change(
                                        row.tally.rate.flatMap { now in before.rate.map { now - $0 } },
                                        higherIsBetter: metric.higherIsBetter)
                                } ?? "Not shown"),
                        ]
                    }, csvHref: Self.csvHref(req, "months")))
            var lines = [ChartSVG.Series(name: place, values: series.map(\.tally.rate))]
            if unit != nil { lines.append(ChartSVG.Series(name: "Whole force", values: series.map(\.force.rate))) }
            chart = ChartSVG.lines(
                id: "chart", title: "\(metric.title): \(place), month by month",
                description:
                    "Line chart of the monthly rate from \(window.months.first!.label) to \(window.months.last!.label)"
                    + (unit != nil ? ", with the whole force for comparison" : "")
                    + ". The same figures are in the table below.",
                labels: window.months.map(\.label), series: lines)
        }
        let league = try await DashboardService.league(counts, window: window, metric: metric, on: req.db)
        tables.append(
            ReportTable(
                id: "league", caption: "Command units on \(metric.title.lowercased()), latest 12 months",
                headings: ["Rank", "Command unit", "People counted", "Rate", "95% interval", "Target", "Status"],
                rows: league.map { row in
                    [
                        .init(text: row.rank.map(String.init) ?? "–"),
                        .init(text: row.unit.name, href: Self.metricHref(metric, row.unit.code), header: true),
                        .init(
                            text: Format.count(row.tally),
                            href: metric.drillable && Self.mayDrill(context, row.unit.id!) && row.tally.denominator > 0
                                ? Self.victimsHref(metric, row.unit.code, month: nil, part: .missed) : nil),
                        .init(text: Format.percent(row.tally.rate)), .init(text: Format.interval(row.tally.interval)),
                        .init(text: Format.percent(row.target)),
                        .init(
                            text: row.rag?.label ?? (row.target == nil ? "No target set" : "Nothing to count"),
                            status: row.rag?.rawValue),
                    ]
                }, csvHref: Self.csvHref(req, "league")))
        try await AuditLog.record(
            .view, "dashboard", unit?.id, summary: "metric \(metric.id) \(unit?.code ?? "force")", context: context,
            on: req.db)
        if let csv = q.csv { return try Self.csv(tables, csv, name: "\(metric.id)-\(code.isEmpty ? "force" : code)") }
        var target: TargetForm?
        if let unit, AccessPolicy.grants(context.actor, .setUnitTargets),
            AccessPolicy.listingReach(context.actor, .setUnitTargets).includes(unit: unit.id!)
        {
            let current = try await DashboardService.targets(unit: unit.id, on: req.db)[metric.id]
            target = TargetForm(
                action: "/dashboard/metrics/\(metric.id)/target", unitCode: unit.code,
                value: current.map { Format.number($0 * 100) } ?? "")
        }
        var links = [Link(href: "/dashboard" + (code.isEmpty ? "" : "?unit=\(code)"), label: "Back to the dashboard")]
        links.append(
            Link(
                href: "/dashboard/metrics/\(metric.id)/fairness" + (code.isEmpty ? "" : "?unit=\(code)"),
                label: "This metric by sex, age, ethnic group, disability and language need"))
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: metric.title, section: "dashboard"),
                heading: metric.title, caption: "\(place). As at \(London.formatReadable(window.asOf)).", intro: [],
                units: units, unitCode: code, action: "/dashboard/metrics/\(metric.id)", chart: chart,
                tables: tables, metric: Self.view(metric), target: target, links: links))
    }

    struct TargetBody: Content {
        var unit: String?
        var target: String?
    }

    @Sendable func setTarget(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.setUnitTargets, context)
        let body = try req.content.decode(TargetBody.self)
        let metric = try MetricCatalogue.find(req.parameters.get("metric") ?? "")
        guard let unit = try await OrganisationService.unit(codeOrID: body.unit ?? "", on: req.db) else {
            throw Abort(.badRequest, reason: "Choose a command unit")
        }
        do {
            try await DashboardService.setTarget(
                unit: unit.id!, metric: metric.id, target: body.target, context: context, on: req.db)
            req.flash("Target saved.")
        } catch DomainError.invalid(let errors) {
            req.flash(errors.map(\.message).joined(separator: ". "))
        }
        return req.redirect(to: "/dashboard/metrics/\(metric.id)?unit=\(unit.code)#target-heading")
    }

    @Sendable func victims(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.viewComplianceDashboard, context)
        let q = try req.query.decode(Query.self)
        let metric = try MetricCatalogue.find(req.parameters.get("metric") ?? "")
        guard let unit = try await OrganisationService.unit(codeOrID: q.unit ?? "", on: req.db) else {
            throw Abort(.badRequest, reason: "Choose a command unit")
        }
        // The figure's own moment and months: the list holds exactly the rows the figure counted.
        var window = DashboardService.Window.current()
        _ = try await DashboardService.counts(&window, context: context, on: req.db)
        var months = window.latest
        if let raw = q.month {
            guard let month = YearMonth(raw), window.months.contains(month) else {
                throw Abort(.badRequest, reason: "The month must be one of the last 24, like 2026-03")
            }
            months = [month]
        }
        guard let part = DrillDown.Part(rawValue: q.part ?? "missed") else {
            throw Abort(.badRequest, reason: "Part must be missed or counted")
        }
        let found = try await DrillDown.victims(
            metric: metric, unit: unit.id!, months: months, part: part, asOf: window.asOf,
            page: q.csv == nil ? max(1, q.page ?? 1) : nil, context: context, on: req.db)
        let period = months.count == 1 ? months[0].label : "\(months.first!.label) to \(months.last!.label)"
        let table = ReportTable(
            id: "victims", caption: "\(part.label): \(metric.title.lowercased()), \(unit.name), \(period)",
            headings: ["Crime", "Victim", "What", "Due", "State"],
            rows: found.lines.map { l in
                [
                    .init(text: l.crimeReference, header: true),
                    .init(text: l.victimName, href: "/victims/\(l.victimID.uuidString.lowercased())"),
                    .init(text: l.what), .init(text: l.due.isEmpty ? "" : Display.date(l.due)), .init(text: l.state),
                ]
            }, csvHref: Self.csvHref(req, "victims"))
        if let csv = q.csv { return try Self.csv([table], csv, name: "\(metric.id)-\(unit.code)-victims") }
        let other: DrillDown.Part = part == .missed ? .counted : .missed
        let total = part == .missed ? found.missed : found.counted
        let first = (found.page - 1) * DrillDown.pageSize
        var links = [
            Link(
                href: Self.victimsHref(metric, unit.code, month: months.count == 1 ? months[0] : nil, part: other),
                label: "Show those \(other == .counted ? "counted" : "missed") instead"),
            Link(href: Self.metricHref(metric, unit.code), label: "Back to \(metric.title.lowercased())"),
        ]
        let here = Self.victimsHref(metric, unit.code, month: months.count == 1 ? months[0] : nil, part: part)
        if found.page > 1 { links.insert(Link(href: here + "&page=\(found.page - 1)", label: "Previous page"), at: 0) }
        if found.hasMore { links.insert(Link(href: here + "&page=\(found.page + 1)", label: "Next page"), at: 0) }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Victims behind a figure", section: "dashboard"),
                heading: "Victims behind the figure", caption: "\(metric.title). \(unit.name), \(period).",
                intro: [
                    "The figure: \(found.counted) of \(found.counted + found.missed) counted, as at "
                        + "\(Display.time(window.asOf)). \(total) \(part == .missed ? "missed" : "counted") in all"
                        + (total > found.lines.count
                            ? "; \(first + 1) to \(first + found.lines.count) shown here, every one in the CSV."
                            : "."),
                    "Opening a victim's record is recorded in the audit log, as everywhere else.",
                ], units: [], unitCode: unit.code, action: "", chart: nil, tables: [table],
                metric: Self.view(metric), target: nil, links: links))
    }

    @Sendable func fairness(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(Query.self)
        let metric = try MetricCatalogue.find(req.parameters.get("metric") ?? "")
        let (units, unit) = try await scope(req, q, context)
        let window = DashboardService.Window.current()
        let breakdowns = try await Fairness.breakdowns(
            metric: metric, unit: unit?.id, window: window, context: context, on: req.db)
        let tables = breakdowns.map { b in
            ReportTable(
                id: "by-\(b.dimension.rawValue)", caption: "\(metric.title) by \(b.dimension.label.lowercased())",
                headings: [
                    "Group", "People counted", "Rate", "95% interval", "Rate ratio", "Ratio's 95% interval",
                    "Differs significantly",
                ],
                rows: b.groups.map { g in
                    if g.suppressed {
                        return [
                            .init(text: g.name, header: true), .init(text: "Fewer than \(Disclosure.threshold)"),
                            .init(text: "Suppressed"), .init(text: "Suppressed"), .init(text: "Suppressed"),
                            .init(text: "Suppressed"), .init(text: "Suppressed"),
                        ]
                    }
                    return [
                        .init(text: g.name, header: true), .init(text: Format.count(g.tally)),
                        .init(text: Format.percent(g.tally.rate)), .init(text: Format.interval(g.tally.interval)),
                        .init(
                            text: g.reference
                                ? "1 (reference)" : g.ratio.map { Format.ratio($0.ratio) } ?? "Not estimable"),
                        .init(
                            text: g.reference
                                ? "–"
                                : g.ratio.map { "\(Format.ratio($0.interval.low))–\(Format.ratio($0.interval.high))" }
                                    ?? "–"),
                        .init(
                            text: g.reference
                                ? "Reference group"
                                : g.ratio.map { $0.significant ? ($0.ratio > 1 ? "Yes, higher" : "Yes, lower") : "No" }
                                    ?? "–"),
                    ]
                }, csvHref: Self.csvHref(req, "by-\(b.dimension.rawValue)"))
        }
        try await AuditLog.record(
            .view, "dashboard", unit?.id, summary: "fairness \(metric.id) \(unit?.code ?? "force")", context: context,
            on: req.db)
        let code = unit?.code ?? ""
        if let csv = q.csv {
            return try Self.csv(tables, csv, name: "\(metric.id)-fairness-\(code.isEmpty ? "force" : code)")
        }
        let latest = window.latest
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "\(metric.title) by characteristic", section: "dashboard"),
                heading: "\(metric.title) by characteristic",
                caption: "\(unit?.name ?? "The whole force"), \(latest.first!.label) to \(latest.last!.label).",
                intro: [
                    "Each group's rate is compared with the reference group (the largest group whose characteristic is stated) as a rate ratio with Katz's 95% interval; where the interval does not include 1 the difference is significant at the 5% level.",
                    "Groups of fewer than \(Disclosure.threshold) people, and counts from 1 to \(Disclosure.threshold - 1), are suppressed so that no one can be identified.",
                ], units: units, unitCode: code, action: "/dashboard/metrics/\(metric.id)/fairness", chart: nil,
                tables: tables, metric: Self.view(metric), target: nil,
                links: [Link(href: Self.metricHref(metric, code), label: "Back to \(metric.title.lowercased())")]))
    }
}
