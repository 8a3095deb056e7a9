import Fluent
import Foundation

/// A supervisor's decision that a duty is not owed in this case, with the reason.
final class ObligationWaiver: Model, @unchecked Sendable {
    static let schema = "obligation_waivers"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "obligation_key") var obligationKey: String
    @Field(key: "reason") var reason: String
    @OptionalField(key: "by_user_id") var byUserID: UUID?
    @Field(key: "by_name") var byName: String
    @Field(key: "at") var at: Date

    init() {}
}
