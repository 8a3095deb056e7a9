import Fluent
import Vapor
import VictimCareDomain

/// Workload against staffing, and recording a team's staffing.
extension DashboardController {
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
        try AccessGuard.require(.recordStaffing, context)
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
}
