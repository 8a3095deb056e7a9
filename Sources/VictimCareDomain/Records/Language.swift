/// A language a person may ask to be contacted in. Codes are ISO 639-1 where one exists.
public struct Language: Sendable, Hashable, Codable {
    public let code: String
    public let englishName: String
    public let nativeName: String
    public let rightToLeft: Bool

    public static let english = Language(code: "en", englishName: "English", nativeName: "English", rightToLeft: false)

    public static func named(_ code: String?) -> Language? {
        guard let code else { return nil }
        return byCode[code.lowercased()]
    }

    /// Languages widely spoken in London, plus Welsh and British Sign Language.
    public static let all: [Language] = [
        .english,
        Language(code: "cy", englishName: "Welsh", nativeName: "Cymraeg", rightToLeft: false),
        Language(code: "pl", englishName: "Polish", nativeName: "Polski", rightToLeft: false),
        Language(code: "ro", englishName: "Romanian", nativeName: "Română", rightToLeft: false),
        Language(code: "ar", englishName: "Arabic", nativeName: "العربية", rightToLeft: true),
        Language(code: "ur", englishName: "Urdu", nativeName: "اردو", rightToLeft: true),
        Language(code: "bn", englishName: "Bengali", nativeName: "বাংলা", rightToLeft: false),
        Language(code: "so", englishName: "Somali", nativeName: "Soomaali", rightToLeft: false),
        Language(code: "pt", englishName: "Portuguese", nativeName: "Português", rightToLeft: false),
        Language(code: "es", englishName: "Spanish", nativeName: "Español", rightToLeft: false),
        Language(code: "tr", englishName: "Turkish", nativeName: "Türkçe", rightToLeft: false),
        Language(code: "fr", englishName: "French", nativeName: "Français", rightToLeft: false),
        Language(code: "it", englishName: "Italian", nativeName: "Italiano", rightToLeft: false),
        Language(code: "lt", englishName: "Lithuanian", nativeName: "Lietuvių", rightToLeft: false),
        Language(code: "bg", englishName: "Bulgarian", nativeName: "Български", rightToLeft: false),
        Language(code: "gu", englishName: "Gujarati", nativeName: "ગુજરાતી", rightToLeft: false),
        Language(code: "pa", englishName: "Punjabi", nativeName: "ਪੰਜਾਬੀ", rightToLeft: false),
        Language(code: "ta", englishName: "Tamil", nativeName: "தமிழ்", rightToLeft: false),
        Language(code: "hi", englishName: "Hindi", nativeName: "हिन्दी", rightToLeft: false),
        Language(code: "fa", englishName: "Persian (Farsi)", nativeName: "فارسی", rightToLeft: true),
        Language(code: "ps", englishName: "Pashto", nativeName: "پښتو", rightToLeft: true),
        Language(code: "ti", englishName: "Tigrinya", nativeName: "ትግርኛ", rightToLeft: false),
        Language(code: "am", englishName: "Amharic", nativeName: "አማርኛ", rightToLeft: false),
        Language(code: "zh", englishName: "Chinese (Mandarin)", nativeName: "中文", rightToLeft: false),
        Language(code: "yue", englishName: "Chinese (Cantonese)", nativeName: "粵語", rightToLeft: false),
        Language(code: "vi", englishName: "Vietnamese", nativeName: "Tiếng Việt", rightToLeft: false),
        Language(code: "ru", englishName: "Russian", nativeName: "Русский", rightToLeft: false),
        Language(code: "uk", englishName: "Ukrainian", nativeName: "Українська", rightToLeft: false),
        Language(code: "sq", englishName: "Albanian", nativeName: "Shqip", rightToLeft: false),
        Language(code: "ku", englishName: "Kurdish", nativeName: "Kurdî", rightToLeft: false),
        Language(code: "tw", englishName: "Twi", nativeName: "Twi", rightToLeft: false),
        Language(code: "yo", englishName: "Yoruba", nativeName: "Yorùbá", rightToLeft: false),
        Language(code: "bfi", englishName: "British Sign Language", nativeName: "BSL", rightToLeft: false),
    ]

    private static let byCode: [String: Language] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
}
