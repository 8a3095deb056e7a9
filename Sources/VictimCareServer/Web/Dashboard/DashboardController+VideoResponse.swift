import Fluent
import Vapor
import VictimCareDomain

/// Does video response work? Video and in-person responses compared on Dorset's measures (issue 16, item 6).
extension DashboardController {
    struct PeriodForm: Encodable {
        var from: String
        var to: String
        /// What decides each victim's arm: their own choice, or a trial's allocation.
        var trials: [SelectOption] = []
    }

    struct VideoQuery: Content {
        var unit: String?
        var from: String?
        var to: String?
        var trial: String?
        var csv: String?
    }

    /// A report's period from its form: the last 365 days unless given; the last day not before the first.
    static func period(_ rawFrom: String?, _ rawTo: String?, _ v: inout VictimCareDomain.Validator)
        -> (LocalDate, LocalDate)
    {
        let today = London.date(of: Date())
        let from = v.date(rawFrom, "from", "the first day") ?? today.adding(days: -364)
        let to = v.date(rawTo, "to", "the last day") ?? today
        if to < from { v.fail("to", "The last day must be on or after the first day") }
        return (from, to)
    }

    @Sendable func videoOutcomes(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let q = try req.query.decode(VideoQuery.self)
        let (units, unit) = try await scope(req, Query(unit: q.unit), context)
        var v = Validator()
        let (from, to) = Self.period(q.from, q.to, &v)
        let trials = try await Trial.query(on: req.db).sort(\.$createdAt, .descending).all()
        var trial: Trial?
        if let raw = q.trial, !raw.isEmpty {
            trial = UUID(uuidString: raw).flatMap { id in trials.first { $0.id == id } }
            if trial == nil { v.fail("trial", "Choose a trial from the list") }
        }
        var tables: [ReportTable] = []
        var intro = [
            trial.map {
                "Victims allocated at random by the trial “\($0.name)” (\($0.practice)), by the crimes reported from \(Display.date(from.description)) to \(Display.date(to.description)): the practice arm counts as video and usual care as in person, whatever each victim then chose. Allocation at random makes the two arms alike in everything but the response."
            }
                ?? "Victims offered the choice of a video call or a visit, by the crimes reported from \(Display.date(from.description)) to \(Display.date(to.description)). Each victim counts in the response they first chose while video was open to them, whether or not it then happened and even if they later asked for the other, as a trial would count them; victims for whom video was ruled out are not counted.",
            "Each rate is compared as video over in person: a rate ratio above 1 means more often with video. The 95% interval is Katz's; where it does not include 1 the difference is significant at the 5% level. A ratio is not estimable when either rate is zero. An arrest or a charge counts once for each victim of the crime.",
        ]
        if v.errors.isEmpty {
            let report = try await VideoOutcomesReport.build(
                .init(
                    unitID: unit?.id, from: London.startOfDay(from), to: London.startOfDay(to.adding(days: 1)),
                    trialID: trial?.id),
                video: req.config.video, context: context, on: req.db)
            try await AuditLog.record(
                .view, "report", trial?.id,
                summary: "video response outcomes \(from) to \(to)" + (trial.map { " by trial \($0.name)" } ?? ""),
                context: context,
                on: req.db)
            tables = Self.videoTables(report, req)
            let config = req.config.video
            intro.append(
                String(
                    format:
                        "%d video responses saved about %.0f hours of officers' travel and %.0f miles, at the force's figures of %d minutes and %@ miles for a visit.",
                    report.overall.videoResponses, report.savedHours, report.savedMiles, config.visitMinutes,
                    Format.number(config.visitMiles)))
        }
        intro.append(
            trial == nil
                ? "Victims chose their response, so a difference may come from who chooses video rather than from video itself; a trial, allocating at random, answers that."
                : "In a trial, a victim allocated to video may still have had a visit (and the other way round); each counts in the arm they were allocated to."
        )
        if !v.errors.isEmpty { intro = ["Correct the period or the comparison to see the figures."] }
        if let csv = q.csv, v.errors.isEmpty { return try Self.csv(tables, csv, name: "video-response") }
        return try await req.render(
            "Dashboard/page",
            Context(
                chrome: Chrome(req, title: "Video response: does it work?", section: "dashboard", errors: v.errors),
                heading: "Video response: does it work?", caption: unit?.name ?? "The whole force", intro: intro,
                units: units, unitCode: unit?.code ?? "", action: "/dashboard/video-response", tables: tables,
                links: [Link(href: "/dashboard", label: "Back to the dashboard")],
                period: PeriodForm(
                    from: q.from ?? from.description, to: q.to ?? to.description,
                    trials: [SelectOption(value: "", label: "Victims' own choice", selected: trial == nil)]
                        + trials.map {
                            SelectOption(
                                value: $0.id!.uuidString, label: "The trial “\($0.name)”", selected: $0.id == trial?.id)
                        })),
            status: v.errors.isEmpty ? .ok : .badRequest)
    }

