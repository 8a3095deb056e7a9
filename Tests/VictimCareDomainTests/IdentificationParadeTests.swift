import Foundation
import Testing

@testable import VictimCareDomain

/// PACE Code D, Annex A, as rules.
@Suite struct IdentificationParadeTests {
    typealias P = IdentificationParade
    static let suspect = P.Descriptor(
        ageBand: "26-35", sex: "male", ethnicity: "white_british", build: "slim", hair: "short dark")

    static func foils(_ n: Int, ageBand: String = "26-35") -> [P.Descriptor] {
        (0..<n).map { _ in
            P.Descriptor(ageBand: ageBand, sex: "male", ethnicity: "white_british", build: "medium", hair: "short")
        }
    }

    @Test func eightFoilsForOneSuspectTwelveForTwo() {
        #expect(P.problems(suspects: [Self.suspect], foils: Self.foils(8)).isEmpty)
        #expect(P.problems(suspects: [Self.suspect], foils: Self.foils(7)).contains { $0.contains("At least 8") })
        #expect(
            P.problems(suspects: [Self.suspect, Self.suspect], foils: Self.foils(11)).contains {
                $0.contains("At least 12")
            })
        #expect(P.problems(suspects: [Self.suspect, Self.suspect], foils: Self.foils(12)).isEmpty)
        #expect(!P.problems(suspects: [], foils: Self.foils(8)).isEmpty)
    }

    @Test func foilsMustResembleTheSuspect() {
        var set = Self.foils(8)
        set[3].sex = "female"
        #expect(P.problems(suspects: [Self.suspect], foils: set).contains { $0.contains("Clip 4") })
        #expect(P.problems(suspects: [Self.suspect], foils: Self.foils(8, ageBand: "36-45")).isEmpty)
        #expect(!P.problems(suspects: [Self.suspect], foils: Self.foils(8, ageBand: "46-55")).isEmpty)
    }

    @Test func positionsAreAShuffleOfEveryClip() {
        var generator = SystemRandomNumberGenerator()
        let order = P.order(clips: 9, using: &generator)
        #expect(order.sorted() == Array(0..<9))
    }

    @Test func theIdentificationOfficerIsAnInspectorOrAboveAndIndependent() {
        #expect(P.officerProblem(rank: .sergeant, isInvestigating: false) != nil)
        #expect(P.officerProblem(rank: nil, isInvestigating: false) != nil)
        #expect(P.officerProblem(rank: .inspector, isInvestigating: true) != nil)
        #expect(P.officerProblem(rank: .chiefInspector, isInvestigating: false) == nil)
    }

    @Test func theAnswerOpensOnlyAfterTheWholeSetTwice() {
        var viewing = P.Viewing(clips: 9)
        for clip in 0..<9 { viewing.watched(clip: clip) }
        #expect(viewing.completePasses == 1)
        #expect(!viewing.answerUnlocked)
        for clip in 0..<8 { viewing.watched(clip: clip) }
        #expect(!viewing.answerUnlocked)
        viewing.watched(clip: 42)
        #expect(!viewing.answerUnlocked)
        viewing.watched(clip: 8)
        #expect(viewing.answerUnlocked)
    }
}
