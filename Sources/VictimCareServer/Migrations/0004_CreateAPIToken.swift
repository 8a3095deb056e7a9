import Fluent

struct CreateAPIToken: AsyncMigration {
    var name: String { "0004_CreateAPIToken" }

    func prepare(on db: any Database) async throws {
        try await db.schema("api_tokens")
            .id()
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("token_prefix", .string, .required)
            .field("role", .string, .required)
            .field("command_unit_id", .uuid, .references("command_units", "id"))
            .field("created_by_id", .uuid)
            .field("created_at", .datetime)
            .field("revoked_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("api_tokens").delete()
    }
}
