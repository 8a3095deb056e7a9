import Foundation

/// The police Victims' Right to Review scheme.
public enum RightToReview {
    public enum Eligibility: Sendable, Equatable {
        case eligible
        case notEligible(String)
    }

    /// A case event as eligibility reads it: what happened, when, and its id.
    public struct Event: Sendable, Equatable {
        public var type: CaseEventType
        public var at: Double
        public var id: String

        public init(_ type: CaseEventType, at: Double, id: String = "") {
            self.type = type
            self.at = at
            self.id = id
        }
    }

    /// Eligible when a suspect was interviewed under caution and afterwards the police decided not to
    /// prosecute or released them with no further action, with no charge or out-of-court disposal, and the
    /// victim had not withdrawn their support before that decision. The decision to review is the latest such
    /// event (2026-11-30, issue 14: a release with no further action needed a separate decision event, and a
    /// victim who withdrew support was eligible).
    public static func decide(events: [Event], withdrewSupportAt: Double?) -> (
        eligibility: Eligibility, decision: Event?
    ) {
        let ordered = events.sorted { $0.at < $1.at }
        if ordered.contains(where: { $0.type == .charged }) { return (.notEligible("A suspect was charged"), nil) }
        if ordered.contains(where: { $0.type == .outOfCourtDisposal }) {
            return (.notEligible("The suspect was given an out-of-court disposal"), nil)
        }
        guard let interview = ordered.first(where: { $0.type == .suspectInterviewed }) else {
            return (.notEligible("No suspect was interviewed under caution"), nil)
        }
        guard
            let decision = ordered.last(where: {
                ($0.type == .decisionNotToProsecute || $0.type == .releasedNFA) && $0.at >= interview.at
            })
        else {
            return (.notEligible("There is no decision not to prosecute or release without charge to review"), nil)
        }
        if let withdrew = withdrewSupportAt, withdrew <= decision.at {
            return (.notEligible("The victim withdrew their support before the decision"), nil)
        }
        return (.eligible, decision)
    }

    /// Eligibility from event types alone, in the order given (each a second after the one before).
    public static func eligibility(events: [CaseEventType], withdrewSupport: Bool = false) -> Eligibility {
        let timed = events.enumerated().map { Event($0.element, at: Double($0.offset + 1)) }
        return decide(events: timed, withdrewSupportAt: withdrewSupport ? 0 : nil).eligibility
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
    /// Past either end of the calendar (year 1, year 9999), the end itself.
    public func adding(months: Int) -> LocalDate {
        let (total, overflow) = (year * 12 + (month - 1)).addingReportingOverflow(months)
        let y = total / 12
        guard !overflow, y >= 1 else {
            return months < 0 ? LocalDate(year: 1, month: 1, day: 1)! : LocalDate(year: 9999, month: 12, day: 31)!
        }
        let m = total % 12 + 1
        return LocalDate(year: y, month: m, day: min(day, LocalDate.daysIn(month: m, year: y)))
            ?? LocalDate(year: 9999, month: 12, day: 31)!
    }
}
