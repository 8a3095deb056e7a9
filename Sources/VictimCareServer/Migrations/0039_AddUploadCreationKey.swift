import Fluent
import SQLKit

/// A browser that loses its connection while creating an upload cannot know whether the server made it, so it
/// asks again with the same random key; the key names the upload it made, so a retry returns that upload
/// instead of starting a second recording. One key per interview.
struct AddUploadCreationKey: AsyncMigration {
    var name: String { "0039_AddUploadCreationKey" }

    func prepare(on db: any Database) async throws {
        try await db.schema("evidence_items").field("creation_key", .string).update()
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.create(index: "evidence_items_creation_key").unique().on("evidence_items")
            .column("interview_id").column("creation_key").run()
    }

    func revert(on db: any Database) async throws {
        try await db.dropIndex("evidence_items_creation_key")
        try await db.schema("evidence_items").deleteField("creation_key").update()
    }
}
