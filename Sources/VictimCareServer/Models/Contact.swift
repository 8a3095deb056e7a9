import Fluent
import Foundation
import VictimCareDomain

/// One attempt to reach a victim (or their call to us), with the rule's decision and its reasons.
final class Contact: Model, @unchecked Sendable {
    static let schema = "contacts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "at") var at: Date
    /// `outbound` (we contacted them) or `inbound` (they contacted us).
    @Field(key: "direction") var direction: String
    @Field(key: "method") var methodCode: String
    @Field(key: "outcome") var outcomeCode: String
    @Field(key: "identity_verified") var identityVerified: Bool
    @Field(key: "welfare_checked") var welfareChecked: Bool
    @Field(key: "safe_to_speak") var safeToSpeak: Bool
    @Field(key: "preferred_method_used") var preferredMethodUsed: Bool
    @OptionalField(key: "contact_point_id") var contactPointID: UUID?
    @OptionalField(key: "contact_point_safe") var contactPointSafe: Bool?
    @Field(key: "successful") var successful: Bool
    @Field(key: "counts_as_update") var countsAsUpdate: Bool
    /// The rule's reasons, one per line.
    @Field(key: "reasons") var reasons: String
    @Field(key: "warnings") var warnings: String
    @OptionalField(key: "notes") var notes: String?
    @OptionalField(key: "by_user_id") var byUserID: UUID?
    @Field(key: "by_name") var byName: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    var method: ContactMethod? { ContactMethod(rawValue: methodCode) }
    var outcome: ContactOutcome? { ContactOutcome(rawValue: outcomeCode) }
}
