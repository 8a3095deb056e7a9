import Foundation

/// The few statistics the dashboard shows, each with the method named so an analyst can check it: Wilson score
/// intervals for a rate, Katz's log interval for a ratio of two rates, a normal-approximation interval for a
/// difference of two rates, and the margin of error of a sample survey. All at 95%.
public enum Statistics {
    /// The 97.5th percentile of the standard normal distribution.
    public static let z95 = 1.959963984540054

    public struct Interval: Sendable, Equatable, Codable {
        public var low: Double
        public var high: Double

        public init(low: Double, high: Double) {
            self.low = low
            self.high = high
        }

        public func contains(_ x: Double) -> Bool { low <= x && x <= high }
    }

    /// Numerator over denominator; nil when nobody is counted.
    public static func rate(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator > 0 ? Double(numerator) / Double(denominator) : nil
    }

    /// The Wilson score interval for a proportion (it stays within 0–1 and behaves at 0 and n, unlike Wald's).
    public static func wilson(_ successes: Int, _ n: Int, z: Double = z95) -> Interval? {
        guard n > 0, successes >= 0, successes <= n else { return nil }
        let nn = Double(n)
        let p = Double(successes) / nn
        let z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z / (1 + z2 / nn) * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        return Interval(low: max(0, centre - half), high: min(1, centre + half))
    }

    public struct RateRatio: Sendable, Equatable, Codable {
        public var ratio: Double
        public var interval: Interval
        /// The interval excludes 1: the two rates differ at the 5% level.
        public var significant: Bool { !interval.contains(1) }
    }

    /// The ratio of a group's rate (a of n1) to a reference group's (c of n2), with Katz's log interval. Not
    /// estimable when either rate is zero (the logarithm is undefined); the page says so rather than guess.
    public static func rateRatio(_ a: Int, _ n1: Int, reference c: Int, _ n2: Int, z: Double = z95) -> RateRatio? {
        guard a > 0, c > 0, n1 > 0, n2 > 0, a <= n1, c <= n2 else { return nil }
        let ratio = (Double(a) / Double(n1)) / (Double(c) / Double(n2))
        let se = (1 / Double(a) - 1 / Double(n1) + 1 / Double(c) - 1 / Double(n2)).squareRoot()
        let l = log(ratio)
        return RateRatio(ratio: ratio, interval: Interval(low: exp(l - z * se), high: exp(l + z * se)))
    }

    public struct Difference: Sendable, Equatable, Codable {
        public var difference: Double
        public var interval: Interval
        public var significant: Bool { !interval.contains(0) }
    }

    /// The difference of two rates (a of n1 minus c of n2) with the normal-approximation (Wald) interval.
    public static func difference(_ a: Int, _ n1: Int, minus c: Int, _ n2: Int, z: Double = z95) -> Difference? {
        guard n1 > 0, n2 > 0, a >= 0, c >= 0, a <= n1, c <= n2 else { return nil }
        let p1 = Double(a) / Double(n1)
        let p2 = Double(c) / Double(n2)
        let se = (p1 * (1 - p1) / Double(n1) + p2 * (1 - p2) / Double(n2)).squareRoot()
        let d = p1 - p2
        return Difference(difference: d, interval: Interval(low: d - z * se, high: d + z * se))
    }

    /// The margin of error (half the 95% interval) of a proportion from a simple random sample of `n` out of a
    /// population of `population`, with the finite population correction; at p = 0.5 when p is not given.
    public static func marginOfError(n: Int, population: Int? = nil, p: Double = 0.5, z: Double = z95) -> Double? {
        guard n > 0 else { return nil }
        var moe = z * (p * (1 - p) / Double(n)).squareRoot()
        if let population, population > 1, population >= n {
            moe *= (Double(population - n) / Double(population - 1)).squareRoot()
        }
        return moe
    }
}

/// Small numbers are not shown, so that no one can be picked out of a breakdown by a characteristic.
public enum Disclosure {
    /// The smallest count shown: any group of fewer people, and any count of 1 to 9, is suppressed.
    public static let threshold = 10

    public struct Cell: Sendable, Equatable {
        public var numerator: Int
        public var denominator: Int

        public init(numerator: Int, denominator: Int) {
            self.numerator = numerator
            self.denominator = denominator
        }

        /// Suppressed on its own account: too few people, or a count small enough to point at someone: the
        /// count itself, or its complement (45 of 50 tells that 5 were missed; 2026-11-30, issue 12).
        public var primary: Bool {
            let missed = denominator - numerator
            return denominator < Disclosure.threshold || (numerator > 0 && numerator < Disclosure.threshold)
                || (missed > 0 && missed < Disclosure.threshold)
        }
    }

    /// Which cells of one breakdown to suppress. When exactly one cell is suppressed its figures could be worked
    /// out from the total and the others, so the next smallest cell is suppressed too (secondary suppression).
    public static func suppressed(_ cells: [Cell]) -> [Bool] {
        var hidden = cells.map(\.primary)
        if hidden.filter({ $0 }).count == 1,
            let next = cells.indices.filter({ !hidden[$0] }).min(by: {
                (cells[$0].denominator, $0) < (cells[$1].denominator, $1)
            })
        {
            hidden[next] = true
        }
        return hidden
    }
}
