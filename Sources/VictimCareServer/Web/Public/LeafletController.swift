import Vapor
import VictimCareDomain

/// The Victim Information leaflet: the twelve rights in plain words, what happens next, support, feedback
/// and complaints, in the reader's language (chosen, or from the browser's Accept-Language), phone-first,
/// with a print layout. Public: a victim needs no account to read their rights.
struct LeafletController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("leaflet", use: show)
    }

    struct Context: Encodable {
        struct LanguageLink: Encodable {
            var code: String
            var name: String
            var dir: String
            var current: Bool
        }
        var lang: String
        var dir: String
        var title: String
        var nextHeading: String
        var nextText: String
        var rightsHeading: String
        var rights: [LeafletText.Right]
        var supportHeading: String
        var support: String
        var contactLine: String
        var feedbackHeading: String
        var feedbackText: String
        var complaintHeading: String
        var complaint: String
        var languagesHeading: String
        var languages: [LanguageLink]
        var versionLabel: String
        var version: String
    }

    @Sendable func show(req: Request) async throws -> Response {
        let translations = req.application.translations
        let chosen = (try? req.query.get(String.self, at: "lang")) ?? Self.preferred(req, translations)
        let text = LeafletText(translations, chosen)
        let languages = Language.all.filter { translations.catalogues[$0.code] != nil }.map {
            Context.LanguageLink(
                code: $0.code, name: $0.nativeName, dir: $0.rightToLeft ? "rtl" : "ltr", current: $0 == text.language)
        }
        let context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", title: text.t("leaflet.subject"),
            nextHeading: text.t("next.heading"), nextText: text.t("next.text"),
            rightsHeading: text.t("rights.heading"), rights: text.rights, supportHeading: text.t("support.heading"),
            support: text.t("support"), contactLine: text.t("contact_line"),
            feedbackHeading: text.t("feedback.heading"),
            feedbackText: text.t("feedback.text"), complaintHeading: text.t("complaint.heading"),
            complaint: text.t("complaint"), languagesHeading: text.t("languages.heading"), languages: languages,
            versionLabel: text.t("version.label"), version: text.version)
        let response = try await req.view.render("Public/leaflet", context).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        response.headers.replaceOrAdd(name: .vary, value: "Accept-Language")
        return response
    }

    /// The first language in Accept-Language that has a catalogue.
    static func preferred(_ req: Request, _ translations: Translations) -> String? {
        guard let header = req.headers.first(name: .acceptLanguage) else { return nil }
        let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag.split(separator: "-").first.map { String($0).lowercased() } ?? "", q)
        }
        return ranked.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map(\.0)
            .first { translations.catalogues[$0] != nil }
    }
}
