import Fluent

/// The outbox every email, text message and letter to a victim goes through, and what the safety gate needs:
/// a person's opt-out from messages and an officer's record that messaging a victim is safe.
struct CreateOutbox: AsyncMigration {
    var name: String { "0020_CreateOutbox" }

    func prepare(on db: any Database) async throws {
        try await db.schema("messages")
            .id()
            .field("idempotency_key", .string, .required)
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            .field("crime_id", .uuid, .required)
            .field("contact_point_id", .uuid)
            .field("channel", .string, .required)
            .field("purpose", .string, .required)
            .field("language", .string, .required)
            .field("recipient", .string, .required)
            .field("subject", .string, .required)
            .field("body_text", .string, .required)
            .field("body_html", .string)
            // queued, sending, sent, held, refused, dead
            .field("status", .string, .required)
            .field("reason", .string)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claimed_by", .string)
            .field("claimed_at", .datetime)
            .field("last_error", .string)
            .field("provider", .string)
            .field("provider_reference", .string)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "idempotency_key")
            .create()
        try await db.createIndex("messages_due", on: "messages", "status", "next_attempt_at")
        try await db.createIndex("messages_victim", on: "messages", "victim_id", "created_at")
        // Empty means no: the person has not opted out.
        try await db.schema("persons").field("messages_opt_out", .bool).update()
        try await db.schema("victims").field("messaging_cleared_at", .datetime).update()
        try await db.schema("victims").field("messaging_cleared_by_name", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("victims").deleteField("messaging_cleared_by_name").update()
        try await db.schema("victims").deleteField("messaging_cleared_at").update()
        try await db.schema("persons").deleteField("messages_opt_out").update()
        try await db.schema("messages").delete()
    }
}
