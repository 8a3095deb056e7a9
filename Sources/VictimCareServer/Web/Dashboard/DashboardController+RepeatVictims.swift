import Fluent
import Vapor
import VictimCareDomain

/// Repeat victims by unit and offence group, counted over linked records (issue 18).
extension DashboardController {
    struct RepeatQuery: Content {
        var unit: String?
        var from: String?
        var to: String?
        var csv: String?
    }

    @Sendable func repeatVictims(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(RepeatQuery.self)
        let (units, unit) = try await scope(req, Query(unit: q.unit), context)
        var v = Validator()
        let (from, to) = Self.period(q.from, q.to, &v)
        // Every victimisation of the period is read (a repeat may be in any unit): two years at most.
        if to.dayNumber - from.dayNumber > 731 { v.fail("from", "Choose a period of two years or less") }
        var tables: [ReportTable] = []
        if v.errors.isEmpty {
            let rows = try await RepeatVictimsReport.build(
                unitID: unit?.id, from: London.startOfDay(from), to: London.startOfDay(to.adding(days: 1)),
                on: req.db)
            try await AuditLog.record(
                .view, "report", nil, summary: "repeat victims \(from) to \(to)", context: context, on: req.db)
            let codes = Dictionary(
                try await OrganisationService.units(on: req.db).compactMap { u in u.id.map { ($0, u.code) } },
                uniquingKeysWith: { a, _ in a })
            let sorted = rows.sorted { (codes[$0.unitID] ?? "", $0.group) < (codes[$1.unitID] ?? "", $1.group) }
            tables.append(
                ReportTable(
                    id: "repeat-victims", caption: "Victims and repeat victims by command unit and offence group",
                    headings: [
                        "Unit", "Offence group", "Victims", "Repeat victims", "Share", "Recognised only by linkage",
                    ],
                    rows: sorted.map { r in
                        [
                            .init(text: codes[r.unitID] ?? "", header: true), .init(text: r.group),
                            .init(text: "\(r.victims)"), .init(text: "\(r.repeatVictims)"),
                            .init(
                                text: r.victims == 0
                                    ? "" : String(format: "%.1f%%", Double(r.repeatVictims) * 100 / Double(r.victims))),
                            .init(text: "\(r.byLinkage)"),
                        ]
                    }, csvHref: Self.csvHref(req, "repeat-victims")))
        }
        if let csv = q.csv, v.errors.isEmpty { return try Self.csv(tables, csv, name: "repeat-victims") }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Repeat victims", section: "dashboard", errors: v.errors),
                heading: "Repeat victims", caption: unit?.name ?? "The whole force",
                intro: v.errors.isEmpty
                    ? [
                        "People who were victims of a crime of each group in each unit, by the crimes reported from \(Display.date(from.description)) to \(Display.date(to.description)); a repeat victim was a victim of two or more crimes in that time anywhere in the force.",
                        "A person recorded more than once is counted once: records are linked as one person by the force's record linkage, or by an analyst's decision. \"Recognised only by linkage\" are repeat victims none of whose records alone shows two crimes.",
                    ] : ["Correct the period to see the figures."],
                units: units, unitCode: unit?.code ?? "", action: "/dashboard/repeat-victims", tables: tables,
                links: [Link(href: "/dashboard", label: "Back to the dashboard")],
                period: PeriodForm(from: q.from ?? from.description, to: q.to ?? to.description)))
    }
}
