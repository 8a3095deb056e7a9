import Foundation
import Testing

@testable import VictimCareDomain

/// Expected values were computed with SciPy 1.17 (`binomtest(...).proportion_ci(method="wilson")`,
/// `scipy.stats.contingency.relative_risk(...).confidence_interval()`, `norm.ppf`), not with this code.
@Suite("Statistics")
struct StatisticsTests {
    private func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) < tolerance
    }

    @Test func wilsonIntervalsMatchSciPy() {
        let cases: [(Int, Int, Double, Double)] = [
            (45, 60, 0.6276792992295218, 0.8422347746994333),
            (0, 12, 0.0, 0.24249400665524085),
            (12, 12, 0.7575059933447592, 1.0),
            (1, 3, 0.06149194472039626, 0.7923403991979523),
        ]
        for (k, n, low, high) in cases {
            let ci = Statistics.wilson(k, n)
            #expect(close(ci?.low, low) && close(ci?.high, high), "\(k) of \(n): \(String(describing: ci))")
        }
        #expect(Statistics.wilson(0, 0) == nil)
        #expect(Statistics.wilson(5, 4) == nil)
    }

    @Test func rateRatiosMatchSciPysKatzInterval() {
        let a = Statistics.rateRatio(30, 50, reference: 120, 150)
        #expect(close(a?.ratio, 0.75) && close(a?.interval.low, 0.5899440032870502))
        #expect(close(a?.interval.high, 0.9534803250238363))
        #expect(a?.significant == true)
        let b = Statistics.rateRatio(7, 40, reference: 90, 100)
        #expect(close(b?.ratio, 0.19444444444444442) && close(b?.interval.low, 0.09890107645001175))
        #expect(close(b?.interval.high, 0.3822874667538984))
        // Equal rates: ratio 1, not significant.
        #expect(Statistics.rateRatio(20, 100, reference: 40, 200)?.significant == false)
        // A zero rate has no logarithm: not estimable rather than a made-up figure.
        #expect(Statistics.rateRatio(0, 50, reference: 10, 50) == nil)
    }

    @Test func differenceAndMarginOfError() {
        let d = Statistics.difference(40, 100, minus: 25, 100)
        #expect(close(d?.difference, 0.15) && close(d?.interval.low, 0.021850725876158883))
        #expect(close(d?.interval.high, 0.27814927412384116))
        #expect(d?.significant == true)
        #expect(close(Statistics.marginOfError(n: 200, population: 1000), 0.062010516243770644))
        #expect(close(Statistics.marginOfError(n: 100), 0.0979981992270027))
        #expect(Statistics.marginOfError(n: 0) == nil)
    }

    @Test func smallCellsAreSuppressedWithASecondCellWhenOneAloneWouldShow() {
        typealias C = Disclosure.Cell
        // Nothing small: nothing hidden. A count of zero is shown.
        #expect(
            Disclosure.suppressed([C(numerator: 0, denominator: 40), C(numerator: 30, denominator: 50)]) == [
                false, false,
            ])
        // Nine people in a group: hidden, and the next smallest with it, else the total would give it away.
        #expect(
            Disclosure.suppressed([
                C(numerator: 20, denominator: 100), C(numerator: 3, denominator: 9), C(numerator: 12, denominator: 30),
            ]) == [false, true, true])
        // A numerator of 1–9 in a big group is hidden too; two hidden need no third.
        #expect(
            Disclosure.suppressed([
                C(numerator: 9, denominator: 100), C(numerator: 0, denominator: 5), C(numerator: 12, denominator: 30),
            ]) == [true, true, false])
        // Exactly ten is shown.
        #expect(Disclosure.suppressed([C(numerator: 10, denominator: 10)]) == [false])
        // 45 of 50 tells that 5 were missed: the complement is a small count too.
        #expect(Disclosure.suppressed([C(numerator: 45, denominator: 50)]) == [true])
        #expect(Disclosure.suppressed([C(numerator: 40, denominator: 50)]) == [false])
    }
}
