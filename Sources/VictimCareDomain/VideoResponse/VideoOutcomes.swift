import Foundation

/// Issue 16, item 6: does video response work? Victims are compared by the response they chose (video or a
/// visit), on the measures Dorset Police reported for its trial: an arrest or a suspect interview, a positive
/// outcome (a charge or an out-of-court disposal), the victim withdrawing support, satisfaction, whether they
/// would recommend video response, and the time from the report to the response. Each rate is compared as video
/// over in person, a rate ratio with Katz's 95% interval (``Statistics/rateRatio(_:_:reference:_:z:)``).
///
/// Victims count in the arm they first chose, whether or not the response then happened and even if they later
/// asked for the other (intention to treat, as a trial would count them), so that a call that failed and was
/// followed by a visit is not quietly moved from the video side. Victims compared this way chose for themselves:
/// the comparison is observational, and the crime-level measures (an arrest, a charge) repeat for each victim of
/// a crime with several; a trial (allocation at random) is the stronger test.
public enum VideoOutcomes {
    public enum Arm: String, Sendable, CaseIterable {
        case video
        case inPerson = "in_person"

        public var label: String { self == .video ? "Video" : "In person" }
    }

    /// One victim who was offered the choice.
    public struct Case: Sendable, Equatable {
        public var arm: Arm
        public var unit: String
        public var offenceGroup: String
        /// A suspect was arrested or interviewed under caution in the crime.
        public var arrestOrInterview: Bool
        /// A suspect was charged or given an out-of-court disposal.
        public var positiveOutcome: Bool
        /// The victim no longer supports the investigation.
        public var withdrew: Bool
        /// The victim's latest satisfaction score (1–5), if they answered.
        public var satisfaction: Int?
        /// Their answer to "would you recommend a video call?", if asked and answered.
        public var wouldRecommend: Bool?
        /// Hours from the report to the first time an officer spoke to the victim by the chosen means (a video
        /// call or a visit), if they have.
        public var hoursToResponse: Double?

        public init(
            arm: Arm, unit: String, offenceGroup: String, arrestOrInterview: Bool, positiveOutcome: Bool,
            withdrew: Bool, satisfaction: Int? = nil, wouldRecommend: Bool? = nil, hoursToResponse: Double? = nil
        ) {
            self.arm = arm
            self.unit = unit
            self.offenceGroup = offenceGroup
            self.arrestOrInterview = arrestOrInterview
            self.positiveOutcome = positiveOutcome
            self.withdrew = withdrew
            self.satisfaction = satisfaction
            self.wouldRecommend = wouldRecommend
            self.hoursToResponse = hoursToResponse
        }
    }

    /// The measures compared as rates.
    public enum Measure: String, Sendable, CaseIterable {
        case arrestOrInterview = "arrest-or-interview"
        case positiveOutcome = "positive-outcome"
        case withdrawal
        case satisfaction

        public var label: String {
            switch self {
            case .arrestOrInterview: "Arrest or suspect interview"
            case .positiveOutcome: "Positive outcome (charge or out-of-court disposal)"
            case .withdrawal: "Victim withdrew support"
            case .satisfaction: "Satisfied (4 or 5), of those who answered"
            }
        }

        public var higherIsBetter: Bool { self != .withdrawal }

        /// Whether the victim counts in the denominator, and in the numerator.
        func count(_ c: Case) -> (counted: Bool, yes: Bool) {
            switch self {
            case .arrestOrInterview: (true, c.arrestOrInterview)
            case .positiveOutcome: (true, c.positiveOutcome)
            case .withdrawal: (true, c.withdrew)
            case .satisfaction: (c.satisfaction != nil, (c.satisfaction ?? 0) >= 4)
            }
        }
    }

    /// A count of victims with something, of victims counted.
    public struct Count: Sendable, Equatable {
        public var yes = 0
        public var of = 0

        public init(yes: Int = 0, of: Int = 0) {
            self.yes = yes
            self.of = of
        }

        public var rate: Double? { Statistics.rate(yes, of) }
    }

    public struct Comparison: Sendable, Equatable {
        public var measure: Measure
        public var video: Count
        public var inPerson: Count
        /// Video over in person; nil when either rate is zero or nobody is counted.
        public var ratio: Statistics.RateRatio?
    }

    public struct Summary: Sendable, Equatable {
        public var victims: [Arm: Int]
        public var comparisons: [Comparison]
        /// Video victims who would recommend it, of those who answered.
        public var wouldRecommend: Count
        /// Median hours from report to response, by arm.
        public var medianHours: [Arm: Double]
        /// Victims who had a video response (an officer spoke to them by video).
        public var videoResponses: Int

        public func comparison(_ m: Measure) -> Comparison { comparisons.first { $0.measure == m }! }
    }

    public static func summarise(_ cases: [Case]) -> Summary {
        var victims: [Arm: Int] = [.video: 0, .inPerson: 0]
        var counts: [Measure: [Arm: Count]] = [:]
        var recommend = Count()
        var hours: [Arm: [Double]] = [:]
        for c in cases {
            victims[c.arm, default: 0] += 1
            for m in Measure.allCases {
                let (counted, yes) = m.count(c)
                guard counted else { continue }
                counts[m, default: [:]][c.arm, default: Count()].of += 1
                if yes { counts[m, default: [:]][c.arm, default: Count()].yes += 1 }
            }
            if c.arm == .video, let r = c.wouldRecommend {
                recommend.of += 1
                if r { recommend.yes += 1 }
            }
            if let h = c.hoursToResponse { hours[c.arm, default: []].append(h) }
        }
        let comparisons = Measure.allCases.map { m -> Comparison in
            let v = counts[m]?[.video] ?? Count()
            let p = counts[m]?[.inPerson] ?? Count()
            return Comparison(
                measure: m, video: v, inPerson: p, ratio: Statistics.rateRatio(v.yes, v.of, reference: p.yes, p.of))
        }
        return Summary(
            victims: victims, comparisons: comparisons, wouldRecommend: recommend,
            medianHours: hours.compactMapValues(median), videoResponses: hours[.video]?.count ?? 0)
    }

    /// The summary of each group (a command unit, an offence group), in the group's name order.
    public static func byGroup(_ cases: [Case], _ key: (Case) -> String) -> [(String, Summary)] {
        Dictionary(grouping: cases, by: key).map { ($0.key, summarise($0.value)) }.sorted { $0.0 < $1.0 }
    }

    /// The middle value (the mean of the middle two when there is an even number); nil when there are none.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// What the video responses saved in officers' travel, at the force's own figures for a visit.
    public static func saved(responses: Int, minutesPerVisit: Int, milesPerVisit: Double) -> (
        hours: Double, miles: Double
    ) {
        (Double(responses * max(minutesPerVisit, 0)) / 60, Double(responses) * max(milesPerVisit, 0))
    }
}
