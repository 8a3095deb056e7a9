import Fluent

/// What each victim is owed, as the engine last computed it. Many rows per victim, so an integer key.
struct CreateObligation: AsyncMigration {
    var name: String { "0016_CreateObligation" }

    func prepare(on db: any Database) async throws {
        try await db.schema("obligations")
            .field("id", .int, .identifier(auto: true))
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            .field("crime_id", .uuid, .required)
            .field("code", .string, .required)
            .field("obligation_key", .string, .required)
            .field("trigger", .string, .required)
            .field("due_date", .string, .required)
            .field("due_at", .datetime, .required)
            .field("triggered_at", .datetime, .required)
            .field("state", .string, .required)
            .field("met_at", .datetime)
            .field("met_by", .string)
            .field("reason", .string)
            .unique(on: "victim_id", "obligation_key")
            .create()
        try await db.createIndex("obligations_open", on: "obligations", "state", "due_at")
        try await db.createIndex("obligations_crime", on: "obligations", "crime_id")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("obligations").delete()
    }
}
