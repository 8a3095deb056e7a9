import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 16, item 3: each side of a call says only what it may.
@Suite struct SignallingTests {
    @Test func eachSideSaysOnlyWhatItMay() {
        func type(_ text: String, _ role: Signalling.Role) -> String? { Signalling.check(text, from: role)?.type }
        #expect(type(#"{"type":"admit"}"#, .officer) == "admit")
        #expect(type(#"{"type":"admit"}"#, .victim) == nil, "a victim cannot let themselves in")
        #expect(type(#"{"type":"offer","sdp":"v=0"}"#, .victim) == nil, "the victim does not offer to the officer")
        #expect(type(#"{"type":"answer","sdp":"v=0"}"#, .victim) == "answer")
        #expect(type(#"{"type":"candidate","candidate":{}}"#, .officer) == "candidate")
        #expect(type("not json", .officer) == nil)
        #expect(type(#"["admit"]"#, .officer) == nil)
        #expect(type(#"{"kind":"offer"}"#, .officer) == nil)
        let huge = #"{"type":"offer","sdp":""# + String(repeating: "a", count: Signalling.maxBytes) + #""}"#
        #expect(type(huge, .officer) == nil)
        #expect(Signalling.Role.victim.defaultRecipient == .officer)
        #expect(Signalling.Role.officer.defaultRecipient == .victim)
    }

    @Test func aThirdSideHasAConnectionToEachOfTheOthersAndAdmitsNobody() {
        func checked(_ text: String, _ role: Signalling.Role) -> Signalling.Checked? {
            Signalling.check(text, from: role)
        }
        // Each pair's connection is offered by the earlier side and answered by the later.
        #expect(checked(#"{"type":"offer","to":"guest","sdp":"v=0"}"#, .officer) == .init(type: "offer", to: .guest))
        #expect(checked(#"{"type":"offer","to":"guest","sdp":"v=0"}"#, .victim) == .init(type: "offer", to: .guest))
        #expect(checked(#"{"type":"answer","to":"victim","sdp":"v=0"}"#, .guest) == .init(type: "answer", to: .victim))
        #expect(checked(#"{"type":"answer","sdp":"v=0"}"#, .guest) == .init(type: "answer", to: .officer))
        #expect(checked(#"{"type":"offer","to":"victim","sdp":"v=0"}"#, .guest) == nil, "the guest never offers")
        #expect(checked(#"{"type":"answer","to":"guest","sdp":"v=0"}"#, .victim) == nil)
        // Only the officer admits, the victim or the guest; nobody sends to themselves or to a side that is not one.
        #expect(checked(#"{"type":"admit","to":"guest"}"#, .officer) == .init(type: "admit", to: .guest))
        #expect(checked(#"{"type":"admit","to":"victim"}"#, .guest) == nil, "a guest cannot let anyone in")
        #expect(checked(#"{"type":"admit","to":"guest"}"#, .victim) == nil, "nor can the victim")
        #expect(checked(#"{"type":"candidate","to":"guest","candidate":{}}"#, .guest) == nil)
        #expect(checked(#"{"type":"candidate","to":"suspect","candidate":{}}"#, .officer) == nil)
        #expect(checked(#"{"type":"candidate","to":7,"candidate":{}}"#, .officer) == nil)
        // A page cannot say who it is: the relay does.
        #expect(checked(#"{"type":"answer","from":"officer","sdp":"v=0"}"#, .guest) == nil)
        #expect(Signalling.stamped(#"{"type":"bye"}"#, from: .guest) == #"{"from":"guest","type":"bye"}"#)
        #expect(Signalling.stamped(" { } ", from: .victim) == #"{"from":"victim" } "#)
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
