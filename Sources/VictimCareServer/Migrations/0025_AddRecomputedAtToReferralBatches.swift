import Fluent

/// A delivered batch whose victims' obligations are still to be worked out (R7 met) says so itself, so the
/// referrals worker on every node reads one small table instead of joining every sent referral to its victim.
struct AddRecomputedAtToReferralBatches: AsyncMigration {
    var name: String { "0025_AddRecomputedAtToReferralBatches" }

    func prepare(on db: any Database) async throws {
        try await db.schema("referral_batches").field("recomputed_at", .datetime).update()
        try await db.createIndex("referral_batches_recompute", on: "referral_batches", "state", "recomputed_at")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("referral_batches").deleteField("recomputed_at").update()
    }
}
