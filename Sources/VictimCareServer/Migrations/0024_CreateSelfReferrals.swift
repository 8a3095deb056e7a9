import Fluent

/// Victims who refer themselves to the support service from the public page. Nothing links them to a person
/// or crime here: the page never looks either up, so it discloses nothing.
struct CreateSelfReferrals: AsyncMigration {
    var name: String { "0024_CreateSelfReferrals" }

    func prepare(on db: any Database) async throws {
        try await db.schema("self_referrals")
            .id()
            .field("created_at", .datetime, .required)
            .field("given_name", .string, .required)
            .field("family_name", .string, .required)
            .field("phone", .string)
            .field("email", .string)
            .field("preferred_contact", .string, .required)
            .field("preferred_times", .string)
            .field("language", .string, .required)
            .field("offence_group", .string, .required)
            .field("reported_to_police", .string, .required)
            .field("crime_reference", .string)
            // sent (waiting for the service), received, contacted, accepted, declined, closed
            .field("status", .string, .required)
            .field("status_at", .datetime)
            .field("status_by_name", .string)
            .field("note", .string)
            // SHA-256 of the sender's address: enough to slow a flood, not to identify anyone.
            .field("source_hash", .string, .required)
            .create()
        try await db.createIndex("self_referrals_created", on: "self_referrals", "created_at")
        try await db.createIndex("self_referrals_source", on: "self_referrals", "source_hash", "created_at")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("self_referrals").delete()
    }
}
