import Fluent
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import Vapor
import VictimCareDomain

/// The Victim Information leaflet: the twelve rights in plain words, what happens next, support, feedback
/// and complaints, in the reader's language (chosen, or from the browser's Accept-Language), phone-first,
/// with a print layout. Public: a victim needs no account to read their rights. A victim's own link (`/l/…`)
/// shows the same leaflet in their recorded language with their crime reference and officer in the case, and
/// counts as opened (or scanned, when it was given as a QR code).
struct LeafletController: RouteCollection {
    /// The public leaflet is the same for everyone in a language until the catalogues change, which needs a
    /// restart: each language is rendered once and served from memory (not in development, where templates
    /// are re-read on every request).
    final class PageCache: @unchecked Sendable {
        private let lock = NIOLock()
        private var pages: [String: ByteBuffer] = [:]

        func page(_ language: String) -> ByteBuffer? { lock.withLock { pages[language] } }
        func store(_ language: String, _ body: ByteBuffer) { lock.withLock { pages[language] = body } }
    }

    let cache = PageCache()

    func boot(routes: any RoutesBuilder) throws {
        routes.get("leaflet", use: show).access(.open("the public leaflet"))
        routes.get("l", ":secret", use: personal).access(.open("the victim's own leaflet link"))
    }

    struct Personal: Encodable {
        var heading: String
        var referenceLabel: String
        var reference: String
        var officerLabel: String
        var officer: String
        var caseLink: String?
        var caseLinkText: String
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
        var exit: ExitWords
        var basePath: String
        var personal: Personal?
    }

    @Sendable func show(req: Request) async throws -> Response {
        let translations = req.application.translations
        let chosen = (try? req.query.get(String.self, at: "lang")) ?? Self.preferred(req, translations)
        let text = LeafletText(translations, chosen)
        let cacheable = req.application.environment != .development
        if cacheable, let body = cache.page(text.language.code) {
            return Self.respond(body, language: text.language.code)
        }
        let response = try await render(req, text, basePath: "/leaflet", personal: nil)
        if cacheable, let body = response.body.buffer { cache.store(text.language.code, body) }
        return response
    }

    private static func respond(_ body: ByteBuffer, language: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .contentLanguage, value: language)
        headers.replaceOrAdd(name: .vary, value: "Accept-Language")
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }

    @Sendable func personal(req: Request) async throws -> Response {
        let secret = req.parameters.get("secret") ?? ""
        switch try await VictimLinkService.find(secret: secret, purposes: [.leaflet], on: req.db) {
        case .unknown:
            throw Abort(.notFound, reason: "This link is not valid. The leaflet is at /leaflet")
        case .expired:
            throw Abort(.gone, reason: "This link has expired. The leaflet is at /leaflet")
        case .valid(let link):
            try await VictimLinkService.recordOpen(link, on: req.db)
            let facts = try await LeafletFacts.load(link, on: req.db)
            let chosen = (try? req.query.get(String.self, at: "lang")) ?? facts.language
            let text = LeafletText(req.application.translations, chosen)
            let personal = Personal(
                heading: text.t("personal.heading"), referenceLabel: text.t("label.reference"),
                reference: facts.reference, officerLabel: text.t("label.officer"),
                officer: facts.officer ?? text.t("officer.not_allocated"), caseLink: nil,
                caseLinkText: text.t("case.link_text"))
            return try await render(req, text, basePath: "/l/\(secret)", personal: personal)
        }
    }

    private func render(_ req: Request, _ text: LeafletText, basePath: String, personal: Personal?) async throws
        -> Response
    {
        let languages = Self.languages(req, current: text.language)
        let context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", title: text.t("leaflet.subject"),
            nextHeading: text.t("next.heading"), nextText: text.t("next.text"),
            rightsHeading: text.t("rights.heading"), rights: text.rights, supportHeading: text.t("support.heading"),
            support: text.t("support"), contactLine: text.t("contact_line"),
            feedbackHeading: text.t("feedback.heading"),
            feedbackText: text.t("feedback.text"), complaintHeading: text.t("complaint.heading"),
            complaint: text.t("complaint"), languagesHeading: text.t("languages.heading"), languages: languages,
            versionLabel: text.t("version.label"), version: text.version, exit: text.exit, basePath: basePath,
            personal: personal)
        let response = try await req.view.render("Public/leaflet", context).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        response.headers.replaceOrAdd(name: .vary, value: "Accept-Language")
        return response
    }

    /// The languages with a catalogue, as links to the same page in each.
    static func languages(_ req: Request, current: Language) -> [Context.LanguageLink] {
        let translations = req.application.translations
        return Language.all.filter { translations.catalogues[$0.code] != nil }.map {
            Context.LanguageLink(
                code: $0.code, name: $0.nativeName, dir: $0.rightToLeft ? "rtl" : "ltr", current: $0 == current)
        }
    }

    /// The first language in Accept-Language that has a catalogue.
    static func preferred(_ req: Request, _ translations: Translations) -> String? {
        guard let header = req.headers.first(name: .acceptLanguage) else { return nil }
        let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let tag = pieces.first, !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (tag.split(separator: "-").first.map { String($0).lowercased() } ?? "", q)
        }
        return ranked.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map(\.0)
            .first { translations.catalogues[$0] != nil }
    }
}

/// What a victim's own leaflet shows about their case: the reference and the officer in the case, nothing else.
struct LeafletFacts: Sendable {
    var language: String
    var reference: String
    var officer: String?

    /// One query: the person's language, the crime's reference, the officer in the case and their unit.
    static func load(_ link: VictimLink, on db: any Database) async throws -> LeafletFacts {
        guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
        let rows = try await FastRows.query(
            """
            SELECT p.language, c.reference, u.rank, u.display_name, cu.name
            FROM victims v JOIN persons p ON p.id = v.person_id JOIN crimes c ON c.id = v.crime_id
            JOIN command_units cu ON cu.id = c.command_unit_id LEFT JOIN users u ON u.id = c.officer_in_case_id
            WHERE v.id = ?
            """, [.uuid(link.$victim.id)], on: sql)
        guard let row = rows.first else { throw DomainError.notFound("victim") }
        return LeafletFacts(
            language: row.string(0) ?? "en", reference: row.string(1) ?? "",
            officer: row.string(3).map { name in
                ["\(row.string(2).map { $0 + " " } ?? "")\(name)", row.string(4)].compactMap { $0 }.joined(
                    separator: ", ")
            })
    }
}
