import Fluent
import Vapor
import VictimCareDomain

/// The victim's feedback form for one interaction: phone-first, in their language (they can switch), one
/// response per invitation, expiring. Reached only by the link or QR code the victim was given.
struct FeedbackController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("f", ":secret", use: show).access(.open("the victim's own feedback link"))
        routes.post("f", ":secret", use: submit).access(.open("the victim's own feedback link"))
    }

    struct Option: Encodable {
        var value: String
        var label: String
        var checked: Bool
    }

    struct Question: Encodable {
        var name: String
        var legend: String
        var error: String?
        var options: [Option]
    }

    struct Context: Encodable {
        var lang: String
        var dir: String
        var title: String
        var intro: String
        var errorSummary: String
        var errors: [FieldError]
        var questions: [Question]
        var commentLabel: String
        var commentHint: String
        var commentError: String?
        var comment: String
        var submit: String
        var basePath: String
        var languagesHeading: String
        var languages: [LeafletController.Context.LanguageLink]
        var versionLabel: String
        var version: String
        var exit: ExitWords
        /// Set instead of the form: thanks, already answered, or expired.
        var outcome: String?
        var outcomeText: String?
    }

    struct Form: Content {
        var satisfaction: String?
        var fair: String?
        var informed: String?
        var understood: String?
        var comment: String?
        var recommend: String?
        var lang: String?
    }

    @Sendable func show(req: Request) async throws -> Response {
        let (link, invitation, language) = try await load(req)
        let text = LeafletText(req.application.translations, (try? req.query.get(String.self, at: "lang")) ?? language)
        if invitation.respondedAt != nil { return try await outcome(req, text, "done", status: .ok) }
        if invitation.expiresAt <= Date() { return try await outcome(req, text, "expired", status: .gone) }
        try await VictimLinkService.recordOpen(link, on: req.db)
        return try await render(req, text, invitation: invitation, form: Form(), errors: [], status: .ok)
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let (link, invitation, language) = try await load(req)
        let form = try req.content.decode(Form.self)
        let text = LeafletText(req.application.translations, form.lang ?? language)
        do {
            try await FeedbackService.submit(
                .init(
                    satisfaction: form.satisfaction, fair: form.fair, informed: form.informed,
                    understood: form.understood, comment: form.comment, recommend: form.recommend),
                link: link, language: text.language.code, ip: req.clientIP, on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, text, invitation: invitation, form: form, errors: errors, status: .unprocessableEntity)
        } catch DomainError.conflict(_, let why) {
            return try await outcome(
                req, text, why == "expired" ? "expired" : "done", status: why == "expired" ? .gone : .conflict)
        }
        return try await outcome(req, text, "thanks", status: .ok)
    }

    private func load(_ req: Request) async throws -> (VictimLink, FeedbackInvitation, String) {
        guard
            case .valid(let link) = try await VictimLinkService.find(
                secret: req.parameters.get("secret") ?? "", purposes: [.feedback], on: req.db),
            let invitationID = link.invitationID,
            let invitation = try await FeedbackInvitation.find(invitationID, on: req.db)
        else { throw Abort(.notFound, reason: "This feedback link is not valid or has expired") }
        let victim = try await VictimService.find(link.$victim.id, on: req.db)
        let person = try await PersonService.find(victim.$person.id, on: req.db)
        return (link, invitation, person.language)
    }

    private func render(
        _ req: Request, _ text: LeafletText, invitation: FeedbackInvitation, form: Form, errors: [FieldError],
        status: HTTPResponseStatus
    ) async throws -> Response {
        // The service names each error by its translation key; the page says it in the victim's language.
        let translated = errors.map { FieldError(field: $0.field, message: text.t($0.message)) }
        func error(_ field: String) -> String? { translated.first { $0.field == field }?.message }
        let answers = FeedbackService.Answer.allCases.map { ($0.rawValue, text.t("answer.\($0.rawValue)")) }
        let yesNo = answers.filter { $0.0 != FeedbackService.Answer.partly.rawValue }
        let asksRecommendation = try await FeedbackService.asksRecommendation(invitation, on: req.db)
        func question(_ name: String, _ key: String, _ value: String?, _ options: [(String, String)]) -> Question {
            Question(
                name: name, legend: text.t(key), error: error(name),
                options: options.map { Option(value: $0.0, label: $0.1, checked: $0.0 == value) })
        }
        let context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr",
            title: (errors.isEmpty ? "" : text.t("error.prefix") + " ") + text.t("form.title"),
            intro: invitation.sourceCode == FeedbackInvitation.Source.survey.rawValue
                ? text.t("survey.intro")
                : text.t(
                    "form.intro",
                    [
                        "officer": invitation.officerName,
                        "date": Display.date(London.date(of: invitation.createdAt).description),
                    ]),
            errorSummary: text.t("error.summary"), errors: translated,
            questions: [
                question(
                    "satisfaction", "q.satisfaction", form.satisfaction,
                    (1...5).reversed().map { ("\($0)", text.t("scale.\($0)")) }),
                question("fair", "q.fair", form.fair, answers),
                question("informed", "q.informed", form.informed, answers),
                question("understood", "q.understood", form.understood, answers),
            ] + (asksRecommendation ? [question("recommend", "q.recommend", form.recommend, yesNo)] : []),
            commentLabel: text.t("q.comment"), commentHint: text.t("comment.hint"),
            commentError: error("comment"), comment: form.comment ?? "", submit: text.t("form.submit"),
            basePath: req.url.path, languagesHeading: text.t("languages.heading"),
            languages: LeafletController.languages(req, current: text.language),
            versionLabel: text.t("version.label"), version: text.version, exit: text.exit, outcome: nil,
            outcomeText: nil)
        return try await req.render("Public/feedback", context, status: status)
    }

    private func outcome(_ req: Request, _ text: LeafletText, _ key: String, status: HTTPResponseStatus) async throws
        -> Response
    {
        let context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", title: text.t("\(key).title"),
            intro: "", errorSummary: "", errors: [], questions: [], commentLabel: "", commentHint: "",
            commentError: nil, comment: "", submit: "", basePath: req.url.path,
            languagesHeading: text.t("languages.heading"),
            languages: LeafletController.languages(req, current: text.language), versionLabel: text.t("version.label"),
            version: text.version, exit: text.exit, outcome: key, outcomeText: text.t("\(key).text"))
        return try await req.render("Public/feedback", context, status: status)
    }
}
