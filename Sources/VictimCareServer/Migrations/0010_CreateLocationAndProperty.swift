import Fluent

struct CreateLocationAndProperty: AsyncMigration {
    var name: String { "0010_CreateLocationAndProperty" }

    func prepare(on db: any Database) async throws {
        try await db.schema("locations")
            .id()
            .field("address", .string, .required)
            .field("postcode", .string)
            .field("postcode_key", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("created_at", .datetime)
            .create()
        try await db.createIndex("locations_postcode", on: "locations", "postcode_key")
        try await db.schema("property_items")
            .id()
            .field("description", .string, .required)
            .field("imei", .string)
            .field("frame_number", .string)
            .field("serial_number", .string)
            .field("custody_status", .string, .required)
            .field("stolen_on", .string)
            .field("seized_on", .string)
            .field("held_on", .string)
            .field("returned_on", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("property_items").delete()
        try await db.schema("locations").delete()
    }
}
