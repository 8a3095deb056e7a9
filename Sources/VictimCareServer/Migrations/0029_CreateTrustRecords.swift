import Fluent
import FluentSQL
import Foundation
import SQLKit

/// Issue 12 (trust): counters that limits increment atomically, sessions the service owns (so they can be
/// purged and ended per user), a version on each user that ends their sessions when it changes, lengthening
/// locks, token expiry, and the facts an instance keeps about itself (a demo database, the shared secret).
struct CreateTrustRecords: AsyncMigration {
    var name: String { "0029_CreateTrustRecords" }

    func prepare(on db: any Database) async throws {
        try await db.schema("rate_counters")
            .field("key", .string, .identifier(auto: false))
            .field("count", .int, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await db.createIndex("rate_counters_expires", on: "rate_counters", "expires_at")
        try await db.schema("web_sessions")
            .field("id", .string, .identifier(auto: false))
            .field("data", .string, .required)
            .field("user_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await db.createIndex("web_sessions_user", on: "web_sessions", "user_id")
        try await db.createIndex("web_sessions_expires", on: "web_sessions", "expires_at")
        try await db.schema("instance_facts")
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .field("set_at", .datetime, .required)
            .create()
        try await db.schema("users")
            .field("session_version", .int, .required, .sql(.default(0)))
            .update()
        try await db.schema("users")
            .field("lock_count", .int, .required, .sql(.default(0)))
            .update()
        try await db.schema("victim_links")
            .field("lock_count", .int, .required, .sql(.default(0)))
            .update()
        try await db.schema("api_tokens")
            .field("expires_at", .datetime)
            .update()
        // A self-referral that looks automated is kept for the service to check, never thrown away.
        try await db.schema("self_referrals")
            .field("held_reason", .string)
            .update()
        // Sessions move to `web_sessions`; the old store goes with whatever it held (everyone signs in again).
        try await db.schema("_fluent_sessions").delete()
        // Tokens issued before expiry existed get the default lifetime from today, not an instant cut-off.
        if let sql = db as? any SQLDatabase {
            try await sql.update("api_tokens").set("expires_at", to: Date().addingTimeInterval(90 * 86_400))
                .where("expires_at", .is, SQLLiteral.null).run()
        }
    }

    func revert(on db: any Database) async throws {
        try await SessionRecord.migration.prepare(on: db).get()
        try await db.schema("self_referrals").deleteField("held_reason").update()
        try await db.schema("api_tokens").deleteField("expires_at").update()
        try await db.schema("victim_links").deleteField("lock_count").update()
        try await db.schema("users").deleteField("lock_count").update()
        try await db.schema("users").deleteField("session_version").update()
        try await db.schema("instance_facts").delete()
        try await db.schema("web_sessions").delete()
        try await db.schema("rate_counters").delete()
    }
}
