import Fluent
import Foundation
import VictimCareDomain

/// One email, text message or letter to a victim, from the moment it is asked for until it is sent (or held,
/// refused or given up on). The idempotency key makes asking twice the same as asking once.
final class OutboundMessage: Model, @unchecked Sendable {
    static let schema = "messages"

    enum Status: String, Sendable {
        case queued, sending, sent, held, refused, dead
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "idempotency_key") var idempotencyKey: String
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "crime_id") var crimeID: UUID
    @OptionalField(key: "contact_point_id") var contactPointID: UUID?
    @Field(key: "channel") var channelCode: String
    @Field(key: "purpose") var purpose: String
    @Field(key: "language") var language: String
    @Field(key: "recipient") var recipient: String
    @Field(key: "subject") var subject: String
    @Field(key: "body_text") var bodyText: String
    @OptionalField(key: "body_html") var bodyHTML: String?
    @Field(key: "status") var statusCode: String
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "claimed_by") var claimedBy: String?
    @OptionalField(key: "claimed_at") var claimedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "provider") var provider: String?
    @OptionalField(key: "provider_reference") var providerReference: String?
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// The personal link (or one-time code) the message carries; its secret exists only in the sent message.
    @OptionalField(key: "link_id") var linkID: UUID?

    init() {}

    var status: Status { Status(rawValue: statusCode) ?? .queued }
    var channel: MessageChannel { MessageChannel(rawValue: channelCode) ?? .email }
}
