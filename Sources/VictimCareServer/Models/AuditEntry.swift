import Fluent
import Foundation

/// One line of the append-only audit trail: who did what to which record, when, from where, and why.
/// The database refuses updates and deletes to this table (see the migration).
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_kind") var actorKind: String
    @Field(key: "actor_name") var actorName: String
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "action") var action: String
    @Field(key: "record_type") var recordType: String
    @OptionalField(key: "record_id") var recordID: UUID?
    /// What changed, by field name; never the values of personal data.
    @Field(key: "summary") var summary: String
    @OptionalField(key: "ip") var ip: String?
    @OptionalField(key: "reason") var reason: String?

    init() {}
}
