import Foundation
import NIOPosix
import Vapor

/// bcrypt off the event loops: a hash takes a quarter of a second at the production cost.
struct PasswordHasher: Sendable {
    let cost: Int
    let threadPool: NIOThreadPool

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await threadPool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }

    /// Problems with a proposed password, in words a person can act on.
    static func problems(with password: String, username: String) -> String? {
        if password.count < 12 { return "Password must be at least 12 characters" }
        if password.count > 128 { return "Password must be 128 characters or fewer" }
        if Set(password).count < 5 { return "Password must use at least 5 different characters" }
        if password.lowercased().contains(username.lowercased()) { return "Password must not contain your username" }
        return nil
    }
}

extension Application {
    private struct HasherKey: StorageKey {
        typealias Value = Int
    }

    /// bcrypt cost: 12 unless `BCRYPT_COST` says otherwise (tests use the minimum to stay quick).
    var passwordHasher: PasswordHasher {
        let cost = Environment.get("BCRYPT_COST").flatMap(Int.init).map { max(4, min($0, 16)) } ?? 12
        return PasswordHasher(cost: cost, threadPool: threadPool)
    }
}
