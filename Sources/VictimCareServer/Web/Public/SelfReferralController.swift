import Fluent
import Vapor
import VictimCareDomain

/// `/support/refer`: a victim refers themselves to the support service. Whatever is typed, the answer is the
/// same thanks — nothing is looked up, so the page tells no one whether a person or a crime is known.
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
        var title: String
        var errors: [FieldError]
        var fieldErrors: [String: String]
        var values: [String: String]
        var shownAt: String
        var groups: [Choice]
        var reported: [Choice]
        var methods: [Choice]
        var languages: [Choice]
        var thanked: Bool
        var notice: String?
    }

    struct Form: Content {
        var givenName, familyName, phone, email, preferredContact, preferredTimes, language, offenceGroup: String?
        var reportedToPolice, crimeReference, safeToContact, consent, website, shownAt: String?
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await page(req, values: ["language": "en"], errors: [], shownAt: nil, status: .ok)
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let f = try req.content.decode(Form.self)
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
                req, values: values, errors: errors, shownAt: f.shownAt, status: .unprocessableEntity)
        } catch DomainError.rateLimited(let seconds) {
            let response = try await page(
                req, values: values, errors: [], shownAt: f.shownAt, status: .tooManyRequests,
                notice: "Several referrals have come from this connection in the last hour. Please try again later, "
                    + "or call Victim Support free on 08 08 16 89 111. In an emergency call 999.")
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        }
        // Accepted or held for the service to check: the same thanks either way.
        let context = Context(
            title: "Thank you", errors: [], fieldErrors: [:], values: [:], shownAt: "", groups: [], reported: [],
            methods: [], languages: [], thanked: true, notice: nil)
        let response = try await req.view.render("Public/selfReferral", context).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The form; `shownAt` is the first showing's signed time, kept through every re-showing.
    private func page(
        _ req: Request, values: [String: String], errors: [FieldError], shownAt: String?, status: HTTPStatus,
        notice: String? = nil
    ) async throws -> Response {
        let key = req.application.signingKey
        let firstShown =
            SelfReferralService.ShownAt.read(shownAt, key: key) != nil
            ? shownAt! : SelfReferralService.ShownAt.make(key: key)
        func choices(_ options: [(value: String, label: String)], _ key: String) -> [Choice] {
            options.map { Choice(value: $0.value, label: $0.label, selected: values[key] == $0.value) }
        }
        let context = Context(
            title: errors.isEmpty ? "Ask for support" : "Error: Ask for support", errors: errors,
            fieldErrors: Dictionary(errors.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a }),
            values: values, shownAt: firstShown,
            groups: choices(SelfReferralService.offenceGroups, "offenceGroup"),
            reported: choices(SelfReferralService.reportedAnswers, "reportedToPolice"),
            methods: choices(SelfReferralService.contactMethods, "preferredContact"),
            languages: choices(Language.all.map { ($0.code, "\($0.nativeName) (\($0.englishName))") }, "language"),
            thanked: false, notice: notice)
        let response = try await req.view.render("Public/selfReferral", context).encodeResponse(
            status: status, for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
