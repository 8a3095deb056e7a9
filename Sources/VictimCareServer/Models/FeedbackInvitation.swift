import Fluent
import Foundation

/// An invitation to rate one interaction with an officer; one response at most.
final class FeedbackInvitation: Model, @unchecked Sendable {
    static let schema = "feedback_invitations"

    enum Source: String, Sendable {
        case contact, statement
        /// The 6–12 week satisfaction survey; `source_id` is the invitation's own.
        case survey
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "source") var sourceCode: String
    @Field(key: "source_id") var sourceID: UUID
    @OptionalField(key: "officer_id") var officerID: UUID?
    @Field(key: "officer_name") var officerName: String
    @OptionalField(key: "team_id") var teamID: UUID?
    @Field(key: "command_unit_id") var commandUnitID: UUID
    @Field(key: "channel") var channelCode: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "responded_at") var respondedAt: Date?

    init() {}
}
