import Fluent
import FluentSQL
import Foundation
import SQLKit

/// Issue 16, item 3: a third participant in a call, invited by the officer: an interpreter, a parent or guardian,
/// or a supporter. The invitation is a link whose secret is kept only as a hash, bound (like the victim's) to the
/// first browser that opens it; the officer admits the guest, and can withdraw the invitation.
struct CreateVideoGuests: AsyncMigration {
    var name: String { "0038_CreateVideoGuests" }

    func prepare(on db: any Database) async throws {
        try await db.schema("video_guests")
            .id()
            .field("call_id", .uuid, .required, .references("video_calls", "id"))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("secret_hash", .string, .required)
            .field("browser_hash", .string)
            .field("admitted_at", .datetime)
            .field("seen_at", .datetime)
            .field("revoked_at", .datetime)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "secret_hash")
            .create()
        // One current invitation per call, held by the database: two made at once, one is kept.
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            "CREATE UNIQUE INDEX video_guests_current ON video_guests (call_id) WHERE revoked_at IS NULL"
        ).run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("video_guests").delete()
    }
}
