import Fluent
import Foundation

/// An interview shared with a named prosecutor until a time, to view or also to download. Revoking it ends
/// it at once on every node: each request reads the share from the database.
final class EvidenceShare: Model, @unchecked Sendable {
    static let schema = "evidence_shares"

    @ID(key: .id) var id: UUID?
    @Parent(key: "interview_id") var interview: Interview
    @Parent(key: "user_id") var user: User
    @Field(key: "may_download") var mayDownload: Bool
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revoked_by_name") var revokedByName: String?
    @OptionalField(key: "by_id") var byID: UUID?
    @Field(key: "by_name") var byName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    func isActive(at now: Date = Date()) -> Bool { revokedAt == nil && expiresAt > now }
}
