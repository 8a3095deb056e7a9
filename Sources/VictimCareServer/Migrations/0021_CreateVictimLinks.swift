import Fluent

/// What a victim is sent or shown and what they answer: personal links (leaflet, case page, feedback, the
/// case page's sessions), feedback invitations and responses, and the requests a victim makes from their case
/// page. A message can carry a link, whose secret is made when the message is rendered.
struct CreateVictimLinks: AsyncMigration {
    var name: String { "0021_CreateVictimLinks" }

    func prepare(on db: any Database) async throws {
        try await db.schema("feedback_invitations")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            // contact or statement, and its id: one invitation per interaction
            .field("source", .string, .required)
            .field("source_id", .uuid, .required)
            .field("officer_id", .uuid)
            .field("officer_name", .string, .required)
            .field("team_id", .uuid)
            .field("command_unit_id", .uuid, .required)
            // how the victim was invited: email, sms, or qr (shown by the officer)
            .field("channel", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("responded_at", .datetime)
            .unique(on: "source", "source_id")
            .create()
        try await db.createIndex(
            "feedback_invitations_unit", on: "feedback_invitations", "command_unit_id", "created_at")
        try await db.createIndex("feedback_invitations_victim", on: "feedback_invitations", "victim_id")

        try await db.schema("feedback_responses")
            .id()
            .field(
                "invitation_id", .uuid, .required, .references("feedback_invitations", "id", onDelete: .cascade)
            )
            .field("submitted_at", .datetime, .required)
            .field("satisfaction", .int, .required)
            // yes, partly or no
            .field("fair_and_respectful", .string, .required)
            .field("kept_informed", .string, .required)
            .field("understood_next", .string, .required)
            .field("comment", .string)
            .field("language", .string, .required)
            .unique(on: "invitation_id")
            .create()

        try await db.schema("victim_links")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            // leaflet, track, feedback, session
            .field("purpose", .string, .required)
            // email, sms, qr
            .field("channel", .string, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("created_by_name", .string, .required)
            // for provision rates: the officer in the case (or who met the victim) and their team and unit
            .field("officer_id", .uuid)
            .field("team_id", .uuid)
            .field("command_unit_id", .uuid, .required)
            .field("invitation_id", .uuid)
            .field("message_id", .uuid)
            .field("parent_id", .uuid)
            .field("first_opened_at", .datetime)
            .field("open_count", .int, .required)
            .field("failed_attempts", .int, .required)
            .field("locked_until", .datetime)
            .field("code_hash", .string)
            .field("code_expires_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await db.createIndex("victim_links_victim", on: "victim_links", "victim_id", "purpose")
        try await db.createIndex("victim_links_unit", on: "victim_links", "command_unit_id", "created_at")
        try await db.createIndex("victim_links_message", on: "victim_links", "message_id")

        try await db.schema("victim_requests")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            // call_back, contact_preference, opt_out, opt_in
            .field("kind", .string, .required)
            .field("detail", .string, .required)
            .field("created_at", .datetime, .required)
            .field("acknowledged_at", .datetime)
            .field("acknowledged_by_name", .string)
            .create()
        try await db.createIndex("victim_requests_victim", on: "victim_requests", "victim_id", "created_at")

        try await db.schema("messages").field("link_id", .uuid).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("messages").deleteField("link_id").update()
        for table in ["victim_requests", "victim_links", "feedback_responses", "feedback_invitations"] {
            try await db.schema(table).delete()
        }
    }
}
