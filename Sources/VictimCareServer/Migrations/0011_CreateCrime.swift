import Fluent

struct CreateCrime: AsyncMigration {
    var name: String { "0011_CreateCrime" }

    func prepare(on db: any Database) async throws {
        try await db.schema("crimes")
            .id()
            .field("reference", .string, .required)
            .field("offence_code", .string, .required)
            .field("offence_description", .string, .required)
            .field("occurred_from", .datetime, .required)
            .field("occurred_to", .datetime)
            .field("reported_at", .datetime, .required)
            .field("channel", .string, .required)
            .field("flags", .string, .required)
            .field("command_unit_id", .uuid, .required, .references("command_units", "id"))
            .field("officer_in_case_id", .uuid, .references("users", "id"))
            .field("status", .string, .required)
            .field("summary", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "reference")
            .create()
        try await db.createIndex("crimes_reported", on: "crimes", "reported_at")
        try await db.createIndex("crimes_unit_reported", on: "crimes", "command_unit_id", "reported_at")
        try await db.createIndex("crimes_officer", on: "crimes", "officer_in_case_id")
        try await db.schema("crime_status_changes")
            .id()
            .field("crime_id", .uuid, .required, .references("crimes", "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("at", .datetime, .required)
            .field("by_user_id", .uuid)
            .field("by_name", .string, .required)
            .field("note", .string)
            .create()
        try await db.createIndex("crime_status_changes_crime", on: "crime_status_changes", "crime_id")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("crime_status_changes").delete()
        try await db.schema("crimes").delete()
    }
}
