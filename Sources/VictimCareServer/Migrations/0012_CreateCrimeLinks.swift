import Fluent

struct CreateCrimeLinks: AsyncMigration {
    var name: String { "0012_CreateCrimeLinks" }

    func prepare(on db: any Database) async throws {
        try await db.schema("crime_persons")
            .id()
            .field("crime_id", .uuid, .required, .references("crimes", "id", onDelete: .cascade))
            .field("person_id", .uuid, .required, .references("persons", "id"))
            .field("role", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "crime_id", "person_id", "role")
            .create()
        try await db.createIndex("crime_persons_person", on: "crime_persons", "person_id")
        try await db.schema("crime_property")
            .id()
            .field("crime_id", .uuid, .required, .references("crimes", "id", onDelete: .cascade))
            .field("property_item_id", .uuid, .required, .references("property_items", "id"))
            .field("role", .string, .required)
            .create()
        try await db.createIndex("crime_property_crime", on: "crime_property", "crime_id")
        try await db.createIndex("crime_property_item", on: "crime_property", "property_item_id")
        try await db.schema("crime_locations")
            .id()
            .field("crime_id", .uuid, .required, .references("crimes", "id", onDelete: .cascade))
            .field("location_id", .uuid, .required, .references("locations", "id"))
            .field("role", .string, .required)
            .create()
        try await db.createIndex("crime_locations_crime", on: "crime_locations", "crime_id")
        try await db.createIndex("crime_locations_location", on: "crime_locations", "location_id")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("crime_locations").delete()
        try await db.schema("crime_property").delete()
        try await db.schema("crime_persons").delete()
    }
}
