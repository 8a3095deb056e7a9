import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Values at the edges of what a field can hold, sent by an ordinary signed-in user. Each of these once stopped the
/// whole server (a trap in date arithmetic or an integer overflow); each now gets its form back with the error, and
/// the server goes on serving the next request.
@Suite struct EdgeInputTests {
    @Test func timesAndDatesPastTheCalendarsEdgesAreRefusedInline() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let created = try await world.crime("SN/0000001/26", officer: officer)
            let victim = created.victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victim)")
            // A contact in the year 1 (Foundation reads the form's time as Julian, two days earlier: year 0).
            let contact = try await browser.post(
                "/victims/\(victim)/contacts",
                [
                    ("at", "0001-01-01T00:00"), ("method", "phone"), ("outcome", "spoke_to_victim"),
                    ("identityVerified", "yes"), ("welfareChecked", "yes"), ("safeToSpeak", "yes"),
                    ("contactPointID", try await world.phone(ofVictim: victim)),
                ])
            #expect(contact.status == .unprocessableEntity)
            #expect(contact.body.string.contains("must be between 1900 and 2199"))

            // A review asked for by someone told in 9999: three months later is past the calendar.
            for (type, hours) in [("suspect_interviewed", 50.0), ("decision_not_to_prosecute", 40.0)] {
                _ = try await CaseEventService.record(
                    crimeID: created.crime.id!, type: type,
                    at: Instant.format(Date().addingTimeInterval(-hours * 3600)),
                    source: "test", context: .system, on: app.db)
            }
            try await browser.get("/victims/\(victim)")
            let review = try await browser.post(
                "/victims/\(victim)/reviews",
                [("toldOn", "9999-12-31"), ("requestedOn", London.date(of: Date()).description)])
            #expect(review.status == .unprocessableEntity)
            #expect(review.body.string.contains("must be between 1900 and 2199"))
            let tomorrow = London.date(of: Date()).adding(days: 1).description
            let future = try await browser.post("/victims/\(victim)/reviews", [("toldOn", tomorrow)])
            #expect(future.status == .unprocessableEntity)
            #expect(future.body.string.contains("cannot be in the future"))
            #expect(try await ReviewRequest.query(on: app.db).count() == 0)

            // The server is still there, and a real contact is recorded.
            let fine = try await browser.post(
                "/victims/\(victim)/contacts",
                [
                    ("at", London.formatLocal(Date().addingTimeInterval(-60))), ("method", "phone"),
                    ("outcome", "spoke_to_victim"), ("identityVerified", "yes"), ("welfareChecked", "yes"),
                    ("safeToSpeak", "yes"), ("contactPointID", try await world.phone(ofVictim: victim)),
                ])
            #expect(fine.status == .seeOther)
        }
    }

    /// Through the API: a crime that occurred before 1582 (Foundation's Julian 29 February 1500).
    @Test func theAPIRefusesACrimeFromBeforeTheServicesYears() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            for (field, value) in [
                ("occurred_at", "1500-03-10T12:00:00Z"), ("reported_at", "0001-01-01T00:30:00+01:00"),
            ] {
                try await app.testing().test(
                    .POST, "/api/v1/crimes", headers: headers,
                    body: CrimesAPIControllerTests.body([field: "\"\(value)\""])
                ) { res in
                    #expect(res.status == .unprocessableEntity, "\(field) \(value)")
                    let problem = try JSONDecoder().decode(
                        CrimesAPIControllerTests.Problem.self, from: Data(res.body.readableBytesView))
                    #expect(problem.errors?.contains { $0.message.contains("between 1900 and 2199") } == true)
                }
            }
            #expect(try await Crime.query(on: app.db).count() == 0)
            try await app.testing().test(
                .POST, "/api/v1/crimes", headers: headers, body: CrimesAPIControllerTests.body()
            ) {
                #expect($0.status == .created)
            }
        }
    }

    /// Page numbers from the address bar, as large as an integer goes.
    @Test func aPageNumberPastAnyEndIsAnEmptyPage() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("root.admin", .administrator)
            try await world.user("lead.ray", .commandUnitLead)
            _ = try await world.crime("SN/0000001/26")
            var admin = Browser(app)
            try await admin.signIn("root.admin")
            #expect(try await admin.get("/admin/users?page=9223372036854775807").status == .ok)
            #expect(try await admin.get("/admin/users?page=-9223372036854775808").status == .ok)
            // A search's open-ended range is not stored: any year goes.
            let search = try await admin.get("/crimes?from=0001-01-01&to=9999-12-31")
            #expect(search.status == .ok && search.body.string.contains("SN/0000001/26"))
            var lead = Browser(app)
            try await lead.signIn("lead.ray")
            for page in ["9223372036854775807", "-9223372036854775808", "0"] {
                let drill = try await lead.get(
                    "/dashboard/metrics/needs-assessment/victims?unit=SN&part=missed&page=\(page)")
                #expect(drill.status == .ok, "page \(page)")
            }
        }
    }

    /// An administrator's date field holding only a space: "Enter the date", not a stopped server.
    @Test func aBlankDateInTheCodesSettingsIsAskedFor() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("root.admin", .administrator)
            var admin = Browser(app)
            try await admin.signIn("root.admin")
            try await admin.get("/admin/victims-code")
            let versions = try await PolicyVersion.query(on: app.db).count()
            let policy = try await admin.post(
                "/admin/victims-code/policy",
                [("effectiveFrom", " "), ("note", "x"), ("R9-suspect_arrested-standard", "2")])
            #expect(policy.status == .unprocessableEntity)
            #expect(policy.body.string.contains("Enter the date the change takes effect"))
            let calendar = try await admin.post(
                "/admin/victims-code/calendar", [("date", "  "), ("holiday", "yes"), ("name", "Coronation")])
            #expect(calendar.status == .unprocessableEntity)
            let callBack = try await admin.post(
                "/admin/victims-code/callback",
                [("offenceCode", "008/01"), ("callBack", "yes"), ("callBackNote", "x"), ("callBackFrom", " ")])
            #expect(callBack.status == .unprocessableEntity)
            #expect(try await PolicyVersion.query(on: app.db).count() == versions)
            #expect(try await admin.get("/admin/victims-code").status == .ok)
        }
    }
}
