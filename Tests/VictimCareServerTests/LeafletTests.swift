import Foundation
import Testing
import Vapor
import VaporTesting

@testable import VictimCareServer

@Suite struct LeafletTests {
    @Test func theLeafletIsPublicInTheChosenLanguageRightToLeftWhereNeeded() async throws {
        try await withTestApp { app in
            let arabic = try await app.testing().sendRequest(.GET, "/leaflet?lang=ar")
            #expect(arabic.status == .ok)
            #expect(arabic.headers.first(name: .contentLanguage) == "ar")
            let page = arabic.body.string
            #expect(page.contains("<html lang=\"ar\" dir=\"rtl\">"))
            #expect(page.contains("حقوقك بصفتك ضحية جريمة") && page.contains("ar-2026.11.2"))
            #expect(page.components(separatedBy: "<li><strong>").count - 1 == 12, "the twelve rights")
            for code in ["en", "cy", "pl", "ro", "ar", "ur", "bn", "so", "pt", "es", "tr", "fr"] {
                #expect(page.contains("hreflang=\"\(code)\""), "a link to \(code)")
            }
            #expect(page.contains(">English</a>") && page.contains(">العربية</a>"))
            #expect(!page.contains("right.1.title") && !page.contains("next.heading"), "never a key's name")
        }
    }

    @Test func theBrowsersLanguageChoosesWhenTheVictimHasNot() async throws {
        try await withTestApp { app in
            let polish = try await app.testing().sendRequest(
                .GET, "/leaflet", headers: ["Accept-Language": "xx-XX, pl-PL;q=0.9, en;q=0.5"])
            #expect(polish.body.string.contains("<html lang=\"pl\" dir=\"ltr\">"))
            let unknown = try await app.testing().sendRequest(.GET, "/leaflet?lang=zz")
            #expect(unknown.body.string.contains("<html lang=\"en\" dir=\"ltr\">"))
            #expect(unknown.body.string.contains("Your rights as a victim of crime"))
        }
    }
}
