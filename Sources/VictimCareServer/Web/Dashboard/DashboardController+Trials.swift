import Fluent
import Vapor
import VictimCareDomain

/// Randomised trials of a care practice.
extension DashboardController {
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
}
