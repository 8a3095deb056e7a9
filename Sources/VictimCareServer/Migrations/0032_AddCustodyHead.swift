import Fluent
import FluentSQL
import Foundation
import SQLKit

/// Each evidence item remembers the last entry of its chain of custody, so entries removed from the end of the
/// chain are found by `verify` as surely as entries changed in the middle.
struct AddCustodyHead: AsyncMigration {
    var name: String { "0032_AddCustodyHead" }

    func prepare(on db: any Database) async throws {
        try await db.schema("evidence_items").field("custody_seq", .int, .required, .sql(.default(0))).update()
        try await db.schema("evidence_items")
            .field("custody_head", .string, .required, .sql(.default(String(repeating: "0", count: 64)))).update()
        guard let sql = db as? any SQLDatabase else { return }
        // Existing chains: their last entry as it stands now.
        try await sql.raw(
            """
            UPDATE evidence_items SET
              custody_seq = COALESCE((SELECT MAX(seq) FROM custody_entries c WHERE c.item_id = evidence_items.id), 0),
              custody_head = COALESCE((SELECT c.hash FROM custody_entries c WHERE c.item_id = evidence_items.id
                ORDER BY c.seq DESC LIMIT 1), custody_head)
            """
        ).run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("evidence_items").deleteField("custody_head").update()
        try await db.schema("evidence_items").deleteField("custody_seq").update()
    }
}
