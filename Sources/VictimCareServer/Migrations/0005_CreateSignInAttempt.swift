import Fluent

struct CreateSignInAttempt: AsyncMigration {
    var name: String { "0005_CreateSignInAttempt" }

    func prepare(on db: any Database) async throws {
        try await db.schema("sign_in_attempts")
            .id()
            .field("username_key", .string, .required)
            .field("ip", .string, .required)
            .field("succeeded", .bool, .required)
            .field("at", .datetime, .required)
            .create()
        try await db.createIndex("sign_in_attempts_ip_at", on: "sign_in_attempts", "ip", "at")
        try await db.createIndex("sign_in_attempts_user_at", on: "sign_in_attempts", "username_key", "at")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("sign_in_attempts").delete()
    }
}
