import Fluent

struct CreatePerson: AsyncMigration {
    var name: String { "0009_CreatePerson" }

    func prepare(on db: any Database) async throws {
        try await db.schema("persons")
            .id()
            .field("given_name", .string, .required)
            .field("family_name", .string, .required)
            .field("given_name_key", .string, .required)
            .field("family_name_key", .string, .required)
            .field("date_of_birth", .string)
            .field("preferred_contact", .string)
            .field("preferred_times", .string)
            .field("language", .string, .required)
            .field("interpreter_needed", .bool, .required)
            .field("communication_needs", .string)
            .field("access_needs", .string)
            .field("sex", .string)
            .field("ethnicity", .string)
            .field("disability", .string)
            .field("religion", .string)
            .field("sexual_orientation", .string)
            .field("home_command_unit_id", .uuid, .references("command_units", "id"))
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await db.createIndex("persons_family_given", on: "persons", "family_name_key", "given_name_key")
        try await db.schema("person_aliases")
            .id()
            .field("person_id", .uuid, .required, .references("persons", "id", onDelete: .cascade))
            .field("given_name", .string, .required)
            .field("family_name", .string, .required)
            .field("family_name_key", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await db.createIndex("person_aliases_person", on: "person_aliases", "person_id")
        try await db.createIndex("person_aliases_family", on: "person_aliases", "family_name_key")
        try await db.schema("contact_points")
            .id()
            .field("person_id", .uuid, .required, .references("persons", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("value", .string, .required)
            .field("safe", .bool, .required)
            .field("note", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await db.createIndex("contact_points_person", on: "contact_points", "person_id")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("contact_points").delete()
        try await db.schema("person_aliases").delete()
        try await db.schema("persons").delete()
    }
}
