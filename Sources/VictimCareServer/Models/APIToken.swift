import Fluent
import Foundation
import VictimCareDomain

/// A bearer token for an integration. Only its SHA-256 is stored; the token itself is shown once.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    /// The first characters, so an administrator can tell tokens apart without seeing them.
    @Field(key: "token_prefix") var tokenPrefix: String
    @Field(key: "role") var roleCode: String
    @OptionalParent(key: "command_unit_id") var commandUnit: CommandUnit?
    @OptionalField(key: "created_by_id") var createdByID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    /// After this the token is refused; a new one is issued instead (`API_TOKEN_DAYS`, `--days`).
    @OptionalField(key: "expires_at") var expiresAt: Date?

    init() {}

    init(
        id: UUID? = nil, name: String, tokenHash: String, tokenPrefix: String, role: Role, commandUnitID: UUID?,
        createdByID: UUID?
    ) {
        self.id = id
        self.name = name
        self.tokenHash = tokenHash
        self.tokenPrefix = tokenPrefix
        self.roleCode = role.rawValue
        self.$commandUnit.id = commandUnitID
        self.createdByID = createdByID
    }

    var role: Role { Role(rawValue: roleCode) ?? .officer }

    var actor: Actor {
        Actor(id: id, kind: .apiToken, role: role, commandUnitID: $commandUnit.id, name: "token:\(name)")
    }
}
