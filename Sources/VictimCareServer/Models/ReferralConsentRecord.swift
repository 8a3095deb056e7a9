import Fluent
import Foundation
import VictimCareDomain

/// A change of a victim's referral consent: what, how it was given, when, by whom.
final class ReferralConsentRecord: Model, @unchecked Sendable {
    static let schema = "referral_consents"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "consent") var consent: String
    @Field(key: "method") var method: String
    @Field(key: "recorded_at") var recordedAt: Date
    @Field(key: "by_name") var byName: String

    init() {}
}
