import Fluent

struct CreateCommandUnit: AsyncMigration {
    var name: String { "0001_CreateCommandUnit" }

    func prepare(on db: any Database) async throws {
        try await db.schema("command_units")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "code")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("command_units").delete()
    }
}
