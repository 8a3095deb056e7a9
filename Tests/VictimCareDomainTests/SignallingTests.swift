import Testing

@testable import VictimCareDomain

/// Issue 16, item 3: each side of a call says only what it may.
@Suite struct SignallingTests {
    @Test func eachSideSaysOnlyWhatItMay() {
        #expect(Signalling.check(#"{"type":"admit"}"#, from: .officer) == "admit")
        #expect(Signalling.check(#"{"type":"admit"}"#, from: .victim) == nil, "a victim cannot let themselves in")
        #expect(Signalling.check(#"{"type":"offer","sdp":"v=0"}"#, from: .victim) == nil)
        #expect(Signalling.check(#"{"type":"answer","sdp":"v=0"}"#, from: .victim) == "answer")
        #expect(Signalling.check(#"{"type":"candidate","candidate":{}}"#, from: .officer) == "candidate")
        #expect(Signalling.check("not json", from: .officer) == nil)
        #expect(Signalling.check(#"["admit"]"#, from: .officer) == nil)
        #expect(Signalling.check(#"{"kind":"offer"}"#, from: .officer) == nil)
        let huge = #"{"type":"offer","sdp":""# + String(repeating: "a", count: Signalling.maxBytes) + #""}"#
        #expect(Signalling.check(huge, from: .officer) == nil)
        #expect(Signalling.Role.victim.other == .officer)
    }
}
