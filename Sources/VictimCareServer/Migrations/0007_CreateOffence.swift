import Fluent

struct CreateOffence: AsyncMigration {
    var name: String { "0007_CreateOffence" }

    func prepare(on db: any Database) async throws {
        try await db.schema("offences")
            .id()
            .field("code", .string, .required)
            .field("description", .string, .required)
            .field("offence_group", .string, .required)
            .field("implied_flags", .string, .required)
            .field("most_serious", .bool, .required)
            .field("active", .bool, .required)
            .unique(on: "code")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("offences").delete()
    }
}
