import Fluent
import Vapor
import VictimCareDomain

/// The satisfaction survey: results and drawing a wave.
extension DashboardController {
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
        try AccessGuard.require(.manageSurvey, context)
        let body = try req.content.decode(SampleBody.self)
        guard let size = body.perStratum.flatMap({ Int($0.trimmingWhitespace()) }) else {
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
}
