import Fluent
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct PeopleControllerTests {
    @Test func viewingAPersonIsAudited() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000001/25")
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let page = try await browser.get("/people/\(created.victims[0].personID)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Ada Lovelace"))
            #expect(try await world.auditCount("view", "person", created.victims[0].personID) == 1)
        }
    }

    @Test func characteristicsAreRecordedByOfficersButReadOnlyByTheRolesThatNeedThem() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let personID = try await world.crime("SN/0000001/25").victims[0].personID
            try await world.user("pc.hart", .officer)
            try await world.user("analyst.one", .forceAnalyst)
            var officer = Browser(app)
            try await officer.signIn("pc.hart")
            try await officer.get("/people/\(personID)/edit")
            let saved = try await officer.post(
                "/people/\(personID)",
                [
                    ("givenName", "Ada"), ("familyName", "Lovelace"), ("dateOfBirth", "1985-04-12"), ("language", "en"),
                    ("interpreterNeeded", "no"), ("ethnicity", "caribbean"), ("disability", "limited_a_lot"),
                ])
            #expect(saved.status == .seeOther)
            let officerView = try await officer.get("/people/\(personID)").body.string
            #expect(!officerView.contains("Self-declared characteristics"))
            #expect(!officerView.contains("Caribbean"))
            var analyst = Browser(app)
            try await analyst.signIn("analyst.one")
            let analystView = try await analyst.get("/people/\(personID)").body.string
            #expect(analystView.contains("Caribbean"))
            #expect(analystView.contains("day-to-day activities limited a lot"))
            let audit = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "update").filter(\.$recordID == personID)
                    .first())
            #expect(audit.summary == "changed: disability, ethnicity", "names fields, never values")
        }
    }

    @Test func contactPointsAreMarkedSafeOrNot() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let personID = try await world.crime("SN/0000001/25").victims[0].personID
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/people/\(personID)")
            let unanswered = try await browser.post(
                "/people/\(personID)/contact-points", [("kind", "email"), ("value", "ada.work@example.org")])
            #expect(unanswered.status == .unprocessableEntity)
            #expect(unanswered.body.string.contains("Say whether this contact point is safe to use"))
            #expect(
                try await browser.post(
                    "/people/\(personID)/contact-points",
                    [
                        ("kind", "email"), ("value", "ada.work@example.org"), ("safe", "no"),
                        ("note", "Partner reads this inbox"),
                    ]
                ).status == .seeOther)
            let point = try #require(
                try await ContactPoint.query(on: app.db).filter(\.$value == "ada.work@example.org").first())
            #expect(point.safe == false)
            #expect(point.note == "Partner reads this inbox")
            try await browser.get("/people/\(personID)")
            #expect(
                try await browser.post(
                    "/people/\(personID)/contact-points/\(point.id!)", [("safe", "yes"), ("note", "")]
                ).status == .seeOther)
            #expect(try await ContactPoint.find(point.id, on: app.db)?.safe == true)
        }
    }

    @Test func searchAndAliases() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let personID = try await world.crime("SN/0000001/25", victim: ("Zofia", "Wiśniewska")).victims[0].personID
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            #expect(try await browser.get("/people?name=wisniewska").body.string.contains("Zofia Wiśniewska"))
            try await browser.get("/people/\(personID)")
            #expect(
                try await browser.post(
                    "/people/\(personID)/aliases", [("aliasGivenName", "Sophie"), ("aliasFamilyName", "Smith")]
                ).status == .seeOther)
            #expect(try await browser.get("/people?name=smith").body.string.contains("Zofia Wiśniewska"))
            #expect(try await browser.get("/crimes?name=smith").body.string.contains("SN/0000001/25"))
            #expect(
                try await browser.get("/people?name=" + String(repeating: "x", count: 201)).status
                    == .unprocessableEntity)
        }
    }

    @Test func personOutsideTheUnitNeedsAReason() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let personID = try await world.crime("CE/0000001/25", unit: world.ce).victims[0].personID
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let refused = try await browser.get("/people/\(personID)")
            #expect(refused.location?.hasPrefix("/access/person/\(personID)") == true)
            try await browser.get(refused.location!)
            try await browser.post(
                "/access/person/\(personID)",
                [("reason", "Safeguarding check for a linked referral"), ("next", "/people/\(personID)")])
            #expect(try await browser.get("/people/\(personID)").status == .ok)
        }
    }
}
