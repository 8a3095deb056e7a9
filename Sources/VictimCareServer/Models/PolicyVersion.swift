import Fluent
import Foundation
import VictimCareDomain

/// A version of the Victims' Code policy, in force from a date.
final class PolicyVersion: Model, @unchecked Sendable {
    static let schema = "policy_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "effective_from") var effectiveFrom: String
    /// The administrators' changes in force from this date (``PolicyAdjustments`` as JSON), applied to the
    /// rules table the code holds. Versions saved before 2026-11-30 held a whole policy; migration 0030
    /// rewrites them, and ``adjustments(from:)`` still reads one.
    @Field(key: "policy") var policyJSON: String
    @Field(key: "note") var note: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

extension PolicyVersion {
    /// The changes a stored version holds, from either form.
    static func adjustments(from json: String) throws -> PolicyAdjustments {
        let data = Data(json.utf8)
        let decoder = JSONDecoder()
        if let changes = try? decoder.decode(PolicyAdjustments.self, from: data) { return changes }
        do {
            return PolicyAdjustments(from: try decoder.decode(VictimsCodePolicy.self, from: data))
        } catch {
            throw DomainError.invalid("policy", "A saved policy version cannot be read: \(error)")
        }
    }
}
