import Foundation
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

    @Test func theCursorReadsOnlyWhatIsNewAndWaitsBelowARowNotYetVisible() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        var cursor = SignalCursor(floor: 10, patience: 15)
        // 11 to 13 arrive in order: the next pass reads above 13.
        cursor.read([11, 12, 13], now: t0)
        #expect(cursor.floor == 13 && cursor.gaps.isEmpty)
        // 15 and 16 are visible before 14 (its transaction has not committed): the floor waits at 13.
        cursor.read([15, 16], now: t0.addingTimeInterval(0.1))
        #expect(cursor.floor == 13 && cursor.top == 16 && Array(cursor.gaps.keys) == [14])
        // The next pass reads 14 (and 15, 16 again, handled already): the floor moves past them all.
        cursor.read([14, 15, 16, 17], now: t0.addingTimeInterval(0.2))
        #expect(cursor.floor == 17 && cursor.gaps.isEmpty)
        // A row that never shows (a rolled-back insert) holds the floor only for the patience.
        cursor.read([19], now: t0.addingTimeInterval(1))
        #expect(cursor.floor == 17)
        cursor.read([19, 20], now: t0.addingTimeInterval(10))
        #expect(cursor.floor == 17)
        cursor.read([19, 20], now: t0.addingTimeInterval(16.5))
        #expect(cursor.floor == 20 && cursor.gaps.isEmpty)
        // Nothing new: nothing changes.
        cursor.read([], now: t0.addingTimeInterval(17))
        #expect(cursor.floor == 20)
        // A jump of thousands (rows purged while the node was idle) is not taken for rows in flight.
        cursor.read([50_000], now: t0.addingTimeInterval(18))
        #expect(cursor.floor == 50_000 && cursor.gaps.isEmpty)
    }
}
