import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 12: every page and API response that names a person leaves an audit row for that person, written by
/// the service that loaded them for display, whichever handler asked.
@Suite struct ViewAuditTests {
    /// Audit rows that record `person` as seen since `since`.
    static func seen(_ app: Application, _ person: UUID, since: Date) async throws -> Int {
        try await AuditEntry.query(on: app.db).filter(\.$action == "view").filter(\.$recordType == "person")
            .filter(\.$recordID == person).filter(\.$at >= since).count()
    }

    @Test func everyResponseThatNamesAPersonIsOnTheRecordForThem() async throws {
        try await withTestApp { app in
            // setup: an officer's crime with a victim and a suspect, referred to the support service
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let lead = try await world.user("lead.ray", .commandUnitLead)
            try await world.user("desk.kim", .victimCareDesk)
            try await world.user("vs.partner", .supportPartner)
            _ = lead
            let created = try await world.crime("SN/0000777/26", victim: ("Zainab", "Qureshi"), officer: officer)
            let crimeID = try created.crime.requireID()
            let victim = created.victims[0]
            let suspect = try await CrimeService.linkPerson(
                crimeID: crimeID, personID: nil,
                draft: PersonDraft(givenName: "Stan", familyName: "Vowles", snakeCase: true), role: "suspect",
                context: .system, on: app.db
            ).$person.id
            let referral = Referral()
            referral.$victim.id = victim.victimID
            referral.routeCode = Referral.Route.transfer.rawValue
            referral.statusCode = Referral.Status.sent.rawValue
            referral.createdAt = Date()
            referral.sentAt = Date()
            try await referral.create(on: app.db)
            let token = try await world.token(.administrator)

            // Each request, and who it must leave on the record.
            let pages: [(String, String, [UUID])] = [
                ("pc.hart", "/crimes/\(crimeID)", [victim.personID, suspect]),
                ("pc.hart", "/victims/\(victim.victimID)", [victim.personID]),
                ("pc.hart", "/people/\(victim.personID)", [victim.personID]),
                ("pc.hart", "/people/\(victim.personID)/edit", [victim.personID]),
                ("pc.hart", "/victims/\(victim.victimID)/assessment", [victim.personID]),
                ("pc.hart", "/people?name=Qureshi", [victim.personID]),
                ("pc.hart", "/people?name=Vowles", [suspect]),
                ("pc.hart", "/crimes?name=Qureshi", [victim.personID]),
                ("pc.hart", "/crimes/\(crimeID)/people/new?name=Vowles&role=witness", [suspect]),
                ("pc.hart", "/worklist", [victim.personID]),
                ("pc.hart", "/cases", [victim.personID]),
                ("lead.ray", "/worklist/unit", [victim.personID]),
                ("lead.ray", "/worklist/team", [victim.personID]),
                ("lead.ray", "/dashboard/metrics/needs-assessment/victims?unit=SN&part=missed", [victim.personID]),
                (
                    "lead.ray", "/dashboard/metrics/needs-assessment/victims?unit=SN&part=missed&csv=victims",
                    [
                        victim.personID
                    ]
                ),
                ("desk.kim", "/desk?q=Qureshi", [victim.personID]),
                ("desk.kim", "/desk?q=SN/0000777/26", [victim.personID]),
                ("vs.partner", "/referrals", [victim.personID]),
            ]
            var browsers: [String: Browser] = [:]
            for (username, path, people) in pages {
                var browser = browsers[username] ?? Browser(app)
                if browsers[username] == nil { try await browser.signIn(username) }
                let since = Date()
                let response = try await browser.get(path)
                browsers[username] = browser
                #expect(response.status == .ok, "\(username) \(path): \(response.status)")
                for person in people {
                    #expect(try await Self.seen(app, person, since: since) >= 1, "\(username) \(path) audits \(person)")
                }
            }
            let api: [(String, [UUID])] = [
                ("/api/v1/crimes/\(crimeID)", [victim.personID, suspect]),
                ("/api/v1/crimes/\(crimeID)/people", [victim.personID, suspect]),
                ("/api/v1/people/\(victim.personID)", [victim.personID]),
                ("/api/v1/people?name=Qureshi", [victim.personID]),
                ("/api/v1/crimes?name=Qureshi", [victim.personID]),
            ]
            for (path, people) in api {
                let since = Date()
                let response = try await app.testing().sendRequest(.GET, path, headers: token)
                #expect(response.status == .ok, "\(path): \(response.status)")
                for person in people {
                    #expect(try await Self.seen(app, person, since: since) >= 1, "\(path) audits \(person)")
                }
            }
        }
    }

    @Test func searchesAreAuditedWithTheirTerms() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/people?name=Nobody+Here")
            try await browser.get("/crimes?reference=SN/123")
            let searches = try await AuditEntry.query(on: app.db).filter(\.$action == "search").all().map(\.summary)
            #expect(searches.contains { $0.contains("Nobody Here") && $0.contains("0 shown") })
            #expect(searches.contains { $0.contains("reference SN/123") })
        }
    }
}
