import Fluent
import Foundation
import SQLKit
import Testing
import VictimCareDomain

@testable import VictimCareServer

/// Issue 17: obligations are kept in step with the engine by updating the rows that changed, not by deleting
/// and inserting them again.
@Suite struct ObligationStoreTests {
    @Test func aDutyThatChangesIsUpdatedInPlaceAndTheRestAreLeftAlone() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let victimID = try await world.crime("SN/7100001/26").victims[0].victimID
            let officer = try await world.user("pc.store", .officer)
            func stored() async throws -> [String: ObligationRecord] {
                Dictionary(
                    uniqueKeysWithValues: try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victimID)
                        .all().map { ($0.key, $0) })
            }
            let before = try await stored()
            let confirmation = try #require(before.values.first { $0.code == "R4" })
            #expect(confirmation.state != "met")
            _ = try await VictimService.recordAction(
                victimID: victimID, kind: "written_confirmation", method: "email", context: world.context(officer),
                on: app.db)
            let after = try await stored()
            let met = try #require(after[confirmation.key])
            #expect(met.state == "met" && met.metAt != nil)
            #expect(met.id == confirmation.id, "the changed duty keeps its row")
            #expect(Set(after.keys) == Set(before.keys))
            for (key, row) in before where key != confirmation.key {
                #expect(after[key]?.id == row.id && after[key]?.state == row.state, "\(key) left alone")
            }
        }
    }

    /// Each stored row keeps the hash of what it says, so a recompute reads ids, keys and hashes rather than every
    /// column. A row written before rows kept one is compared column by column, and given its hash without
    /// counting as a change; one that differs is put right. Trusting the hash, a recompute does not notice a row
    /// changed behind the application's back (as with the victim's fingerprint); verifying does.
    @Test func rowsKeepTheHashOfWhatTheySayAndRowsWithoutOneAreComparedInFull() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let victimID = try await world.crime("SN/7100002/26").victims[0].victimID
            let sql = try #require(app.db as? any SQLDatabase)
            func rows() async throws -> [ObligationService.StoredRow] {
                try await FastRows.query(
                    "SELECT \(ObligationService.StoredRow.fullColumns) FROM obligations WHERE victim_id = ? ORDER BY id",
                    [.uuid(victimID)], on: sql
                ).map(ObligationService.StoredRow.init)
            }
            func expectHashesHold(sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let checks = try await sql.raw("SELECT * FROM obligations WHERE victim_id = \(bind: victimID)").all()
                    .map(ImportPlanTests.rowHashCheck)
                #expect(checks.allSatisfy { $0 == "ok" }, "\(checks)", sourceLocation: sourceLocation)
            }
            /// The victim's obligations read again, as after a change to their facts: the stored fingerprint no
            /// longer matches, so the rows are read.
            func recompute(verify: Bool = false) async throws -> Int {
                try await sql.raw("UPDATE victims SET obligations_hash = 0 WHERE id = \(bind: victimID)").run()
                return try await ObligationService.recompute([victimID], verify: verify, on: app.db)
            }
            // Recorded through the service: every row holds the hash of what it says.
            let recorded = try await rows()
            #expect(recorded.count > 5)
            try await expectHashesHold()

            // Rows from before rows kept a hash: compared in full, nothing changed, each given its hash.
            try await sql.raw("UPDATE obligations SET row_hash = NULL WHERE victim_id = \(bind: victimID)").run()
            #expect(try await recompute() == 0)
            try await expectHashesHold()

            // One of them wrong as well: put right, the only change.
            let wrong = try #require(recorded.first { $0.state == "open" })
            try await sql.raw(
                "UPDATE obligations SET row_hash = NULL, state = 'waived', reason = 'typed over' WHERE victim_id = \(bind: victimID)"
                    + " AND id = \(bind: wrong.id)"
            ).run()
            try await sql.raw("UPDATE obligations SET row_hash = NULL WHERE victim_id = \(bind: victimID)").run()
            #expect(try await recompute() == 1)
            let putRight = try await rows()
            try await expectHashesHold()
            #expect(putRight.map(\.id) == recorded.map(\.id), "rows kept, not replaced")
            #expect(putRight.first { $0.id == wrong.id }?.state == "open")

            // Changed behind the application's back with its hash left as it was: trusted unless verifying.
            try await sql.raw(
                "UPDATE obligations SET state = 'waived', reason = 'typed over' WHERE id = \(bind: wrong.id)"
            ).run()
            #expect(try await recompute() == 0)
            #expect(try await recompute(verify: true) == 1)
            #expect(try await rows().first { $0.id == wrong.id }?.state == "open")
        }
    }

    /// Obligation ids are 64-bit (an auto-numbered `BIGINT` on PostgreSQL). Rows numbered past 2^31, as a force's
    /// table reaches after some billions of rows written, are still hashed and put right in place.
    @Test func rowsNumberedPastTwoToTheThirtyOneAreStillUpdated() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let victimID = try await world.crime("SN/7100003/26").victims[0].victimID
            let sql = try #require(app.db as? any SQLDatabase)
            let far: Int64 = 3_000_000_000
            try await sql.raw("UPDATE obligations SET id = id + \(bind: far) WHERE victim_id = \(bind: victimID)").run()
            func rows() async throws -> [ObligationService.StoredRow] {
                try await FastRows.query(
                    "SELECT \(ObligationService.StoredRow.fullColumns) FROM obligations WHERE victim_id = ? ORDER BY id",
                    [.uuid(victimID)], on: sql
                ).map(ObligationService.StoredRow.init)
            }
            let before = try await rows()
            #expect(before.allSatisfy { $0.id > Int(far) })
            let wrong = try #require(before.first { $0.state == "open" })
            // Every row without its hash (rehashed in bulk), and one of them wrong (updated in bulk).
            try await sql.raw("UPDATE obligations SET row_hash = NULL WHERE victim_id = \(bind: victimID)").run()
            try await sql.raw(
                "UPDATE obligations SET state = 'waived', reason = 'typed over' WHERE id = \(bind: wrong.id)"
            ).run()
            try await sql.raw("UPDATE victims SET obligations_hash = 0 WHERE id = \(bind: victimID)").run()
            #expect(try await ObligationService.recompute([victimID], on: app.db) == 1)
            let after = try await rows()
            #expect(after.map(\.id) == before.map(\.id), "rows kept, not replaced")
            #expect(after.first { $0.id == wrong.id }?.state == "open")
            let checks = try await sql.raw("SELECT * FROM obligations WHERE victim_id = \(bind: victimID)").all()
                .map(ImportPlanTests.rowHashCheck)
            #expect(checks.allSatisfy { $0 == "ok" }, "\(checks)")
        }
    }
}
