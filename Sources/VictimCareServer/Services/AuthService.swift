import Fluent
import Foundation
import VictimCareDomain

/// Signing in with throttling per address and lockout per account, both kept in the database so they hold
/// across every app node.
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

    static func signIn(
        username rawUsername: String, password: String, ip: String, limits: Limits, hasher: PasswordHasher,
        on db: any Database, now: Date = Date()
    ) async throws -> User {
        let username = rawUsername.trimmingCharacters(in: .whitespaces).lowercased()
        let since = now.addingTimeInterval(-Double(limits.ipWindowMinutes) * 60)
        let recentFailures = try await SignInAttempt.query(on: db)
            .filter(\.$ip == ip).filter(\.$succeeded == false).filter(\.$at >= since).count()
        if recentFailures >= limits.ipLimit {
            throw Failure.throttled
        }
        let user = try await User.query(on: db).filter(\.$username == username).first()
        guard let user, user.active else {
            // Spend the same time as a real check, so timing does not reveal which usernames exist.
            _ = try await hasher.hash(password)
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            try await audit(.signInFailed, user: nil, username: username, ip: ip, on: db)
            throw Failure.invalidCredentials
        }
        if let until = user.lockedUntil, until > now {
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            throw Failure.locked(minutes: Int((until.timeIntervalSince(now) / 60).rounded(.up)))
        }
        guard try await hasher.verify(password, against: user.passwordHash) else {
            user.failedSignIns += 1
            if user.failedSignIns >= limits.maxFailures {
                user.lockedUntil = now.addingTimeInterval(Double(limits.lockoutMinutes) * 60)
                user.failedSignIns = 0
            }
            try await user.save(on: db)
            try await recordAttempt(username, ip: ip, succeeded: false, at: now, on: db)
            try await audit(.signInFailed, user: user, username: username, ip: ip, on: db)
            if user.lockedUntil.map({ $0 > now }) == true { throw Failure.locked(minutes: limits.lockoutMinutes) }
            throw Failure.invalidCredentials
        }
        user.failedSignIns = 0
        user.lockedUntil = nil
        user.lastSignInAt = now
        try await user.save(on: db)
        try await recordAttempt(username, ip: ip, succeeded: true, at: now, on: db)
        try await audit(.signIn, user: user, username: username, ip: ip, on: db)
        return user
    }

    /// Changes one's own password, checking the current one first.
    static func changePassword(
        user: User, current: String?, new: String?, confirm: String?, hasher: PasswordHasher, ip: String?,
        on db: any Database
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
        guard try await hasher.verify(currentPassword, against: user.passwordHash) else {
            throw DomainError.invalid("current", "Your current password is not right")
        }
        user.passwordHash = try await hasher.hash(newPassword)
        user.mustChangePassword = false
        try await user.save(on: db)
        try await AuditLog.record(
            .update, "user", user.id, summary: "password changed", context: AccessContext(actor: user.actor, ip: ip),
            on: db)
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
