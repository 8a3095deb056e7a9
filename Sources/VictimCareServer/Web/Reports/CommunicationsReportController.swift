import Fluent
import Vapor
import VictimCareDomain

/// Leaflet provision and feedback results for a command unit over a period.
struct CommunicationsReportController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("reports", "communications", use: show).access(.role(.viewCommunicationsReports))
    }

    struct Line: Encodable {
        var name: String
        var cells: [String]
    }

    struct Table: Encodable {
        var id: String
        var caption: String
        var headings: [String]
        var lines: [Line]
    }

    struct Context: Encodable {
        var chrome: Chrome
        var units: [SelectOption]
        var canChooseUnit: Bool
        var from: String
        var to: String
        var unitName: String
        var tables: [Table]
    }

    struct Query: Content {
        var unit: String?
        var from: String?
        var to: String?
    }

    @Sendable func show(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(Query.self)
        let today = London.date(of: Date())
        var v = Validator()
        let from = v.date(q.from, "from", "the start date") ?? today.adding(days: -90)
        let to = v.date(q.to, "to", "the end date") ?? today
        if to < from { v.fail("to", "The end date must be on or after the start date") }
        let allUnits = try await OrganisationService.units(on: req.db)
        let requested = q.unit.flatMap { code in allUnits.first { $0.code == code || $0.id?.uuidString == code }?.id }
        let everyUnit = AccessPolicy.listingReach(context.actor, .viewCommunicationsReports) == .everyUnit
        let unitID = try CommunicationsReport.scope(
            requested: requested ?? (everyUnit ? allUnits.first?.id : nil), context: context)
        let errors = v.errors
        var tables: [Table] = []
        if errors.isEmpty {
            let report = try await CommunicationsReport.build(
                .init(unitID: unitID, from: London.startOfDay(from), to: London.startOfDay(to.adding(days: 1))),
                context: context, on: req.db)
            try await AuditLog.record(
                .view, "report", nil, summary: "communications report \(from) to \(to)", context: context, on: req.db)
            let provisionHeadings = ["Victims", "Given the leaflet", "Opened it"]
            let feedbackHeadings = [
                "Invited", "Answered", "Satisfied (4 or 5)", "Mean score", "Treated fairly", "Kept informed",
                "Understood next steps",
            ]
            let responseHeadings = ["Invited", "Answered", "Response rate"]
            tables = [
                Table(
                    id: "provision-officer", caption: "Leaflet provision by officer in the case",
                    headings: provisionHeadings, lines: report.provisionByOfficer.map(Self.provision)),
                Table(
                    id: "provision-team", caption: "Leaflet provision by team", headings: provisionHeadings,
                    lines: report.provisionByTeam.map(Self.provision)),
                Table(
                    id: "feedback-unit", caption: "Feedback for the whole unit", headings: feedbackHeadings,
                    lines: [Self.feedback(report.feedbackForUnit)]),
                Table(
                    id: "feedback-team", caption: "Feedback by team", headings: feedbackHeadings,
                    lines: report.feedbackByTeam.map(Self.feedback)),
                Table(
                    id: "feedback-officer", caption: "Feedback by officer", headings: feedbackHeadings,
                    lines: report.feedbackByOfficer.map(Self.feedback)),
                Table(
                    id: "response-age", caption: "Response rate by age band", headings: responseHeadings,
                    lines: report.responseByAge.map(Self.response)),
                Table(
                    id: "response-ethnicity", caption: "Response rate by ethnic group", headings: responseHeadings,
                    lines: report.responseByEthnicity.map(Self.response)),
            ]
        }
        let ctx = Context(
            chrome: Chrome(req, title: "Leaflets and feedback", section: "reports", errors: errors),
            units: allUnits.map { SelectOption(value: $0.code, label: $0.name, selected: $0.id == unitID) },
            canChooseUnit: AccessPolicy.listingReach(context.actor, .viewCommunicationsReports) == .everyUnit,
            from: from.description, to: to.description,
            unitName: allUnits.first { $0.id == unitID }?.name ?? "", tables: tables)
        return try await req.render("Reports/communications", ctx, status: errors.isEmpty ? .ok : .badRequest)
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "–" : "\(Int((Double(part) * 100 / Double(whole)).rounded()))%"
    }

    /// Fewer than five in a group: the counts are not shown, so nobody can be picked out.
    static func small(_ n: Int) -> Bool { n > 0 && n < CommunicationsReport.smallestGroup }

    static func provision(_ r: CommunicationsReport.ProvisionRow) -> Line {
        Line(
            name: r.name,
            cells: [
                "\(r.victims)", "\(r.provided) (\(percent(r.provided, of: r.victims)))",
                "\(r.opened) (\(percent(r.opened, of: r.provided)))",
            ])
    }

    static func feedback(_ r: CommunicationsReport.FeedbackRow) -> Line {
        // Fewer than five answers, or fewer than five who did not answer (the rest of the row gives it away).
        if small(r.responses) || small(r.invitations - r.responses) {
            return Line(
                name: r.name, cells: ["\(r.invitations)", "Not shown (small numbers)", "–", "–", "–", "–", "–"])
        }
        let mean = r.responses == 0 ? "–" : String(format: "%.1f", Double(r.satisfactionTotal) / Double(r.responses))
        return Line(
            name: r.name,
            cells: [
                "\(r.invitations)", "\(r.responses) (\(percent(r.responses, of: r.invitations)))",
                percent(r.satisfied, of: r.responses), mean, percent(r.fair, of: r.responses),
                percent(r.informed, of: r.responses), percent(r.understood, of: r.responses),
            ])
    }

    static func response(_ r: CommunicationsReport.FeedbackRow) -> Line {
        if small(r.invitations) { return Line(name: r.name, cells: ["Fewer than 5", "–", "–"]) }
        if small(r.responses) || small(r.invitations - r.responses) {
            return Line(name: r.name, cells: ["\(r.invitations)", "Not shown (small numbers)", "–"])
        }
        return Line(
            name: r.name, cells: ["\(r.invitations)", "\(r.responses)", percent(r.responses, of: r.invitations)])
    }
}
