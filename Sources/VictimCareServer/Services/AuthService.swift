import Fluent
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// Signing in, with a lock per account and a limit per address, both counted atomically in the database
/// before the password is checked, so attempts sent at once are each counted and the expensive check runs
/// at most the allowed number of times (2026-11-30, issue 12).
enum AuthService {
    enum Failure: Error, Equatable {
        case invalidCredentials
        case locked(minutes: Int)
        case throttled
    }

    struct Limits: Sendable {
        var maxFailures: Int
        var lockoutMinutes: Int
        var ipLimit: Int
        var ipWindowMinutes: Int
    }

    /// Signs in. `knownDevice`: the browser holds a device cookie this account earned by signing in on it
    /// before; the address limit does not apply to it, so an attack from a force's shared egress address does
    /// not lock out the officers behind it (their accounts' own locks still do).
    static func signIn(
        username rawUsername: String, password: String, ip: String, knownDevice: Bool = false, limits: Limits,
        hasher: PasswordHasher, on db: any Database, now: Date = Date()
    ) async throws -> User {
        let username = String(rawUsername.trimmingWhitespace().lowercased().prefix(100))
        let window = RateLimiter.Window.minutes(limits.ipWindowMinutes)
        let addressKey = "sign-in:\(ip)"
        if !knownDevice {
            let attempts = try await RateLimiter.hit(addressKey, window: window, now: now, on: db)
            if attempts > limits.ipLimit {
                try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
                throw Failure.throttled
            }
        }
        let user = try await User.query(on: db).filter(\.$username == username).first()
        guard let user, user.active, let userID = user.id else {
            // Spend the same time as a real check, so timing does not reveal which usernames exist.
            _ = try await hasher.hash(password)
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            try await audit(.signInFailed, user: nil, username: username, ip: ip, on: db)
            throw Failure.invalidCredentials
        }
        // Count this attempt as a failure before checking the password; a right password takes it back.
        guard let attempt = try await reserveAttempt(userID, now: now, on: db) else {
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            throw Failure.locked(minutes: try await lockedMinutes(userID, now: now, on: db))
        }
        if attempt.number > limits.maxFailures {
            try await lock(userID, after: attempt, limits: limits, now: now, on: db)
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            throw Failure.locked(minutes: try await lockedMinutes(userID, now: now, on: db))
        }
        guard try await hasher.verify(password, against: user.passwordHash) else {
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            try await audit(.signInFailed, user: user, username: username, ip: ip, on: db)
            if attempt.number >= limits.maxFailures {
                try await lock(userID, after: attempt, limits: limits, now: now, on: db)
                throw Failure.locked(minutes: try await lockedMinutes(userID, now: now, on: db))
            }
            throw Failure.invalidCredentials
        }
        if let sql = db as? any SQLDatabase {
            try await sql.update("users").set("failed_sign_ins", to: 0).set("lock_count", to: 0)
                .set("locked_until", to: SQLLiteral.null).set("last_sign_in_at", to: now)
                .where("id", .equal, userID).run()
        }
        if !knownDevice { try await RateLimiter.undo(addressKey, window: window, now: now, on: db) }
        user.failedSignIns = 0
        user.lockedUntil = nil
        user.lastSignInAt = now
        try await recordAttempt(username, ip: ip, succeeded: true, at: now, on: db)
        try await audit(.signIn, user: user, username: username, ip: ip, on: db)
        return user
    }

    struct Attempt: Decodable {
        /// This attempt's place among the failures since the last success or lock.
        var number: Int
        var lockCount: Int

        enum CodingKeys: String, CodingKey {
            case number = "failed_sign_ins"
            case lockCount = "lock_count"
        }
    }

    /// Adds one to the account's failures unless it is locked; `nil` when it is.
    private static func reserveAttempt(_ id: UUID, now: Date, on db: any Database) async throws -> Attempt? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.raw(
            """
            UPDATE users SET failed_sign_ins = failed_sign_ins + 1
            WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            RETURNING failed_sign_ins, lock_count
            """
        ).first(decoding: Attempt.self)
    }

    /// Locks the account, each lock twice as long as the one before (up to 64 times the first).
    private static func lock(_ id: UUID, after attempt: Attempt, limits: Limits, now: Date, on db: any Database)
        async throws
    {
        guard let sql = db as? any SQLDatabase else { return }
        let minutes = limits.lockoutMinutes * (1 << min(attempt.lockCount, 6))
        try await sql.raw(
            """
            UPDATE users SET locked_until = \(bind: now.addingTimeInterval(Double(minutes) * 60)),
                failed_sign_ins = 0, lock_count = lock_count + 1
            WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            """
        ).run()
    }

    private static func lockedMinutes(_ id: UUID, now: Date, on db: any Database) async throws -> Int {
        guard let until = try await User.find(id, on: db)?.lockedUntil, until > now else { return 1 }
        return max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up)))
    }

    /// Changes one's own password, checking the current one first. Ends the user's other sessions.
    static func changePassword(
        user: User, current: String?, new: String?, confirm: String?, hasher: PasswordHasher, ip: String?,
        keeping session: SessionID? = nil, attempts: (limit: Int, minutes: Int) = (5, 15), on db: any Database
    ) async throws {
        var v = Validator()
        let currentPassword = current ?? ""
        let newPassword = new ?? ""
        if currentPassword.isEmpty { v.fail("current", "Enter your current password") }
        if let problem = PasswordHasher.problems(with: newPassword, username: user.username) { v.fail("new", problem) }
        if newPassword != (confirm ?? "") { v.fail("confirm", "The passwords do not match") }
        if newPassword == currentPassword, !newPassword.isEmpty {
            v.fail("new", "Choose a password different from the current one")
        }
        try v.check()
        // Someone holding a signed-in session must not be able to guess the password behind it: guesses are
        // counted atomically per account before checking, and a right one is taken back.
        let key = "password-change:\(user.id?.uuidString ?? user.username)"
        let window = RateLimiter.Window.minutes(attempts.minutes)
        if try await RateLimiter.hit(key, window: window, on: db) > attempts.limit {
            throw DomainError.rateLimited(retryAfterSeconds: attempts.minutes * 60)
        }
        guard try await hasher.verify(currentPassword, against: user.passwordHash) else {
            throw DomainError.invalid("current", "Your current password is not right")
        }
        try await RateLimiter.undo(key, window: window, on: db)
        user.passwordHash = try await hasher.hash(newPassword)
        user.mustChangePassword = false
        try await db.transaction { tx in
            try await user.save(on: tx)
            try await SessionService.endSessions(of: user, keeping: session, on: tx)
            try await AuditLog.record(
                .update, "user", user.id, summary: "password changed; other sessions ended",
                context: AccessContext(actor: user.actor, ip: ip), on: tx)
        }
    }

    private static func recordAttempt(_ username: String, ip: String, succeeded: Bool, at: Date, on db: any Database)
        async throws
    {
        try await SignInAttempt(usernameKey: String(username.prefix(100)), ip: ip, succeeded: succeeded, at: at).create(
            on: db)
    }

    private static func audit(_ action: AuditLog.Action, user: User?, username: String, ip: String, on db: any Database)
        async throws
    {
        let actor = user?.actor ?? Actor(id: nil, kind: .user, role: .officer, commandUnitID: nil, name: "unknown user")
        try await AuditLog.record(
            action, "user", user?.id, summary: user == nil ? "unknown username" : "",
            context: AccessContext(actor: actor, ip: ip), on: db)
    }
}
