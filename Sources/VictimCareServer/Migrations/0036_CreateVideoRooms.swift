import Fluent
import Foundation

/// Issue 16, item 3: a call's room, where every node can see it. Signals (offers, answers, candidates, the
/// officer admitting the victim) are rows any node relays to the sockets it holds; the call records who is in
/// the room, the browser the victim took it in, and how it ended.
struct CreateVideoRooms: AsyncMigration {
    var name: String { "0036_CreateVideoRooms" }

    func prepare(on db: any Database) async throws {
        try await db.schema("video_signals")
            .field("id", .int64, .identifier(auto: true))
            .field("call_id", .uuid, .required, .references("video_calls", "id"))
            .field("to_role", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.createIndex("video_signals_call", on: "video_signals", "call_id", "id")
        // One column per statement: SQLite adds one at a time.
        let columns: [(String, DatabaseSchema.DataType)] = [
            ("victim_browser_hash", .string), ("admitted_at", .datetime), ("started_at", .datetime),
            ("victim_seen_at", .datetime), ("officer_seen_at", .datetime), ("contact_id", .uuid),
        ]
        for (name, type) in columns {
            try await db.schema("video_calls").field(FieldKey(stringLiteral: name), type).update()
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("video_signals").delete()
        for field in [
            "victim_browser_hash", "admitted_at", "started_at", "victim_seen_at", "officer_seen_at", "contact_id",
        ] {
            try await db.schema("video_calls").deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
