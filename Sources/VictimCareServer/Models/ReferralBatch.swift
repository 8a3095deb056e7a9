import Fluent
import Foundation
import VictimCareDomain

/// One batch of the daily transfer. Its members are fixed when it is made; delivering it again (after a crash,
/// or by an administrator) sends the same members under the same id.
final class ReferralBatch: Model, @unchecked Sendable {
    static let schema = "referral_batches"

    @ID(key: .id) var id: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "state") var state: String
    @Field(key: "victims") var victims: Int
    @Field(key: "schema_version") var schemaVersion: String
    @OptionalField(key: "destination") var destination: String?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    /// The first delivery: when its members were sent (their own rows are not written; `ReferralSent`).
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// When a delivery first began reading its members into files: from then on none of them is withdrawn.
    @OptionalField(key: "delivery_started_at") var deliveryStartedAt: Date?
    @OptionalField(key: "sha256") var sha256: String?
    /// When the victims it carried had their obligations worked out after it was delivered.
    @OptionalField(key: "recomputed_at") var recomputedAt: Date?
    @Field(key: "deliveries") var deliveries: Int
    @Field(key: "created_by_name") var createdByName: String

    init() {}
}
