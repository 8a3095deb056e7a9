import Fluent
import Vapor
import VictimCareDomain

/// The compliance dashboard: the force or one unit on every metric, each metric month by month with the league
/// of units, the victims behind a figure, and each metric by protected characteristic. Every table on these pages
/// downloads as CSV with `?csv=` and the table's id: the same rows as the screen, built once.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let dashboard = routes.grouped("dashboard")
        dashboard.get(use: overview)
        dashboard.get("definitions", use: definitions)
        dashboard.get("survey", use: survey)
        dashboard.post("survey", "waves", use: sampleSurvey)
        dashboard.get("trials", use: trials)
        dashboard.post("trials", use: createTrial)
        dashboard.post("trials", ":trialID", "close", use: closeTrial)
        dashboard.get("workload", use: workload)
        dashboard.post("workload", "staffing", use: recordStaffing)
        dashboard.get("metrics", ":metric", use: metric)
        dashboard.post("metrics", ":metric", "target", use: setTarget)
        dashboard.get("metrics", ":metric", "victims", use: victims)
        dashboard.get("metrics", ":metric", "fairness", use: fairness)
    }

    struct Query: Content {
        var unit: String?
        var month: String?
        var part: String?
        var csv: String?
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
            context.actor.role.reach == .force || context.actor.commandUnitID == unit.id
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
        let q = try req.query.decode(Query.self)
        let metric = try MetricCatalogue.find(req.parameters.get("metric") ?? "")
        guard let unit = try await OrganisationService.unit(codeOrID: q.unit ?? "", on: req.db) else {
            throw Abort(.badRequest, reason: "Choose a command unit")
        }
        let window = DashboardService.Window.current()
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
        let lines = try await DrillDown.victims(
            metric: metric, unit: unit.id!, months: months, part: part, asOf: window.asOf, context: context,
            on: req.db)
        let period = months.count == 1 ? months[0].label : "\(months.first!.label) to \(months.last!.label)"
        let table = ReportTable(
            id: "victims", caption: "\(part.label): \(metric.title.lowercased()), \(unit.name), \(period)",
            headings: ["Crime", "Victim", "What", "Due", "State"],
            rows: lines.map { l in
                [
                    .init(text: l.crimeReference, header: true),
                    .init(text: l.victimName, href: "/victims/\(l.victimID.uuidString.lowercased())"),
                    .init(text: l.what), .init(text: l.due.isEmpty ? "" : Display.date(l.due)), .init(text: l.state),
                ]
            }, csvHref: Self.csvHref(req, "victims"))
        if let csv = q.csv { return try Self.csv([table], csv, name: "\(metric.id)-\(unit.code)-victims") }
        let other: DrillDown.Part = part == .missed ? .counted : .missed
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Victims behind a figure", section: "dashboard"),
                heading: "Victims behind the figure", caption: "\(metric.title). \(unit.name), \(period).",
                intro: [
                    lines.count == DrillDown.pageSize
                        ? "The first \(DrillDown.pageSize) are shown; the CSV has the same rows."
                        : "\(lines.count) listed.",
                    "Opening a victim's record is recorded in the audit log, as everywhere else.",
                ], units: [], unitCode: unit.code, action: "", chart: nil, tables: [table],
                metric: Self.view(metric), target: nil,
                links: [
                    Link(
                        href: Self.victimsHref(
                            metric, unit.code, month: months.count == 1 ? months[0] : nil, part: other),
                        label: "Show those \(other == .counted ? "counted" : "missed") instead"),
                    Link(href: Self.metricHref(metric, unit.code), label: "Back to \(metric.title.lowercased())"),
                ]))
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

    @Sendable func survey(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(Query.self)
        let window = DashboardService.Window.current()
        let (units, force) = try await SurveyService.results(months: window.latest, context: context, on: req.db)
        func line(_ r: SurveyService.UnitResult, header: Bool) -> [ReportTable.Cell] {
            let p = r.overall.rate
            return [
                .init(text: r.name, header: true), .init(text: String(r.invited)), .init(text: String(r.answered)),
                .init(text: Format.percent(Statistics.rate(r.answered, r.invited))),
                .init(text: "\(Format.percent(r.overall.rate)) (\(Format.count(r.overall)))"),
                .init(
                    text: Statistics.marginOfError(n: r.answered, p: p ?? 0.5).map { "± " + Format.percent($0) } ?? "–"),
                .init(text: "\(Format.percent(r.informed.rate)) (\(Format.count(r.informed)))"),
                .init(text: "\(Format.percent(r.fair.rate)) (\(Format.count(r.fair)))"),
            ]
        }
        let latest = window.latest
        var tables = [
            ReportTable(
                id: "results", caption: "Survey results, \(latest.first!.label) to \(latest.last!.label)",
                headings: [
                    "Command unit", "Invited", "Answered", "Response rate", "Satisfied overall",
                    "Margin of error (95%)", "Kept informed", "Treated fairly",
                ],
                rows: units.map { line($0, header: false) } + [line(force, header: true)],
                csvHref: Self.csvHref(req, "results"))
        ]
        let waves = try await SurveyService.waves(on: req.db)
        tables.append(
            ReportTable(
                id: "waves", caption: "Weekly samples",
                headings: ["Week of", "Per stratum", "Eligible", "Invited", "Taken by"],
                rows: waves.map { w in
                    [
                        .init(text: Display.date(w.weekOf), header: true), .init(text: String(w.perStratum)),
                        .init(text: String(w.eligible)), .init(text: String(w.invited)), .init(text: w.createdByName),
                    ]
                }, csvHref: Self.csvHref(req, "waves")))
        if let csv = q.csv { return try Self.csv(tables, csv, name: "survey") }
        let week = SurveyService.weekOf(London.date(of: Date()))
        var form: SurveyForm?
        if AccessPolicy.grants(context.actor, .manageSurvey) {
            form = SurveyForm(
                perStratum: String(max(SurveyService.perStratum, 1)), week: Display.date(week.description),
                taken: waves.contains { $0.weekOf == week.description })
        }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Satisfaction survey", section: "dashboard"),
                heading: "Satisfaction survey", caption: "",
                intro: [
                    "Each week the same number of victims is sampled at random from every command unit and offence group, from crimes reported 6 to 12 weeks before. Nobody is sampled who opted out of messages, has no contact the safety gate allows, is under 16 or of unknown age, or was surveyed in the last 12 months.",
                    "Satisfied overall means 4 or 5 out of 5. The margin of error is half the width of the 95% interval for the share satisfied, from the number who answered.",
                ], tables: tables, links: [Link(href: "/dashboard", label: "Back to the dashboard")], surveyForm: form))
    }

    struct SampleBody: Content {
        var perStratum: String?
    }

    @Sendable func sampleSurvey(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let body = try req.content.decode(SampleBody.self)
        guard let size = body.perStratum.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            req.flash("Enter how many people to sample from each stratum, from 1 to 500")
            return req.redirect(to: "/dashboard/survey#sample-heading")
        }
        do {
            let wave = try await SurveyService.sample(
                weekOf: SurveyService.weekOf(London.date(of: Date())), perStratum: size, links: req.config.links,
                context: context, on: req.db)
            req.flash(
                wave.map { "\($0.invited) invited of \($0.eligible) eligible." }
                    ?? "This week's sample has already been taken.")
        } catch DomainError.invalid(let errors) {
            req.flash(errors.map(\.message).joined(separator: ". "))
        }
        return req.redirect(to: "/dashboard/survey")
    }

    @Sendable func workload(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(Query.self)
        let (options, chosen) = try await scope(req, q, context)
        guard let unit = chosen else {
            return try await req.render(
                "Dashboard/page",
                Context(
                    chrome: Chrome(req, title: "Workload against staffing", section: "dashboard"),
                    heading: "Workload against staffing", caption: "",
                    intro: ["Choose a command unit."], units: options, unitCode: "", action: "/dashboard/workload",
                    chart: nil, tables: [], metric: nil, target: nil, links: []))
        }
        let window = DashboardService.Window.current()
        let report = try await WorkloadService.report(
            unit: unit.id!, months: window.latest, asOf: window.asOf, context: context, on: req.db)
        func perOfficer(_ n: Int, _ fte: Double?) -> String {
            guard let fte, fte > 0 else { return "–" }
            return String(format: "%.1f", Double(n) / fte)
        }
        let teamLabel = { (t: Team) in t.kind == "csu" ? "\(t.name) (community safety unit)" : t.name }
        var tables = [
            ReportTable(
                id: "teams", caption: "Teams now",
                headings: [
                    "Team", "Accounts in the team", "Officers recorded this month", "Open cases", "Open obligations",
                    "Overdue obligations", "Open cases per officer", "Overdue per officer",
                ],
                rows: report.teams.map { t in
                    [
                        .init(text: teamLabel(t.team), header: true), .init(text: String(t.accounts)),
                        .init(text: t.staffing.map(Format.number) ?? "Not recorded"), .init(text: String(t.openCases)),
                        .init(text: String(t.openObligations)), .init(text: String(t.overdue)),
                        .init(text: perOfficer(t.openCases, t.staffing)),
                        .init(text: perOfficer(t.overdue, t.staffing)),
                    ]
                }, csvHref: Self.csvHref(req, "teams")),
            ReportTable(
                id: "team-months", caption: "Teams month by month",
                headings: [
                    "Team", "Month", "Officers recorded", "Cases open at the month's end", "Obligations due",
                    "Not met on time", "Open cases per officer",
                ],
                rows: report.months.map { m in
                    [
                        .init(text: teamLabel(m.team), header: true), .init(text: m.month.label),
                        .init(text: m.staffing.map(Format.number) ?? "Not recorded"), .init(text: String(m.openCases)),
                        .init(text: String(m.due)), .init(text: String(m.missed)),
                        .init(text: perOfficer(m.openCases, m.staffing)),
                    ]
                }, csvHref: Self.csvHref(req, "team-months")),
            ReportTable(
                id: "by-officer", caption: "Officers now",
                headings: ["Officer", "Team", "Open cases", "Open obligations", "Overdue obligations"],
                rows: report.officers.map { o in
                    [
                        .init(text: o.name, header: true), .init(text: o.team), .init(text: String(o.openCases)),
                        .init(text: String(o.openObligations)), .init(text: String(o.overdue)),
                    ]
                }, csvHref: Self.csvHref(req, "by-officer")),
        ]
        tables = tables.filter { !$0.rows.isEmpty || $0.id == "teams" }
        if let csv = q.csv { return try Self.csv(tables, csv, name: "workload-\(unit.code)") }
        var form: StaffingForm?
        if AccessPolicy.grants(context.actor, .recordStaffing), Self.mayDrill(context, unit.id!) {
            form = StaffingForm(
                unitCode: unit.code,
                teams: report.teams.map {
                    SelectOption(value: $0.team.id!.uuidString, label: teamLabel($0.team), selected: false)
                },
                month: window.months.last!.description)
        }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Workload against staffing", section: "dashboard"),
                heading: "Workload against staffing: \(unit.name)",
                caption: "As at \(London.formatReadable(window.asOf)).",
                intro: [
                    "Cases and obligations count against the team the officer in the case belongs to now. Officers recorded are full-time equivalents entered by the unit's lead; per-officer figures use them."
                ], units: options.filter { !$0.value.isEmpty }, unitCode: unit.code, action: "/dashboard/workload",
                chart: nil,
                tables: tables, metric: nil, target: nil,
                links: [Link(href: "/dashboard?unit=\(unit.code)", label: "Back to the dashboard")], staffingForm: form)
        )
    }

    struct StaffingBody: Content {
        var unit: String?
        var team: String?
        var month: String?
        var officers: String?
        var note: String?
    }

    @Sendable func recordStaffing(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let body = try req.content.decode(StaffingBody.self)
        guard let teamID = body.team.flatMap(UUID.init(uuidString:)) else {
            throw Abort(.badRequest, reason: "Choose a team")
        }
        do {
            try await WorkloadService.recordStaffing(
                team: teamID, month: body.month, officers: body.officers, note: body.note, context: context,
                on: req.db)
            req.flash("Staffing recorded.")
        } catch DomainError.invalid(let errors) {
            req.flash(errors.map(\.message).joined(separator: ". "))
        }
        return req.redirect(to: "/dashboard/workload?unit=\(body.unit ?? "")#staffing-heading")
    }

    @Sendable func trials(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.viewComplianceDashboard, context)
        let q = try req.query.decode(Query.self)
        let all = try await Trial.query(on: req.db).sort(\.$createdAt, .descending).all()
        var tables: [ReportTable] = []
        for trial in all {
            let r = try await TrialService.report(trial, context: context, on: req.db)
            func difference(_ d: Statistics.Difference?) -> String {
                guard let d else { return "–" }
                let points = { (x: Double) in String(format: "%.1f", x * 100) }
                return "\(points(d.difference)) points (\(points(d.interval.low)) to \(points(d.interval.high)))"
                    + (d.significant ? ", significant" : ", not significant")
            }
            let id = "trial-\(trial.id!.uuidString.lowercased().prefix(8))"
            tables.append(
                ReportTable(
                    id: id,
                    caption:
                        "\(trial.name) (\(trial.status == "open" ? "running" : "closed"), \(trial.practiceShare):\(trial.usualShare)): \(trial.practice)",
                    headings: ["Arm", "Victims allocated", "Satisfied, of those who answered", "Withdrew support"],
                    rows: r.arms.map { a in
                        [
                            .init(text: a.arm.label, header: true), .init(text: String(a.allocated)),
                            .init(text: "\(Format.percent(a.satisfaction.rate)) (\(Format.count(a.satisfaction)))"),
                            .init(text: "\(Format.percent(a.withdrawals.rate)) (\(Format.count(a.withdrawals)))"),
                        ]
                    } + [
                        [
                            .init(text: "Difference, practice minus usual care (95% interval)", header: true),
                            .init(text: "–"), .init(text: difference(r.satisfactionDifference)),
                            .init(text: difference(r.withdrawalDifference)),
                        ]
                    ], csvHref: Self.csvHref(req, id)))
        }
        if let csv = q.csv { return try Self.csv(tables, csv, name: "trials") }
        var form: TrialForm?
        if AccessPolicy.grants(context.actor, .manageTrials) {
            let groups = Set(try await Offence.query(on: req.db).all().map(\.group)).sorted()
            let units = try await OrganisationService.units(on: req.db)
            form = TrialForm(
                groups: [SelectOption(value: "", label: "Any offence group", selected: true)]
                    + groups.map { SelectOption(value: $0, label: $0, selected: false) },
                units: [SelectOption(value: "", label: "Any command unit", selected: true)]
                    + units.map { SelectOption(value: $0.code, label: $0.name, selected: false) },
                open: all.filter { $0.status == "open" }.map {
                    SelectOption(value: $0.id!.uuidString, label: $0.name, selected: false)
                })
        }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Trials of care practices", section: "dashboard"),
                heading: "Trials of care practices", caption: "",
                intro: [
                    "Each new victim who fits a running trial is allocated at random, in the trial's ratio, to the practice or to usual care; the allocation shows on the victim's page. Satisfaction counts each allocated victim's latest answer to feedback or the survey; withdrawals count victims recorded as no longer supporting the investigation.",
                    "Differences are in percentage points with a 95% normal-approximation interval; a difference is significant when its interval does not include 0.",
                ], tables: tables, links: [Link(href: "/dashboard", label: "Back to the dashboard")], trialForm: form))
    }

    struct TrialBody: Content {
        var name: String?
        var practice: String?
        var offenceGroup: String?
        var unit: String?
        var practiceShare: String?
        var usualShare: String?
    }

    @Sendable func createTrial(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let b = try req.content.decode(TrialBody.self)
        do {
            let trial = try await TrialService.create(
                .init(
                    name: b.name, practice: b.practice, offenceGroup: b.offenceGroup, unit: b.unit,
                    practiceShare: b.practiceShare, usualShare: b.usualShare), context: context, on: req.db)
            req.flash("Trial started: \(trial.name).")
        } catch DomainError.invalid(let errors) {
            req.flash("The trial was not started. " + errors.map(\.message).joined(separator: ". ") + ".")
            return req.redirect(to: "/dashboard/trials#trial-heading")
        }
        return req.redirect(to: "/dashboard/trials")
    }

    @Sendable func closeTrial(req: Request) async throws -> Response {
        try await TrialService.close(try req.uuid("trialID"), context: try req.accessContext(), on: req.db)
        req.flash("Trial closed: no more victims will be allocated.")
        return req.redirect(to: "/dashboard/trials")
    }

    // MARK: - Helpers

    static let sections = ["At reporting", "Support", "Updates", "Right to Review", "Contact", "Satisfaction"]

    /// The unit asked for, else the viewer's own, else the force; and the unit choices.
    private func scope(_ req: Request, _ q: Query, _ context: AccessContext) async throws -> (
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
        context.actor.role.reach == .force || context.actor.commandUnitID == unit
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
        let response = Response(status: .ok, body: .init(string: table.csv))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
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
