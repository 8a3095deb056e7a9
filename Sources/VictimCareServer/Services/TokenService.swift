import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// API tokens for integrations: shown once, stored as a SHA-256 hash, scoped to a role, revocable.
enum TokenService {
    static let prefix = "vc_"

    struct Issued: Sendable {
        var token: APIToken
        /// The secret itself. Not stored anywhere; show it once.
        var secret: String
    }

    static func issue(
        name rawName: String?, role rawRole: String?, commandUnit: String?, days rawDays: String? = nil,
        defaultDays: Int = 90, context: AccessContext, on db: any Database
    ) async throws -> Issued {
        try AccessGuard.require(.manageTokens, context)
        var v = Validator()
        let name = v.required(rawName, "name", "a name for the token", max: 100)
        let role = v.requiredCode(rawRole, "role", "the role the token acts as", as: Role.self)
        var unitID: UUID?
        if let code = v.optional(commandUnit, "commandUnit", "the command unit", max: 40) {
            if let unit = try await OrganisationService.unit(codeOrID: code, on: db) {
                unitID = unit.id
            } else {
                v.fail("commandUnit", "Command unit \(code) does not exist")
            }
        }
        if let role, role.needsCommandUnit, unitID == nil {
            v.fail("commandUnit", "A token acting as \(role.label.lowercased()) needs a command unit")
        }
        var days = defaultDays
        if let raw = v.optional(rawDays, "days", "how many days the token lasts", max: 4) {
            if let n = Int(raw), (1...730).contains(n) { days = n } else { v.fail("days", "Days must be 1 to 730") }
        }
        try v.check()
        let secret = prefix + Secrets.randomToken(bytes: 32)
        let token = APIToken(
            name: name, tokenHash: Secrets.sha256Hex(secret), tokenPrefix: String(secret.prefix(10)), role: role!,
            commandUnitID: unitID, createdByID: context.actor.id)
        token.expiresAt = Date().addingTimeInterval(Double(days) * 86_400)
        try await db.transaction { tx in
            try await token.create(on: tx)
            try await AuditLog.record(
                .create, "api_token", token.id, summary: "role \(role!.rawValue)", context: context, on: tx)
        }
        return Issued(token: token, secret: secret)
    }

    static func list(context: AccessContext, on db: any Database) async throws -> [APIToken] {
        try AccessGuard.require(.manageTokens, context)
        return try await APIToken.query(on: db).with(\.$commandUnit).sort(\.$createdAt, .descending).all()
    }

    static func revoke(_ id: UUID, context: AccessContext, on db: any Database) async throws {
        try AccessGuard.require(.manageTokens, context)
        guard let token = try await APIToken.find(id, on: db) else { throw DomainError.notFound("token") }
        guard token.revokedAt == nil else { return }
        token.revokedAt = Date()
        try await db.transaction { tx in
            try await token.save(on: tx)
            try await AuditLog.record(.delete, "api_token", id, summary: "revoked", context: context, on: tx)
        }
    }

    /// The live token a bearer secret belongs to, or `nil`.
    static func authenticate(_ secret: String, on db: any Database) async throws -> APIToken? {
        guard secret.hasPrefix(prefix), secret.count < 200 else { return nil }
        // Read positionally: every API request asks (issue 17). The token read is for this request only; its one
        // change, the time of use, is its own statement.
        guard let sql = db as? any SQLDatabase,
            let token = try await APIToken.rows(
                where: "t.token_hash = ? AND t.revoked_at IS NULL", [.text(Secrets.sha256Hex(secret))], on: sql
            ).first,
            token.revokedAt == nil, (token.expiresAt ?? .distantPast) > Date()
        else { return nil }
        // Note use at most once a minute, so a busy integration does not turn every read into a write.
        let now = Date()
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            token.lastUsedAt = now
            try await APIToken.query(on: db).filter(\.$id == token.id!).set(\.$lastUsedAt, to: now).update()
        }
        return token
    }
}
