import Fluent

/// Referrals to the victim support service, the batches of the daily transfer that carry them, and the history
/// of each victim's referral consent.
struct CreateReferrals: AsyncMigration {
    var name: String { "0022_CreateReferrals" }

    func prepare(on db: any Database) async throws {
        try await db.schema("referral_batches")
            .id()
            .field("created_at", .datetime, .required)
            // open (members fixed, not yet delivered) or delivered
            .field("state", .string, .required)
            .field("victims", .int, .required)
            .field("schema_version", .string, .required)
            .field("destination", .string)
            .field("delivered_at", .datetime)
            .field("sha256", .string)
            .field("deliveries", .int, .required)
            .field("created_by_name", .string, .required)
            .create()
        try await db.createIndex("referral_batches_state", on: "referral_batches", "state", "created_at")

        try await db.schema("referrals")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            // transfer (the daily batch), witness_care, self
            .field("route", .string, .required)
            // ready, withdrawn, sent, received, contacted, accepted, declined, closed
            .field("status", .string, .required)
            .field("batch_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("status_at", .datetime)
            .field("status_by_name", .string)
            .field("note", .string)
            .create()
        try await db.createIndex("referrals_batch", on: "referrals", "batch_id")
        try await db.createIndex("referrals_status", on: "referrals", "status", "route")
        try await db.createIndex("referrals_victim", on: "referrals", "victim_id")

        try await db.schema("referral_consents")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            .field("consent", .string, .required)
            .field("method", .string, .required)
            .field("recorded_at", .datetime, .required)
            .field("by_name", .string, .required)
            .create()
        try await db.createIndex("referral_consents_victim", on: "referral_consents", "victim_id", "recorded_at")
    }

    func revert(on db: any Database) async throws {
        for table in ["referral_consents", "referrals", "referral_batches"] { try await db.schema(table).delete() }
    }
}
