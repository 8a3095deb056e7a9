import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

/// What a database remembers about itself: whether it holds demo data, and the secret every app node signs
/// with. Stored as key and value, written once.
enum InstanceFacts {
    static let demoKey = "demo"
    static let secretKey = "signing_secret"

    static func value(_ key: String, on db: any Database) async throws -> String? {
        guard let sql = db as? any SQLDatabase else { return nil }
        struct Row: Decodable { var value: String }
        return try await sql.raw("SELECT value FROM instance_facts WHERE key = \(bind: key)").first(decoding: Row.self)?
            .value
    }

    /// Sets `key` unless it is set already; returns the value now stored (this one, or another node's).
    @discardableResult
    static func setOnce(_ key: String, _ value: String, on db: any Database) async throws -> String {
        guard let sql = db as? any SQLDatabase else { return value }
        try await sql.raw(
            """
            INSERT INTO instance_facts (key, value, set_at) VALUES (\(bind: key), \(bind: value), \(bind: Date()))
            ON CONFLICT (key) DO NOTHING
            """
        ).run()
        return try await self.value(key, on: db) ?? value
    }

    static func isDemo(on db: any Database) async throws -> Bool {
        try await value(demoKey, on: db) != nil
    }
}

extension Application {
    private struct SigningKeyKey: StorageKey {
        typealias Value = SymmetricKey
    }

    private struct DemoKey: StorageKey {
        typealias Value = Bool
    }

    /// The key that signs what the service hands out and checks later (device cookies, form timings):
    /// `SECRET_KEY` from the environment, else one generated once and kept in the database so every node
    /// shares it. Loaded at start-up (``loadInstanceFacts()``).
    var signingKey: SymmetricKey {
        get { storage[SigningKeyKey.self] ?? Self.processKey }
        set { storage[SigningKeyKey.self] = newValue }
    }

    /// Until the facts are loaded: a key of this process alone (what it signs, no other node accepts).
    private static let processKey = SymmetricKey(size: .bits256)

    /// Whether this database holds the synthetic demo force (every page then says so).
    var isDemo: Bool {
        get { storage[DemoKey.self] ?? false }
        set { storage[DemoKey.self] = newValue }
    }

    /// Reads the signing key and the demo flag; run after migrations.
    func loadInstanceFacts() async throws {
        if let fromEnvironment = Environment.get("SECRET_KEY"), fromEnvironment.count >= 32 {
            signingKey = SymmetricKey(data: SHA256.hash(data: Data(fromEnvironment.utf8)))
        } else {
            let stored = try await InstanceFacts.setOnce(InstanceFacts.secretKey, Secrets.randomToken(), on: db)
            signingKey = SymmetricKey(data: SHA256.hash(data: Data(stored.utf8)))
        }
        isDemo = try await InstanceFacts.isDemo(on: db)
    }
}

extension SymmetricKey {
    /// HMAC-SHA256 of `text`, URL-safe base64 without padding.
    func sign(_ text: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: self)
        return Secrets.base64URL(Data(mac))
    }

    func verify(_ text: String, signature: String) -> Bool {
        Secrets.constantTimeEquals(sign(text), signature)
    }
}
