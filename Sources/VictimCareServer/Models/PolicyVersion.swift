import Fluent
import Foundation

/// A version of the Victims' Code policy, in force from a date.
final class PolicyVersion: Model, @unchecked Sendable {
    static let schema = "policy_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "effective_from") var effectiveFrom: String
    @Field(key: "policy") var policyJSON: String
    @Field(key: "note") var note: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
