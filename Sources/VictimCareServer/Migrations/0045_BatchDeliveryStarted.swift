import Fluent

/// When a batch's delivery began writing its files. Refer at charge withdraws a waiting member of a batch only while
/// no delivery of it has begun: a member already read into the files is going to the support service, and
/// withdrawing them then would refer them twice (issue 17, twenty-first step).
struct BatchDeliveryStarted: AsyncMigration {
    var name: String { "0045_BatchDeliveryStarted" }

    func prepare(on db: any Database) async throws {
        try await db.schema("referral_batches").field("delivery_started_at", .datetime).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("referral_batches").deleteField("delivery_started_at").update()
    }
}
