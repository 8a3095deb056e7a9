import Foundation
import VictimCareDomain

/// The translation catalogues (`Resources/Translations/{language}.json`): a key missing in a language falls back
/// to English, never to a blank or to the key's name; each catalogue carries its version, shown with the text.
struct Translations: Sendable {
    let catalogues: [String: [String: String]]

    static let fallback = "en"

    static func load(from directory: String) throws -> Translations {
        var catalogues: [String: [String: String]] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
            catalogues[String(file.dropLast(5))] = try JSONDecoder().decode([String: String].self, from: data)
        }
        guard catalogues[fallback] != nil else { throw TranslationsError.missingEnglish(directory) }
        return Translations(catalogues: catalogues)
    }

    enum TranslationsError: Error {
        case missingEnglish(String)
    }

    /// The language's catalogue if there is one, else English.
    func language(_ code: String?) -> Language {
        if let code, catalogues[code] != nil, let language = Language.named(code) { return language }
        return .english
    }

    func text(_ key: String, _ code: String, _ values: [String: String] = [:]) -> String {
        var text = catalogues[code]?[key].flatMap { $0.isEmpty ? nil : $0 } ?? catalogues[Self.fallback]?[key] ?? ""
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    func version(_ code: String) -> String {
        catalogues[code]?["_version"] ?? catalogues[Self.fallback]?["_version"] ?? ""
    }
}

/// The "Exit this page" control's words.
struct ExitWords: Encodable, Sendable {
    var label: String
    var hint: String
    var hidden: String
}

/// The leaflet's and the written confirmation's words in one language.
struct LeafletText: Sendable {
    struct Right: Encodable, Sendable {
        var number: Int
        var title: String
        var text: String
    }

    let language: Language
    let translations: Translations

    init(_ translations: Translations, _ code: String?) {
        self.translations = translations
        self.language = translations.language(code)
    }

    func t(_ key: String, _ values: [String: String] = [:]) -> String {
        translations.text(key, language.code, values)
    }

    var version: String { translations.version(language.code) }

    /// The words of the "Exit this page" control, in this language.
    var exit: ExitWords {
        ExitWords(label: t("common.exit"), hint: t("common.exit_hint"), hidden: t("common.exit_hidden"))
    }

    /// Every key under `prefix` (e.g. `case.`), for a page's template: the prefix dropped, dots as underscores
    /// (`case.dob.heading` is `t.dob_heading` in Leaf).
    func words(_ prefix: String) -> [String: String] {
        var words: [String: String] = [:]
        for key in (translations.catalogues[Translations.fallback] ?? [:]).keys where key.hasPrefix(prefix) {
            words[String(key.dropFirst(prefix.count)).replacingOccurrences(of: ".", with: "_")] = t(key)
        }
        return words
    }
    var rights: [Right] {
        (1...12).map { Right(number: $0, title: t("right.\($0).title"), text: t("right.\($0).text")) }
    }
}
