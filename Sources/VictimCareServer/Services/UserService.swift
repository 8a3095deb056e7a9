import Fluent
import FluentSQL
import Foundation
import VictimCareDomain

/// Accounts, managed by administrators (and by the command line, as the system).
enum UserService {
    struct Draft: Sendable {
        var username: String?
        var displayName: String?
        var email: String?
        var rank: String?
        var collarNumber: String?
        var role: String?
        var commandUnit: String?
        var team: String?
        var active: String?
    }

    struct Created: Sendable {
        var user: User
        /// The one-time password to hand over; the user must change it at first sign-in.
        var oneTimePassword: String?
    }

    struct Filter: Sendable {
        /// Part of a username or a name, any case.
        var text: String?
        var role: Role?
        var unitID: UUID?
        var lockedOnly = false
        var page = 1
    }

    static let pageSize = 50

    /// A page of accounts matching the filter, and whether there are more (a force has hundreds).
    static func list(_ filter: Filter = Filter(), context: AccessContext, on db: any Database) async throws
        -> (users: [User], hasMore: Bool)
    {
        try AccessGuard.require(.manageUsers, context)
        let query = User.query(on: db).with(\.$commandUnit).sort(\.$username)
        if let text = filter.text?.trimmingWhitespace().lowercased(), !text.isEmpty {
            let pattern =
                "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            query.group(.or) { group in
                group.filter(\.$username, .custom("LIKE"), pattern)
                group.filter(.sql(unsafeRaw: "LOWER(display_name)"), .custom("LIKE"), .bind(pattern))
            }
        }
        if let role = filter.role { query.filter(\.$roleCode == role.rawValue) }
        if let unit = filter.unitID { query.filter(\.$commandUnit.$id == unit) }
        if filter.lockedOnly { query.filter(\.$lockedUntil > Date()) }
        // From the address bar: a page past the last is empty, never an overflow.
        let page = min(max(1, filter.page), 10_000_000)
        let users = try await query.range(((page - 1) * pageSize)..<(page * pageSize + 1)).all()
        return (Array(users.prefix(pageSize)), users.count > pageSize)
    }

    /// Creates an account. With no password given, a one-time password is generated and must be changed.
    static func create(
        _ draft: Draft, password: String? = nil, hasher: PasswordHasher, context: AccessContext, on db: any Database
    ) async throws -> Created {
        try AccessGuard.require(.manageUsers, context)
        var v = Validator()
        let username = v.required(draft.username, "username", "a username", max: 60).lowercased()
        if !username.isEmpty, !username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) })
        {
            v.fail("username", "Username can only use letters, digits, dots, dashes and underscores")
        }
        let fields = try await checkCommon(draft, validator: &v, on: db)
        if let password, let problem = PasswordHasher.problems(with: password, username: username) {
            v.fail("password", problem)
        }
        if !username.isEmpty, try await User.query(on: db).filter(\.$username == username).count() > 0 {
            v.fail("username", "Username \(username) is already taken")
        }
        try v.check()
        let oneTime = password == nil ? Secrets.readablePassword() : nil
        let user = User(
            username: username, displayName: fields.displayName, role: fields.role, commandUnitID: fields.unitID,
            teamID: fields.teamID, passwordHash: try await hasher.hash(password ?? oneTime!), rank: fields.rank,
            collarNumber: fields.collar, email: fields.email, mustChangePassword: password == nil)
        do {
            try await db.transaction { tx in
                try await user.create(on: tx)
                try await AuditLog.record(
                    .create, "user", user.id, summary: "role \(fields.role.rawValue)", context: context, on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw DomainError.conflict(field: "username", message: "Username \(username) is already taken")
        }
        return Created(user: user, oneTimePassword: oneTime)
    }

    static func update(_ id: UUID, _ draft: Draft, context: AccessContext, on db: any Database) async throws -> User {
        try AccessGuard.require(.manageUsers, context)
        guard let user = try await User.find(id, on: db) else { throw DomainError.notFound("user") }
        var v = Validator()
        let fields = try await checkCommon(draft, validator: &v, on: db)
        let active = v.flag(draft.active, "active", "active") ?? user.active
        if user.id == context.actor.id, !active { v.fail("active", "You cannot deactivate your own account") }
        try v.check()
        // A new role, unit or team, or deactivation, ends the sessions that were granted on the old ones.
        let reachChanged =
            user.roleCode != fields.role.rawValue || user.$commandUnit.id != fields.unitID
            || user.$team.id != fields.teamID || user.active != active
        user.displayName = fields.displayName
        user.roleCode = fields.role.rawValue
        user.$commandUnit.id = fields.unitID
        user.$team.id = fields.teamID
        user.rank = fields.rank
        user.collarNumber = fields.collar
        user.email = fields.email
        user.active = active
        try await db.transaction { tx in
            try await user.save(on: tx)
            if reachChanged { try await SessionService.endSessions(of: user, on: tx) }
            try await AuditLog.record(
                .update, "user", id,
                summary: "role \(fields.role.rawValue), active \(active)" + (reachChanged ? "; sessions ended" : ""),
                context: context, on: tx)
        }
        return user
    }

    /// Issues a new one-time password and unlocks the account.
    static func resetPassword(_ id: UUID, hasher: PasswordHasher, context: AccessContext, on db: any Database)
        async throws -> String
    {
        try AccessGuard.require(.manageUsers, context)
        guard let user = try await User.find(id, on: db) else { throw DomainError.notFound("user") }
        let password = Secrets.readablePassword()
        user.passwordHash = try await hasher.hash(password)
        user.mustChangePassword = true
        user.lockedUntil = nil
        user.failedSignIns = 0
        user.lockCount = 0
        try await db.transaction { tx in
            try await user.save(on: tx)
            try await SessionService.endSessions(of: user, on: tx)
            try await AuditLog.record(
                .update, "user", id, summary: "password reset; sessions ended", context: context, on: tx)
        }
        return password
    }

    private struct Common {
        var displayName: String
        var role: Role
        var unitID: UUID?
        var teamID: UUID?
        var rank: String?
        var collar: String?
        var email: String?
    }

    private static func checkCommon(_ d: Draft, validator v: inout Validator, on db: any Database) async throws
        -> Common
    {
        let name = v.required(d.displayName, "displayName", "the person's name", max: 100)
        let role = v.requiredCode(d.role, "role", "a role", as: Role.self)
        var unitID: UUID?
        if let code = v.optional(d.commandUnit, "commandUnit", "the command unit", max: 40) {
            if let unit = try await OrganisationService.unit(codeOrID: code, on: db) {
                unitID = unit.id
            } else {
                v.fail("commandUnit", "Command unit \(code) does not exist")
            }
        }
        if let role, role.needsCommandUnit, unitID == nil {
            v.fail("commandUnit", "Choose the command unit a \(role.label.lowercased()) works in")
        }
        var teamID: UUID?
        if let team = v.optional(d.team, "team", "the team", max: 100) {
            if let id = UUID(uuidString: team), let found = try await Team.find(id, on: db),
                found.$commandUnit.id == unitID
            {
                teamID = id
            } else {
                v.fail("team", "Choose a team in the chosen command unit")
            }
        }
        var email: String?
        if let raw = v.optional(d.email, "email", "the email address", max: 254) {
            email = Normalise.email(raw)
            if email == nil { v.fail("email", "Email address must look like name@example.com") }
        }
        return Common(
            displayName: name, role: role ?? .officer, unitID: unitID, teamID: teamID,
            rank: checkedRank(d.rank, &v),
            collar: v.optional(d.collarNumber, "collarNumber", "the collar number", max: 20),
            email: email)
    }
}

extension UserService {
    /// A rank as typed ("A/DI", "Det Ch Supt"), kept as typed when it names a rank, refused when it names none:
    /// the Right to Review's reviewer rule reads it (2026-11-30, issue 14).
    static func checkedRank(_ raw: String?, _ v: inout Validator) -> String? {
        guard let rank = v.optional(raw, "rank", "the rank", max: 60) else { return nil }
        if Rank(parsing: rank) == nil {
            v.fail("rank", "\(rank) is not a police rank VictimCare knows (for example PC, DS, DI, A/DI, Supt, ACC)")
        }
        return rank
    }
}
