import Fluent
import Foundation

/// A victim's request for a review of a decision not to prosecute (Victims' Right to Review).
final class ReviewRequest: Model, @unchecked Sendable {
    static let schema = "review_requests"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Parent(key: "decision_event_id") var decision: CaseEvent
    /// The local date the victim was told of the decision.
    @Field(key: "told_on") var toldOn: String
    @Field(key: "requested_at") var requestedAt: Date
    @OptionalField(key: "late_reason") var lateReason: String?
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "completed_at") var completedAt: Date?
    /// `upheld` (the decision stands) or `overturned`.
    @OptionalField(key: "outcome") var outcome: String?
    @OptionalField(key: "reviewer_id") var reviewerID: UUID?
    @Field(key: "recorded_by_name") var recordedByName: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}
