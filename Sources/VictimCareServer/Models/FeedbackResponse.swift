import Fluent
import Foundation

/// A victim's answers about one interaction.
final class FeedbackResponse: Model, @unchecked Sendable {
    static let schema = "feedback_responses"

    @ID(key: .id) var id: UUID?
    @Parent(key: "invitation_id") var invitation: FeedbackInvitation
    @Field(key: "submitted_at") var submittedAt: Date
    @Field(key: "satisfaction") var satisfaction: Int
    @Field(key: "fair_and_respectful") var fairAndRespectful: String
    @Field(key: "kept_informed") var keptInformed: String
    @Field(key: "understood_next") var understoodNext: String
    @OptionalField(key: "comment") var comment: String?
    /// Asked after a video call only: would they recommend video response?
    @OptionalField(key: "would_recommend") var wouldRecommend: Bool?
    @Field(key: "language") var language: String

    init() {}
}
