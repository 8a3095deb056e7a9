import Fluent
import Foundation
import VictimCareDomain

/// A person who signs in: an officer, a member of staff, a partner.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @OptionalField(key: "email") var email: String?
    @OptionalField(key: "rank") var rank: String?
    @OptionalField(key: "collar_number") var collarNumber: String?
    @Field(key: "role") var roleCode: String
    @OptionalParent(key: "command_unit_id") var commandUnit: CommandUnit?
    @OptionalParent(key: "team_id") var team: Team?
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "must_change_password") var mustChangePassword: Bool
    @Field(key: "failed_sign_ins") var failedSignIns: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @OptionalField(key: "last_sign_in_at") var lastSignInAt: Date?
    @Field(key: "active") var active: Bool
    /// Moves on whenever what the user's sessions were granted on changes (password, role, unit, active);
    /// a session started under another version is refused.
    @Field(key: "session_version") var sessionVersion: Int
    /// Locks so far since the last successful sign-in; each lasts twice as long as the one before.
    @Field(key: "lock_count") var lockCount: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(
        id: UUID? = nil, username: String, displayName: String, role: Role, commandUnitID: UUID?, teamID: UUID? = nil,
        passwordHash: String, rank: String? = nil, collarNumber: String? = nil, email: String? = nil,
        mustChangePassword: Bool = false
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.roleCode = role.rawValue
        self.$commandUnit.id = commandUnitID
        self.$team.id = teamID
        self.passwordHash = passwordHash
        self.rank = rank
        self.collarNumber = collarNumber
        self.email = email
        self.mustChangePassword = mustChangePassword
        self.failedSignIns = 0
        self.active = true
        self.sessionVersion = 0
        self.lockCount = 0
    }

    var role: Role { Role(rawValue: roleCode) ?? .officer }

    var actor: Actor {
        Actor(id: id, kind: .user, role: role, commandUnitID: $commandUnit.id, teamID: $team.id, name: displayName)
    }
}
