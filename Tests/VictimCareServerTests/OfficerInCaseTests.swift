import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// The officer in the case sees the case's victims (names, numbers, the latest contact notes) in "My victims". So
/// the officer must be of the unit that holds the crime, and the list shows only crimes their unit holds.
@Suite struct OfficerInCaseTests {
    /// An officer of another unit named as the officer in the case, through the API and through a move: refused on
    /// the field, and nothing is saved.
    @Test func theOfficerInTheCaseIsOfTheUnitThatHoldsTheCrime() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/25").crime
            _ = try await world.user("pc.other", .officer, unit: world.ce)
            _ = try await world.user("pc.hart", .officer)
            let headers = try await world.token()
            for body in [
                #"{"officer_in_case": "pc.other"}"#,
                #"{"officer_in_case": "pc.hart", "command_unit": "CE"}"#,
            ] {
                try await app.testing().test(
                    .PATCH, "/api/v1/crimes/\(crime.id!)", headers: headers, body: ByteBuffer(string: body)
                ) { res in
                    #expect(res.status == .unprocessableEntity, "\(body)")
                    let problem = try JSONDecoder().decode(
                        CrimesAPIControllerTests.Problem.self, from: Data(res.body.readableBytesView))
                    #expect(problem.errors?.map(\.field) == ["officer_in_case"], "\(body)")
                    #expect(problem.errors?.first?.message.contains("is not in command unit") == true)
                }
            }
            let stored = try #require(try await Crime.find(crime.id, on: app.db))
            #expect(stored.$officerInCase.id == nil)
            #expect(stored.$commandUnit.id == world.sn.id)
            // The unit's own officer is fine, and so is a move that names an officer of the new unit.
            try await app.testing().test(
                .PATCH, "/api/v1/crimes/\(crime.id!)", headers: headers,
                body: ByteBuffer(string: #"{"officer_in_case": "pc.hart"}"#)
            ) { #expect($0.status == .ok) }
            try await app.testing().test(
                .PATCH, "/api/v1/crimes/\(crime.id!)", headers: headers,
                body: ByteBuffer(string: #"{"officer_in_case": "pc.other", "command_unit": "CE"}"#)
            ) { #expect($0.status == .ok) }
        }
    }

    /// A crime held by another unit (moved before this rule, or by hand) leaves the officer's own list.
    @Test func myVictimsListsOnlyCrimesTheOfficersUnitHolds() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            _ = try await world.crime("SN/0000001/26", victim: ("Зоя", "Космодемьянская"), officer: officer)
            let moved = try await world.crime("SN/0000002/26", victim: ("Grace", "Hopper"), officer: officer).crime
            try await (app.db as! any SQLDatabase).update("crimes").set("command_unit_id", to: SQLBind(world.ce.id!))
                .where("id", .equal, moved.id!).run()
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let list = try await browser.get("/worklist")
            #expect(list.status == .ok)
            #expect(list.body.string.contains("Космодемьянская"))
            #expect(!list.body.string.contains("Hopper"), "held by CE now: not pc.hart's to list")
        }
    }
}
