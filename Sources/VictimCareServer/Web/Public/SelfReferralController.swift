import Fluent
import Vapor
import VictimCareDomain

/// `/support/refer`: a victim refers themselves to the support service, in their own language (`?lang=`, else
/// the browser's). Whatever is typed, the answer is the same thanks — nothing is looked up, so the page tells no
/// one whether a person or a crime is known.
struct SelfReferralController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("support", "refer", use: show).access(.open("a victim asks for support"))
        routes.post("support", "refer", use: submit).access(.open("a victim asks for support"))
    }

    struct Choice: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Context: Encodable {
        var lang: String
        var dir: String
        var title: String
        var errors: [FieldError]
        var fieldErrors: [String: String]
        var values: [String: String]
        var shownAt: String
        var groups: [Choice]
        var reported: [Choice]
        var methods: [Choice]
        var languages: [Choice]
        var pageLanguages: [LeafletController.Context.LanguageLink]
        var thanked: Bool
        var notice: String?
        /// The page's words (`refer.*` keys, dots as underscores).
        var t: [String: String]
        var exit: ExitWords
    }

    struct Form: Content {
        var givenName, familyName, phone, email, preferredContact, preferredTimes, language, offenceGroup: String?
        var reportedToPolice, crimeReference, safeToContact, consent, website, shownAt, lang: String?
    }

    /// The page's language: the form's, `?lang=`, the browser's, else English.
    private func words(_ req: Request, _ chosen: String?) -> LeafletText {
        let translations = req.application.translations
        return LeafletText(
            translations,
            chosen ?? (try? req.query.get(String.self, at: "lang")) ?? LeafletController.preferred(req, translations))
    }

    @Sendable func show(req: Request) async throws -> Response {
        let text = words(req, nil)
        return try await page(
            req, text, values: ["language": text.language.code], errors: [], shownAt: nil, status: .ok)
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let f = try req.content.decode(Form.self)
        let text = words(req, f.lang)
        let values = [
            "givenName": f.givenName, "familyName": f.familyName, "phone": f.phone, "email": f.email,
            "preferredContact": f.preferredContact, "preferredTimes": f.preferredTimes, "language": f.language,
            "offenceGroup": f.offenceGroup, "reportedToPolice": f.reportedToPolice, "crimeReference": f.crimeReference,
            "safeToContact": f.safeToContact, "consent": f.consent,
        ].compactMapValues { $0 }
        do {
            _ = try await SelfReferralService.submit(
                .init(
                    givenName: f.givenName, familyName: f.familyName, phone: f.phone, email: f.email,
                    preferredContact: f.preferredContact, preferredTimes: f.preferredTimes, language: f.language,
                    offenceGroup: f.offenceGroup, reportedToPolice: f.reportedToPolice,
                    crimeReference: f.crimeReference, safeToContact: f.safeToContact, consent: f.consent,
                    website: f.website, shownAt: f.shownAt),
                ip: req.clientIP, perHour: req.config.referrals.selfReferralsPerHour, key: req.application.signingKey,
                on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await page(
                req, text, values: values,
                errors: errors.map { FieldError(field: $0.field, message: text.t($0.message)) }, shownAt: f.shownAt,
                status: .unprocessableEntity)
        } catch DomainError.rateLimited(let seconds) {
            let response = try await page(
                req, text, values: values, errors: [], shownAt: f.shownAt, status: .tooManyRequests,
                notice: text.t("refer.busy"))
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        }
        // Accepted or held for the service to check: the same thanks either way.
        let context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr",
            title: text.t("refer.thanks.title"),
            errors: [], fieldErrors: [:], values: [:], shownAt: "", groups: [], reported: [], methods: [],
            languages: [], pageLanguages: [], thanked: true, notice: nil, t: text.words("refer."), exit: text.exit)
        let response = try await req.view.render("Public/selfReferral", context).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        return response
    }

    /// The form; `shownAt` is the first showing's signed time, kept through every re-showing.
    private func page(
        _ req: Request, _ text: LeafletText, values: [String: String], errors: [FieldError], shownAt: String?,
        status: HTTPStatus, notice: String? = nil
    ) async throws -> Response {
        let key = req.application.signingKey
        let firstShown =
            SelfReferralService.ShownAt.read(shownAt, key: key) != nil
            ? shownAt! : SelfReferralService.ShownAt.make(key: key)
        func choices(_ options: [(value: String, label: String)], _ field: String, _ prefix: String) -> [Choice] {
            options.map {
                Choice(value: $0.value, label: text.t(prefix + $0.value), selected: values[field] == $0.value)
            }
        }
        var words = text.words("refer.")
        words["error_summary"] = text.t("error.summary")
        words["error_prefix"] = text.t("error.prefix")
        words["emergency"] = text.t("common.emergency")
        words["languages_heading"] = text.t("languages.heading")
        let context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr",
            title: (errors.isEmpty ? "" : text.t("error.prefix") + " ") + text.t("refer.title"), errors: errors,
            fieldErrors: Dictionary(errors.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a }),
            values: values, shownAt: firstShown,
            groups: choices(SelfReferralService.offenceGroups, "offenceGroup", "refer.about."),
            reported: choices(SelfReferralService.reportedAnswers, "reportedToPolice", "refer.told."),
            methods: choices(SelfReferralService.contactMethods, "preferredContact", "method."),
            languages: Language.all.map {
                Choice(
                    value: $0.code,
                    label: $0.nativeName == $0.englishName ? $0.nativeName : "\($0.nativeName) (\($0.englishName))",
                    selected: values["language"] == $0.code)
            },
            pageLanguages: LeafletController.languages(req, current: text.language), thanked: false, notice: notice,
            t: words, exit: text.exit)
        let response = try await req.view.render("Public/selfReferral", context).encodeResponse(
            status: status, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        return response
    }
}
