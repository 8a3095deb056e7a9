import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct TranslationsTests {
    static let catalogues = try! Translations.load(from: "Resources/Translations")

    @Test func twelveLanguagesEachWithEveryKeyAndAVersion() throws {
        let english = try #require(Self.catalogues.catalogues["en"])
        #expect(Self.catalogues.catalogues.count >= 12)
        for code in ["en", "cy", "pl", "ro", "ar", "ur", "bn", "so", "pt", "es", "tr", "fr"] {
            let catalogue = try #require(Self.catalogues.catalogues[code], "\(code)")
            #expect(Set(catalogue.keys) == Set(english.keys), "\(code) has exactly the English keys")
            #expect(catalogue.values.allSatisfy { !$0.isEmpty }, "\(code) has no blanks")
            #expect(Self.catalogues.version(code).hasPrefix("\(code)-"))
            // Every placeholder of the English survives the translation.
            for (key, text) in english {
                for placeholder in text.matches(of: /\{[a-z]+\}/).map({ String(text[$0.range]) }) {
                    #expect(catalogue[key]?.contains(placeholder) == true, "\(code) \(key) keeps \(placeholder)")
                }
            }
        }
    }

    /// Issue 13: a victim never sees a translation's version label ("…-draft"), on a page or in a message.
    @Test func victimsPagesAndMessagesDoNotShowTheVersionLabel() async throws {
        try await withTestApp { app in
            for code in ["en", "cy", "ar"] {
                let leaflet = try await app.testing().sendRequest(.GET, "/leaflet?lang=\(code)").body.string
                let referral = try await app.testing().sendRequest(.GET, "/support/refer?lang=\(code)").body.string
                for page in [leaflet, referral] {
                    let visible = page.replacingOccurrences(
                        of: #"<meta name="translation" content="[^"]*">"#, with: "", options: .regularExpression)
                    #expect(!visible.contains("-draft") && !visible.contains("2026.11"), "\(code)")
                }
                #expect(referral.contains(#"<html lang="\#(code)""#))
            }
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
