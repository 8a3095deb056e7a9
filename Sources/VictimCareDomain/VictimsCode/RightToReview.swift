import Foundation

/// The police Victims' Right to Review scheme.
public enum RightToReview {
    public enum Eligibility: Sendable, Equatable {
        case eligible
        case notEligible(String)
    }

    /// Eligible when a suspect was interviewed under caution and the police decided not to prosecute, and no
    /// charge or out-of-court disposal followed.
    public static func eligibility(events: [CaseEventType]) -> Eligibility {
        let set = Set(events)
        if set.contains(.charged) { return .notEligible("A suspect was charged") }
        if set.contains(.outOfCourtDisposal) { return .notEligible("The suspect was given an out-of-court disposal") }
        guard set.contains(.decisionNotToProsecute) else {
            return .notEligible("There is no decision not to prosecute to review")
        }
        guard set.contains(.suspectInterviewed) else { return .notEligible("No suspect was interviewed under caution") }
        return .eligible
    }

    /// A request more than the policy's months after the victim was told needs a recorded reason.
    public static func requestNeedsReason(toldOn: LocalDate, requestedOn: LocalDate, policy: VictimsCodePolicy) -> Bool
    {
        requestedOn > toldOn.adding(months: policy.reviewRequestMonths)
    }

    /// The reviewer must be an Inspector (Detective Inspector) or above and not involved in the decision.
    public static func reviewerProblem(rank: String?, reviewerID: UUID, involved: Set<UUID>) -> String? {
        if !Rank.isInspectorOrAbove(rank) { return "The reviewer must be a Detective Inspector or above" }
        if involved.contains(reviewerID) { return "The reviewer must not have been involved in the original decision" }
        return nil
    }
}

extension LocalDate {
    /// The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb).
    public func adding(months: Int) -> LocalDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12
        let m = total % 12 + 1
        return LocalDate(year: y, month: m, day: min(day, LocalDate.daysIn(month: m, year: y)))!
    }
}
