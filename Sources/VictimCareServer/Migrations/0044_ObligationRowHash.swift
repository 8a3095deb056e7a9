import Fluent

/// Each obligation row keeps the hash of what it says (`Obligation.contentHash`, the figure a victim's fingerprint
/// sums). A recompute that finds a victim's fingerprint changed reads the stored rows' ids, keys and hashes, not
/// every column, to find which rows to update (the R7 catch-up after a referral export: 12 of every 13 rows read
/// were unchanged; issue 17). Rows written before this have none, and are compared column by column once, then
/// given theirs.
struct ObligationRowHash: AsyncMigration {
    var name: String { "0044_ObligationRowHash" }

    func prepare(on db: any Database) async throws {
        try await db.schema("obligations").field("row_hash", .int64).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("obligations").deleteField("row_hash").update()
    }
}
