import Fluent
import Foundation
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
}
