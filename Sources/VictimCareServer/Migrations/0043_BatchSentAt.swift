import Fluent
import SQLKit

/// A transfer referral's "sent" is kept on its batch: delivering a batch marks one row, where it used to write
/// every member's status and the facts version of every member's victim (three updates of the whole batch, about
/// half the export's time; issue 17). `sent_at` is the batch's first delivery; a later one (sent again) keeps it.
/// Batches delivered before this keep their members' own sent times, which are read first.
///
/// The members of delivered batches stay `ready` in their own rows, so the index the claim and the waiting count
/// use holds the batch too: `(status, route, batch_id)`, where `(status, route)` would lead them through every
/// referral ever sent by the transfer.
struct BatchSentAt: AsyncMigration {
    var name: String { "0043_BatchSentAt" }

    func prepare(on db: any Database) async throws {
        try await db.schema("referral_batches").field("sent_at", .datetime).update()
        guard let sql = db as? any SQLDatabase else { return }
        try await db.createIndex("referrals_waiting", on: "referrals", "status", "route", "batch_id")
        // Absent while a bulk first load runs (it drops the secondary indexes and makes them again after).
        try await sql.drop(index: "referrals_status").ifExists().run()
        try await sql.raw("UPDATE referral_batches SET sent_at = delivered_at WHERE state = 'delivered'").run()
    }

    func revert(on db: any Database) async throws {
        try await db.createIndex("referrals_status", on: "referrals", "status", "route")
        try await db.dropIndex("referrals_waiting")
        try await db.schema("referral_batches").deleteField("sent_at").update()
    }
}