    static func videoTables(_ r: VideoOutcomesReport.Report, _ req: Request) -> [ReportTable] {
        func count(_ c: VideoOutcomes.Count) -> String {
            c.of == 0 ? "None counted" : "\(c.yes) of \(c.of) (\(Format.percent(c.rate)))"
        }
        func ratio(_ c: VideoOutcomes.Comparison) -> String {
            c.ratio.map { Format.ratio($0.ratio) } ?? "Not estimable"
        }
        func interval(_ c: VideoOutcomes.Comparison) -> String {
            c.ratio.map { "\(Format.ratio($0.interval.low))–\(Format.ratio($0.interval.high))" } ?? "–"
        }
        func significant(_ c: VideoOutcomes.Comparison) -> String {
            c.ratio.map { $0.significant ? ($0.ratio > 1 ? "Yes, higher" : "Yes, lower") : "No" } ?? "–"
        }
        func hours(_ h: Double?) -> String { h.map { String(format: "%.1f hours", $0) } ?? "–" }
        let s = r.overall
        var summary: [[ReportTable.Cell]] = [
            [
                .init(text: "Victims", header: true), .init(text: String(s.victims[.video] ?? 0)),
                .init(text: String(s.victims[.inPerson] ?? 0)), .init(text: "–"), .init(text: "–"), .init(text: "–"),
            ]
        ]
        summary += s.comparisons.map { c in
            [
                .init(text: c.measure.label, header: true), .init(text: count(c.video)),
                .init(text: count(c.inPerson)), .init(text: ratio(c)), .init(text: interval(c)),
                .init(text: significant(c)),
            ]
        }
        summary.append([
            .init(text: "Would recommend video response, of those who answered", header: true),
            .init(text: count(s.wouldRecommend)), .init(text: "Not asked"), .init(text: "–"), .init(text: "–"),
            .init(text: "–"),
        ])
        summary.append([
            .init(text: "Median time from report to response", header: true),
            .init(text: hours(s.medianHours[.video])), .init(text: hours(s.medianHours[.inPerson])),
            .init(text: "–"), .init(text: "–"), .init(text: "–"),
        ])
        let measures: [VideoOutcomes.Measure] = [.arrestOrInterview, .positiveOutcome, .withdrawal, .satisfaction]
        func breakdown(_ id: String, _ caption: String, _ heading: String, _ rows: [(String, VideoOutcomes.Summary)])
            -> ReportTable
        {
            ReportTable(
                id: id, caption: caption,
                headings: [heading, "Victims, video", "Victims, in person"]
                    + measures.map { "\($0.label): rate ratio (95% interval)" },
                rows: rows.map { name, g in
                    [
                        .init(text: name, header: true), .init(text: String(g.victims[.video] ?? 0)),
                        .init(text: String(g.victims[.inPerson] ?? 0)),
                    ]
                        + measures.map { m in
                            let c = g.comparison(m)
                            return .init(text: c.ratio == nil ? "Not estimable" : "\(ratio(c)) (\(interval(c)))")
                        }
                }, csvHref: Self.csvHref(req, id))
        }
        return [
            ReportTable(
                id: "video-summary", caption: "Video and in-person responses compared",
                headings: [
                    "Measure", "Video", "In person", "Rate ratio, video ÷ in person", "95% interval", "Significant",
                ],
                rows: summary, csvHref: Self.csvHref(req, "video-summary")),
            breakdown("video-units", "By command unit", "Command unit", r.byUnit),
            breakdown("video-offences", "By offence group", "Offence group", r.byOffenceGroup),
        ]
    }
}
