import Fluent

struct CreateUser: AsyncMigration {
    var name: String { "0003_CreateUser" }

    func prepare(on db: any Database) async throws {
        try await db.schema("users")
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("email", .string)
            .field("rank", .string)
            .field("collar_number", .string)
            .field("role", .string, .required)
            .field("command_unit_id", .uuid, .references("command_units", "id"))
            .field("team_id", .uuid, .references("teams", "id"))
            .field("password_hash", .string, .required)
            .field("must_change_password", .bool, .required)
            .field("failed_sign_ins", .int, .required)
            .field("locked_until", .datetime)
            .field("last_sign_in_at", .datetime)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "username")
            .create()
        try await db.createIndex("users_command_unit", on: "users", "command_unit_id")
        try await db.createIndex("users_team", on: "users", "team_id")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("users").delete()
    }
}
