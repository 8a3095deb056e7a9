import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct WorklistsControllerTests {
    @Test func rowsWrittenInSwiftEscapeEveryValue() {
        let line = WorklistsController.Line(
            victimID: UUID(), crimeID: UUID(), reference: "SN/1/26\"><x>", name: "<script>alert('x')</script> & Co",
            enhanced: true, officer: "PC <O'Neil>", preferred: "Phone", preferredCode: "phone\"",
            duties: [.init(code: "R<7>", due: "Mon 1 Dec")], firstDue: "Mon 1 Dec",
            points: [.init(value: "id\"", label: "07700 <900123>", selected: false)], needsPointButHasNone: false,
            lastNote: "Wants a call <back> from \"the officer\"")
        let html = WorklistHTML.items(
            [line],
            .init(
                showOfficer: true, quickContact: true, csrf: "tok\"en", returnTo: "/worklist",
                outcomes: [.init(value: "a\"b", label: "<i>", selected: false)]))
        #expect(!html.contains("<script>") && !html.contains("<x>") && !html.contains("<i>") && !html.contains("R<7>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"))
        #expect(html.contains("Officer: PC &lt;O&#39;Neil&gt;."))
        #expect(html.contains("value=\"tok&quot;en\"") && html.contains("value=\"phone&quot;\""))
        #expect(html.contains("Enhanced rights"))
        #expect(html.contains("Last note:</span> Wants a call &lt;back&gt; from &quot;the officer&quot;"))
        #expect(html.contains("07700 &lt;900123&gt;") && html.contains("value=\"id&quot;\""))
        let plain = WorklistHTML.items(
            [line], .init(showOfficer: false, quickContact: false, csrf: "", returnTo: "", outcomes: []))
        #expect(!plain.contains("<form") && !plain.contains("Officer:"))
    }

    @Test func anOfficersDayStartsWithOverdueThenDueVictims() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            try await world.user("pc.other", .officer)
            let old = try await world.crime(
                "SN/0000001/26", victim: ("Old", "Case"),
                reported: Instant.format(Date().addingTimeInterval(-20 * 86_400)), officer: officer)
            let fresh = try await world.crime(
                "SN/0000002/26", victim: ("New", "Case"), reported: Instant.format(Date()), officer: officer)
            try await world.crime("SN/0000003/26", victim: ("Someone", "Else"))
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let page = try await browser.get("/worklist").body.string
            let overdue = try #require(page.range(of: "id=\"overdue\""))
            let oldAt = try #require(page.range(of: "Old Case"))
            let newAt = try #require(page.range(of: "New Case"))
            #expect(overdue.lowerBound < oldAt.lowerBound && oldAt.lowerBound < newAt.lowerBound)
            #expect(!page.contains("Someone Else"))
            #expect(
                page.contains("name=\"_csrf\" value=\"\(browser.csrf ?? "-")\""),
                "each quick-contact form carries the token")
            // One-click record of a successful call from the list.
            let response = try await browser.post(
                "/victims/\(old.victims[0].victimID)/contacts",
                [
                    ("method", "phone"), ("outcome", "spoke_to_victim"), ("identityVerified", "yes"),
                    ("welfareChecked", "yes"), ("safeToSpeak", "yes"), ("returnTo", "/worklist"),
                    ("contactPointID", try await world.phone(ofVictim: old.victims[0].victimID)),
                ])
            #expect(response.location == "/worklist")
            #expect(
                try await Contact.query(on: app.db).filter(\.$victim.$id == old.victims[0].victimID).first()?.successful
                    == true)
            _ = fresh
            var other = Browser(app)
            try await other.signIn("pc.other")
            #expect(try await other.get("/worklist/team").status == .forbidden, "officers have no team view")
        }
    }

    @Test func supervisorsAndLeadsSeeLoadsPerOfficer() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let team = Team(commandUnitID: world.sn.id!, name: "Response Team 1", kind: "response")
            try await team.create(on: app.db)
            let officer = try await world.user("pc.hart", .officer)
            officer.$team.id = team.id
            try await officer.save(on: app.db)
            let supervisor = try await world.user("ps.cole", .supervisor)
            supervisor.$team.id = team.id
            try await supervisor.save(on: app.db)
            try await world.user("cs.lead", .commandUnitLead)
            try await world.crime("SN/0000001/26", victim: ("Team", "Victim"), officer: officer)
            try await world.crime("CE/0000002/26", unit: world.ce, victim: ("East", "Victim"))
            var sup = Browser(app)
            try await sup.signIn("ps.cole")
            let teamPage = try await sup.get("/worklist/team").body.string
            #expect(teamPage.contains("Team: Response Team 1"))
            #expect(teamPage.contains("Team Victim") && teamPage.contains("Pc.Hart"))
            #expect(!teamPage.contains("East Victim"))
            #expect(try await sup.get("/worklist/unit").status == .forbidden)
            var lead = Browser(app)
            try await lead.signIn("cs.lead")
            let unitPage = try await lead.get("/worklist/unit").body.string
            #expect(unitPage.contains("Team Victim") && !unitPage.contains("East Victim"))
        }
    }

    @Test func theDeskFindsACaseAndLogsTheCallAsAContact() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("desk.one", .victimCareDesk)
            try await world.user("pc.hart", .officer)
            let created = try await world.crime(
                "CE/0000009/26", unit: world.ce, victim: ("Caller", "Victim"),
                reported: Instant.format(Date().addingTimeInterval(-40 * 86_400)))
            var desk = Browser(app)
            try await desk.signIn("desk.one")
            let board = try await desk.get("/desk").body.string
            #expect(board.contains("Caller Victim"), "an overdue update shows force-wide")
            let found = try await desk.get("/desk?q=CE/0000009/26").body.string
            #expect(found.contains("Caller Victim") && found.contains("Next: R"))
            let logged = try await desk.post(
                "/desk/calls",
                [
                    ("victimID", created.victims[0].victimID.uuidString), ("direction", "inbound"),
                    ("caller", "victim"),
                    ("reason", "update_request"), ("outcome", "update_given"), ("identityVerified", "yes"),
                    ("welfareChecked", "yes"), ("safeToSpeak", "yes"),
                ])
            #expect(logged.status == .seeOther)
            let call = try #require(try await DeskCall.query(on: app.db).with(\.$contact).first())
            #expect(call.contact?.successful == true)
            #expect(call.contact?.direction == "inbound")
            #expect(try await desk.get("/desk").body.string.contains("Successful contact"))
            // The recent calls show the call's notes about the victim: the victim is audited as seen there.
            let listed = try await AuditEntry.query(on: app.db).filter(\.$action == "view")
                .filter(\.$recordType == "victim").filter(\.$recordID == created.victims[0].victimID)
                .filter(\.$summary == "listed in the desk's recent calls").all()
            #expect(listed.map(\.actorName) == ["Desk.One"])
            var officer = Browser(app)
            try await officer.signIn("pc.hart")
            #expect(try await officer.get("/desk").status == .forbidden)
        }
    }
}
