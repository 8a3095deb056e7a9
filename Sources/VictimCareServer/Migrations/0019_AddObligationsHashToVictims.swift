import Fluent

/// A fingerprint of each victim's stored obligations. A recompute that derives the same fingerprint has
/// nothing to write, so it need not read the obligations back at all (most victims, most of the time).
struct AddObligationsHashToVictims: AsyncMigration {
    var name: String { "0019_AddObligationsHashToVictims" }

    func prepare(on db: any Database) async throws {
        try await db.schema("victims").field("obligations_hash", .int64).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("victims").deleteField("obligations_hash").update()
    }
}
