import Foundation
import Testing
import VictimCareDomain

@testable import VictimCareServer

@Suite struct TranslationsTests {
    static let catalogues = try! Translations.load(from: "Resources/Translations")

    @Test func twelveLanguagesEachWithEveryKeyAndAVersion() throws {
        let english = try #require(Self.catalogues.catalogues["en"])
        #expect(Self.catalogues.catalogues.count >= 12)
        for code in ["en", "cy", "pl", "ro", "ar", "ur", "bn", "so", "pt", "es", "tr"] {
            let catalogue = try #require(Self.catalogues.catalogues[code], "\(code)")
            #expect(Set(catalogue.keys) == Set(english.keys), "\(code) has exactly the English keys")
            #expect(catalogue.values.allSatisfy { !$0.isEmpty }, "\(code) has no blanks")
            #expect(Self.catalogues.version(code).hasPrefix("\(code)-"))
        }
    }

    @Test func aMissingKeyFallsBackToEnglishNeverToItsName() {
        let t = Translations(catalogues: [
            "en": ["greeting": "Dear {name},", "footer": "Sent by the police."],
            "cy": ["greeting": "Annwyl {name},", "footer": ""],
        ])
        #expect(t.text("greeting", "cy", ["name": "Gwen"]) == "Annwyl Gwen,")
        #expect(t.text("footer", "cy") == "Sent by the police.", "a blank translation is a missing one")
        #expect(t.text("greeting", "zz", ["name": "Gwen"]) == "Dear Gwen,", "an unknown language is English")
        #expect(t.language("zz") == .english && t.language(nil) == .english)
        #expect(t.language("cy").code == "cy")
    }

    @Test func rightToLeftLanguagesAreMarked() {
        #expect(LeafletText(Self.catalogues, "ar").language.rightToLeft)
        #expect(LeafletText(Self.catalogues, "ur").language.rightToLeft)
        #expect(!LeafletText(Self.catalogues, "pl").language.rightToLeft)
        #expect(LeafletText(Self.catalogues, "ur").rights.count == 12)
    }
}
