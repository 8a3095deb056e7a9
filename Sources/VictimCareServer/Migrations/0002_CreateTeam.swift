import Fluent

struct CreateTeam: AsyncMigration {
    var name: String { "0002_CreateTeam" }

    func prepare(on db: any Database) async throws {
        try await db.schema("teams")
            .id()
            .field("command_unit_id", .uuid, .required, .references("command_units", "id"))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "command_unit_id", "name")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("teams").delete()
    }
}
