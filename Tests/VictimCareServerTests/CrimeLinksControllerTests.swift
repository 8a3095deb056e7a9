import Fluent
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct CrimeLinksControllerTests {
    @Test func anExistingPersonIsLinkedNotDuplicated() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let first = try await world.crime("SN/0000001/25", victim: ("Grace", "Hopper"))
            let second = try await world.crime("SN/0000002/25", victim: ("Alan", "Turing"))
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let search = try await browser.get("/crimes/\(second.crime.id!)/people/new?name=hopper&role=victim").body
                .string
            #expect(search.contains("Grace Hopper"))
            let response = try await browser.post(
                "/crimes/\(second.crime.id!)/people",
                [("personID", first.victims[0].personID.uuidString), ("role", "victim")])
            #expect(response.status == .seeOther)
            #expect(try await Person.query(on: app.db).filter(\.$familyName == "Hopper").count() == 1)
            let again = try await browser.post(
                "/crimes/\(second.crime.id!)/people",
                [("personID", first.victims[0].personID.uuidString), ("role", "victim")])
            #expect(again.status == .conflict)
            let person = try await browser.get("/people/\(first.victims[0].personID)").body.string
            #expect(person.contains("SN/0000001/25") && person.contains("SN/0000002/25"))
            #expect(person.contains("Repeat victim"))
        }
    }

    @Test func newPersonPropertyAndPlaceAreAdded() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/25").crime
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/\(crime.id!)/people/new")
            let missing = try await browser.post(
                "/crimes/\(crime.id!)/people", [("role", "witness"), ("givenName", "Tim"), ("phone", "07700 900321")])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("Enter the family name"))
            #expect(missing.body.string.contains("Say whether it is safe to contact them on this number"))
            #expect(
                try await browser.post(
                    "/crimes/\(crime.id!)/people",
                    [
                        ("role", "witness"), ("givenName", "Tim"), ("familyName", "Berners-Lee"),
                        ("phone", "07700 900321"), ("phoneSafe", "yes"),
                    ]
                ).status == .seeOther)
            try await browser.get("/crimes/\(crime.id!)/property/new")
            let badImei = try await browser.post(
                "/crimes/\(crime.id!)/property",
                [("description", "Phone"), ("imei", "123"), ("custodyStatus", "stolen"), ("role", "stolen")])
            #expect(badImei.status == .unprocessableEntity)
            #expect(
                try await browser.post(
                    "/crimes/\(crime.id!)/property",
                    [
                        ("description", "Black smartphone"), ("imei", "356938035643809"), ("custodyStatus", "stolen"),
                        ("stolenOn", "2025-06-01"), ("role", "stolen"),
                    ]
                ).status == .seeOther)
            try await browser.get("/crimes/\(crime.id!)/places/new")
            let badPostcode = try await browser.post(
                "/crimes/\(crime.id!)/places",
                [("address", "1 Acacia Avenue"), ("postcode", "NOT A CODE"), ("role", "scene")])
            #expect(badPostcode.status == .unprocessableEntity)
            #expect(
                try await browser.post(
                    "/crimes/\(crime.id!)/places",
                    [("address", "1 Acacia Avenue"), ("postcode", "br13ls"), ("role", "scene")]
                ).status == .seeOther)
            let page = try await browser.get("/crimes/\(crime.id!)").body.string
            #expect(page.contains("Tim Berners-Lee"))
            #expect(page.contains("IMEI 356938035643809"))
            #expect(page.contains("BR1 3LS"))
        }
    }

    @Test func unlinkingKeepsThePersonRecord() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000001/25")
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/\(created.crime.id!)")
            #expect(
                try await browser.post("/crimes/\(created.crime.id!)/people/\(created.victims[0].victimID)/delete", [])
                    .status == .seeOther)
            #expect(try await CrimePerson.query(on: app.db).count() == 0)
            #expect(try await Person.find(created.victims[0].personID, on: app.db) != nil)
            #expect(try await world.auditCount("delete", "crime_person", created.victims[0].victimID) == 1)
        }
    }
}

@Suite struct VictimLinkTests {
    @Test func aPersonAddedAsVictimIsOwedWhatVictimsAreOwed() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/26").crime
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/\(crime.id!)/people/new")
            try await browser.post(
                "/crimes/\(crime.id!)/people", [("role", "victim"), ("givenName", "Second"), ("familyName", "Victim")])
            let link = try #require(try await CrimePerson.query(on: app.db).filter(\.$givenNameKey == "second").first())
            #expect(try await Victim.find(link.id, on: app.db) != nil)
            let codes = Set(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == link.id!).all().map(\.code))
            #expect(codes.isSuperset(of: ["R4", "R5", "R6", "R7", "R16", "R15"]))
            #expect(try await browser.get("/crimes/\(crime.id!)").body.string.contains("/victims/\(link.id!)"))
            // Removing them removes their Victims' Code record; once contacts exist, they cannot be removed.
            try await browser.post("/crimes/\(crime.id!)/people/\(link.id!)/delete", [])
            #expect(try await Victim.find(link.id, on: app.db) == nil)
            #expect(try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == link.id!).count() == 0)
        }
    }

    @Test func changingTheCrimeRecomputesItsVictims() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000001/26", offence: "049/00")
            let victim = created.victims[0].victimID
            #expect(try await Victim.find(victim, on: app.db)?.enhanced == false)
            var draft = CrimeDraft()
            draft.reference = "SN/0000001/26"
            draft.offenceCode = "019/07"
            draft.occurredFrom = Instant.format(created.crime.occurredFrom)
            draft.reportedAt = Instant.format(created.crime.reportedAt)
            draft.channel = "telephone"
            draft.commandUnit = "SN"
            _ = try await CrimeService.update(created.crime.id!, draft, context: .system, on: app.db)
            let after = try #require(try await Victim.find(victim, on: app.db))
            #expect(
                after.enhanced && after.grounds.contains(.intimidated),
                "a sexual offence complainant is intimidated automatically")
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R7a")
                    .count() == 1)
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R15")
                    .filter(\.$state == "open").count() == 1)
            try await CrimeService.changeStatus(
                created.crime.id!, to: "closed", note: nil, context: .system, on: app.db)
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R15")
                    .filter(\.$state == "open").count() == 0,
                "closing the case ends the regular updates")
        }
    }
}
