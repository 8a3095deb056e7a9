import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 17: an assessment's answers are written as JSON by hand. The text is the one `JSONEncoder` writes (its
/// keys, their order, the answers left out, its escapes), and `JSONDecoder` reads back the same assessment.
@Suite struct NeedsAssessmentJSONTests {
    /// Text with every character JSON escapes, and what real notes bring: quotes, slashes, other scripts, emoji.
    static let texts: [String] = [
        "", "en", "He said \"don't call after 6pm\" / text instead \\ ok",
        String((0..<0x20).map { Character(UnicodeScalar(UInt8($0))) }) + "\u{7F}",
        "Żółć محمد 王小明 Ирина — 👩🏽‍⚕️ e\u{301}", String(repeating: "Lives with the suspect's mother.\n", count: 120),
    ]

    static func assessment(_ random: inout SeededRandom) -> NeedsAssessment {
        func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
        func text() -> String { texts.randomElement(using: &random)! }
        var a = NeedsAssessment(
            questionSetVersion: Bool.random(using: &random) ? NeedsAssessment.currentVersion : text(),
            language: text(), interpreterNeeded: Bool.random(using: &random), communicationNeeds: maybe(text()),
            accessNeeds: maybe(text()), feelsSafe: maybe(Bool.random(using: &random)),
            suspectHasAccessToContactPoints: Bool.random(using: &random), safetyNotes: maybe(text()),
            supportWanted: maybe(Bool.random(using: &random)),
            referralConsent: ReferralConsent.allCases.randomElement(using: &random)!,
            bereavedRelative: Bool.random(using: &random), persistentlyTargeted: Bool.random(using: &random),
            vulnerability: Set(VulnerabilityFactor.allCases.filter { _ in Int.random(in: 0..<4, using: &random) == 0 }),
            intimidated: Bool.random(using: &random))
        a.suspectKnown = maybe(Bool.random(using: &random))
        a.unanswered = maybe(NeedsQuestion.allCases.filter { _ in Bool.random(using: &random) })
        return a
    }

    /// The same keys with the same values as the encoder's text (which lists keys, and a set's members, in the
    /// order its dictionaries hold them: not the same from one process to the next), and the same assessment read
    /// back by `JSONDecoder`.
    @Test func theTextHoldsWhatTheEncodersDoesAndReadsBackTheSame() throws {
        var random = SeededRandom(seed: 2026_12_04)
        func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        for _ in 0..<3_000 {
            let a = Self.assessment(&random)
            let text = a.json
            #expect(try JSONDecoder().decode(NeedsAssessment.self, from: Data(text.utf8)) == a)
            let ours = try object(text)
            let theirs = try object(String(decoding: try JSONEncoder().encode(a), as: UTF8.self))
            #expect(Set(ours.keys) == Set(theirs.keys), "\(text)")
            for (key, value) in theirs {
                switch (value, ours[key]) {
                case (let expected as String, let found as String): #expect(found == expected, "\(key)")
                case (let expected as [String], let found as [String]) where key == "vulnerability":
                    #expect(Set(found) == Set(expected) && found.count == expected.count)
                case (let expected as [String], let found as [String]): #expect(found == expected, "\(key)")
                case (let expected as NSNumber, let found as NSNumber): #expect(found == expected, "\(key)")
                default: Issue.record("\(key): \(value) against \(String(describing: ours[key]))")
                }
            }
        }
    }

    /// Keys in declaration order and the escapes the encoder uses, so the stored text no longer varies by process.
    @Test func theTextIsInAFixedOrder() {
        var a = NeedsAssessment(safetyNotes: "a/b \"c\"\n\u{1}")
        a.unanswered = [.feelsSafe]
        #expect(
            a.json
                == #"{"questionSetVersion":"VNA-2025.1","language":"en","interpreterNeeded":false,"#
                + #""suspectHasAccessToContactPoints":false,"safetyNotes":"a\/b \"c\"\n\u0001","referralConsent":"not_asked","#
                + #""bereavedRelative":false,"persistentlyTargeted":false,"vulnerability":[],"intimidated":false,"#
                + #""unanswered":["feels_safe"]}"#)
    }

    @Test func factorsAreListedInTheirDeclaredOrder() {
        let a = NeedsAssessment(vulnerability: [.other, .mentalDisorder, .section16])
        #expect(a.json.contains(#""vulnerability":["mental_disorder","section_16","other"]"#))
        #expect(NeedsAssessment().json.contains(#""vulnerability":[]"#))
        #expect(!NeedsAssessment().json.contains("unanswered"))
    }
}
