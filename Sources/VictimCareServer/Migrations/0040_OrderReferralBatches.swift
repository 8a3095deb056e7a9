import Fluent

/// The export reads a batch 2,000 referrals at a time in referral-id order. With the batch's index on
/// `batch_id` alone, each page had to gather every member still to come and sort them (PostgreSQL, whose
/// statistics do not yet know the new batch's size, did so once per page: a million-member batch read its
/// members 500 times over). Indexed on `(batch_id, id)`, a page is one range of the index.
struct OrderReferralBatches: AsyncMigration {
    var name: String { "0040_OrderReferralBatches" }

    func prepare(on db: any Database) async throws {
        try await db.createIndex("referrals_batch_order", on: "referrals", "batch_id", "id")
        try await db.dropIndex("referrals_batch")
    }

    func revert(on db: any Database) async throws {
        try await db.createIndex("referrals_batch", on: "referrals", "batch_id")
        try await db.dropIndex("referrals_batch_order")
    }
}
