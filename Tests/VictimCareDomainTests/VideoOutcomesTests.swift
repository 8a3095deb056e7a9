import Foundation
import Testing

@testable import VictimCareDomain

/// The comparison of video and in-person responses (issue 16, item 6). Expected intervals were computed with
/// SciPy 1.17 (`scipy.stats.contingency.relative_risk(a, n1, c, n2).confidence_interval()`), not with this code.
@Suite("Video response outcomes")
struct VideoOutcomesTests {
    private func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return false }
        return abs(a - b) < 1e-9
    }

    /// 40 video victims, 24 with an arrest and 3 who withdrew; 50 in person, 10 with an arrest and 10 withdrew.
    private func cases() -> [VideoOutcomes.Case] {
        var cases: [VideoOutcomes.Case] = []
        for i in 0..<40 {
            cases.append(
                .init(
                    arm: .video, unit: i % 2 == 0 ? "NA" : "SW", offenceGroup: "Violence against the person",
                    arrestOrInterview: i < 24, positiveOutcome: i < 12, withdrew: i >= 37,
                    satisfaction: i < 20 ? (i < 18 ? 5 : 2) : nil, wouldRecommend: i < 10 ? i != 0 : nil,
                    hoursToResponse: i < 30 ? Double(i + 1) : nil))
        }
        for i in 0..<50 {
            cases.append(
                .init(
                    arm: .inPerson, unit: "NA", offenceGroup: i < 25 ? "Theft" : "Violence against the person",
                    arrestOrInterview: i < 10, positiveOutcome: i < 4, withdrew: i >= 40,
                    satisfaction: i < 10 ? 4 : nil, hoursToResponse: i < 4 ? Double(10 * (i + 1)) : nil))
        }
        return cases
    }

    @Test func ratesAreComparedAsVideoOverInPersonWithKatzIntervalsThatMatchSciPy() {
        let s = VideoOutcomes.summarise(cases())
        #expect(s.victims == [.video: 40, .inPerson: 50])
        let arrests = s.comparison(.arrestOrInterview)
        #expect(arrests.video == .init(yes: 24, of: 40) && arrests.inPerson == .init(yes: 10, of: 50))
        #expect(close(arrests.ratio?.ratio, 2.9999999999999996))
        #expect(close(arrests.ratio?.interval.low, 1.6310675213545478))
        #expect(close(arrests.ratio?.interval.high, 5.517858630724125))
        #expect(arrests.ratio?.significant == true)
        let withdrawals = s.comparison(.withdrawal)
        #expect(withdrawals.video == .init(yes: 3, of: 40) && withdrawals.inPerson == .init(yes: 10, of: 50))
        #expect(close(withdrawals.ratio?.interval.low, 0.11055875383659887))
        #expect(close(withdrawals.ratio?.interval.high, 1.2719481282127845))
        #expect(withdrawals.ratio?.significant == false)
        // Satisfaction counts only those who answered: 18 of 20 against 10 of 10.
        #expect(s.comparison(.satisfaction).video == .init(yes: 18, of: 20))
        #expect(s.comparison(.satisfaction).inPerson == .init(yes: 10, of: 10))
        // Only video victims are asked whether they would recommend it: 9 of the 10 who answered.
        #expect(s.wouldRecommend == .init(yes: 9, of: 10))
        // Medians: 1…30 hours gives 15.5; 10, 20, 30, 40 gives 25.
        #expect(s.medianHours == [.video: 15.5, .inPerson: 25])
        #expect(s.videoResponses == 30)
    }

    @Test func aZeroRateOrAnEmptyArmIsNotEstimableRatherThanInvented() {
        let only = cases().filter { $0.arm == .video }
        let s = VideoOutcomes.summarise(only)
        #expect(s.comparisons.allSatisfy { $0.ratio == nil })
        #expect(s.victims[.inPerson] == 0 && s.medianHours[.inPerson] == nil)
        #expect(VideoOutcomes.summarise([]).comparisons.count == VideoOutcomes.Measure.allCases.count)
    }

    @Test func groupsAreSummarisedSeparatelyInNameOrder() {
        let byUnit = VideoOutcomes.byGroup(cases()) { $0.unit }
        #expect(byUnit.map(\.0) == ["NA", "SW"])
        #expect(byUnit[0].1.victims == [.video: 20, .inPerson: 50])
        #expect(byUnit[1].1.victims == [.video: 20, .inPerson: 0])
        let byGroup = VideoOutcomes.byGroup(cases()) { $0.offenceGroup }
        #expect(byGroup.map(\.0) == ["Theft", "Violence against the person"])
        #expect(byGroup[1].1.comparison(.arrestOrInterview).inPerson == .init(yes: 0, of: 25))
    }

    @Test func mediansAndTravelSaved() {
        #expect(VideoOutcomes.median([]) == nil)
        #expect(VideoOutcomes.median([3]) == 3)
        #expect(VideoOutcomes.median([4, 1, 3, 2]) == 2.5)
        let saved = VideoOutcomes.saved(responses: 30, minutesPerVisit: 70, milesPerVisit: 9.5)
        #expect(saved.hours == 35 && saved.miles == 285)
        let none = VideoOutcomes.saved(responses: 3, minutesPerVisit: -5, milesPerVisit: -1)
        #expect(none.hours == 0 && none.miles == 0)
    }
}
