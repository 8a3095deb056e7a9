import Fluent

/// The victims behind a figure are listed in deadline (or contact) order and stop at a page: these indexes let
/// the database walk a rule's obligations by deadline, and contacts by time, instead of scanning them all.
struct AddDashboardIndexes: AsyncMigration {
    var name: String { "0028_AddDashboardIndexes" }

    func prepare(on db: any Database) async throws {
        try await db.createIndex("obligations_code_due", on: "obligations", "code", "due_date")
        try await db.createIndex("contacts_at", on: "contacts", "at")
    }

    func revert(on db: any Database) async throws {
        try await db.dropIndex("contacts_at")
        try await db.dropIndex("obligations_code_due")
    }
}
