import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 13: nothing typed is lost, and every page tells the truth.
@Suite struct NothingLostTests {
    @Test func aBlankNeedsAssessmentIsADraftThatSaysWhatIsMissingAndLeavesR6Open() async throws {
        try await withTestApp { app in
            // setup
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let victim = try await world.crime("SN/0001301/26", officer: officer).victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let form = try await browser.get("/victims/\(victim)/assessment").body.string
            // Nothing pre-answered: "not asked" is not "no".
            #expect(!form.contains(#"id="interpreterNeeded-no" name="interpreterNeeded" value="no" checked"#))
            // act
            let saved = try await browser.post("/victims/\(victim)/assessment", [("language", "en")])
            // check
            #expect(saved.status == .seeOther)
            let page = try await browser.get("/victims/\(victim)").body.string
            #expect(page.contains("Saved as a draft"))
            #expect(page.contains("still to answer whether they need an interpreter"))
            let r6 = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R6")
                    .first())
            #expect(r6.state == "open")
            let again = try await browser.get("/victims/\(victim)/assessment").body.string
            #expect(again.contains("The last assessment is a draft") && again.contains("href=\"#feelsSafe\""))
            // Every required question answered: complete, and R6 met.
            try await browser.post(
                "/victims/\(victim)/assessment",
                [
                    ("language", "en"), ("interpreterNeeded", "no"), ("feelsSafe", "yes"), ("suspectHasAccess", "no"),
                    ("supportWanted", "yes"), ("referralConsent", "yes"), ("bereaved", "no"),
                    ("persistentlyTargeted", "no"), ("intimidated", "no"),
                    ("safetyNotes", String(repeating: "Lives with her sister; call after 6pm. ", count: 25)),
                ])
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R6")
                    .first()?.state == "met")
            #expect(try await browser.get("/victims/\(victim)").body.string.contains("Needs assessment completed"))
        }
    }

    @Test func aPhoneCallMustNameTheNumberAndNotesAreShownWhereverTheVictimIs() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            try await world.user("desk.kim", .victimCareDesk)
            let victim = try await world.crime("SN/0001302/26", officer: officer).victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victim)")
            // A phone call with "none" as the number: refused on that field, with what was typed kept.
            let noNumber = try await browser.post(
                "/victims/\(victim)/contacts",
                [
                    ("at", London.formatLocal(Date())), ("method", "phone"), ("outcome", "spoke_to_victim"),
                    ("identityVerified", "yes"), ("welfareChecked", "yes"), ("safeToSpeak", "yes"),
                    ("notes", "Wants a call back from the officer in the case"),
                ])
            #expect(noNumber.status == .unprocessableEntity)
            #expect(noNumber.body.string.contains(##"<a href="#contactPointID">Choose the number you called</a>"##))
            #expect(noNumber.body.string.contains("Wants a call back from the officer in the case"))
            #expect(try await Contact.query(on: app.db).filter(\.$victim.$id == victim).count() == 0)
            // A visit needs none.
            let visit = try await browser.post(
                "/victims/\(victim)/contacts",
                [
                    ("at", London.formatLocal(Date())), ("method", "in_person"), ("outcome", "spoke_to_victim"),
                    ("identityVerified", "yes"), ("welfareChecked", "yes"), ("safeToSpeak", "yes"),
                    ("notes", "Wants a call back from the officer in the case"), ("confirmWarnings", "yes"),
                ])
            #expect(visit.status == .seeOther)
            // The note is on the victim's page and on the officer's list.
            #expect(
                try await browser.get("/victims/\(victim)").body.string.contains(
                    "Wants a call back from the officer in the case"))
            #expect(
                try await browser.get("/worklist").body.string.contains(
                    "Last note:</span> Wants a call back from the officer in the case"))
            // A desk call's note reaches the desk's log, the victim's page and the worklist.
            var desk = Browser(app)
            try await desk.signIn("desk.kim")
            try await desk.get("/desk?q=SN/0001302/26")
            let call = try await desk.post(
                "/desk/calls",
                [
                    ("victimID", victim.uuidString), ("direction", "inbound"), ("caller", "victim"),
                    ("reason", "update_request"), ("outcome", "message_for_officer"),
                    ("notes", "Asked for a call back after 6pm about her phone"), ("identityVerified", "yes"),
                    ("welfareChecked", "yes"), ("safeToSpeak", "yes"),
                ])
            #expect(call.status == .seeOther)
            #expect(try await desk.get("/desk").body.string.contains("Asked for a call back after 6pm about her phone"))
            let victimPage = try await browser.get("/victims/\(victim)").body.string
            #expect(victimPage.contains("Calls to the Victim Focus Desk"))
            #expect(victimPage.contains("Asked for a call back after 6pm about her phone"))
            #expect(
                try await browser.get("/worklist").body.string.contains(
                    "Last note:</span> Asked for a call back after 6pm about her phone"))
        }
    }

    @Test func theDeskSaysWhoMatchedAndNeverOffersAVictimsCallFromASuspectsName() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("desk.kim", .victimCareDesk)
            let created = try await world.crime("SN/0001303/26", victim: ("Amal", "Rahman"))
            _ = try await CrimeService.linkPerson(
                crimeID: created.crime.id!, personID: nil,
                draft: PersonDraft(givenName: "Derek", familyName: "Stoker", snakeCase: true), role: "suspect",
                context: .system, on: app.db)
            var desk = Browser(app)
            try await desk.signIn("desk.kim")
            let bySuspect = try await desk.get("/desk?q=Stoker").body.string
            #expect(bySuspect.contains("Matched Derek Stoker, suspect in SN/0001303/26"))
            #expect(!bySuspect.contains("Log a call about Amal Rahman"))
            #expect(!bySuspect.contains(#"action="/desk/calls""#))
            let byVictim = try await desk.get("/desk?q=Rahman").body.string
            #expect(byVictim.contains("Matched Amal Rahman, victim in SN/0001303/26"))
            #expect(byVictim.contains("Log a call about Amal Rahman"))
        }
    }

    @Test func errorsLandOnTheFieldThatHoldsThemAndHeadingsStayPlain() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let supervisor = try await world.user("sgt.lee", .supervisor)
            _ = supervisor
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/new")
            let future = London.formatLocal(Date().addingTimeInterval(3 * 86_400))
            let crime = try await browser.post(
                "/crimes",
                [
                    ("reference", "SN/0001304/26"), ("offenceCode", "049/00"), ("occurredFrom", future),
                    ("reportedAt", London.formatLocal(Date())), ("channel", "telephone"), ("commandUnit", "SN"),
                    ("summary", String(repeating: "A long account of what happened that evening. ", count: 60)),
                ])
            let html = crime.body.string
            #expect(crime.status == .unprocessableEntity)
            #expect(html.contains(##"<a href="#occurredFrom">When it happened cannot be in the future</a>"##))
            #expect(!html.contains("When it was reported must be after when it happened"))
            #expect(html.contains("<title>Error: Record a crime") && html.contains("<h1>Record a crime</h1>"))
            #expect(html.contains("A long account of what happened that evening."), "what was typed is kept")
            // The waive form's error names the duty, links to its own reason box, and opens that panel again.
            let victim = try await world.crime("SN/0001305/26", officer: officer).victims[0].victimID
            var sergeant = Browser(app)
            try await sergeant.signIn("sgt.lee")
            try await sergeant.get("/victims/\(victim)")
            let key = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R16")
                    .first()?.key)
            let waived = try await sergeant.post("/victims/\(victim)/waivers", [("key", key), ("reason", "short")])
            #expect(waived.status == .unprocessableEntity)
            #expect(
                waived.body.string.contains("<a href=\"#reason-\(key)\">R16: Give a reason of at least 10 characters"))
            #expect(waived.body.string.contains("id=\"reason-\(key)\""))
            #expect(waived.body.string.contains("<details open><summary>Waive R16"))
        }
    }

    @Test(arguments: [
        (Role.officer, "/worklist"), (.supervisor, "/worklist/team"), (.commandUnitLead, "/worklist/unit"),
        (.victimCareDesk, "/desk"), (.forceAnalyst, "/dashboard"), (.witnessCareUnit, "/witness-care"),
        (.supportPartner, "/referrals"), (.prosecutor, "/shared"), (.administrator, "/admin"),
    ])
    func eachRoleStartsAtItsOwnWork(_ role: Role, _ home: String) async throws {
        try await withTestApp { app in
            try await World(app).user("someone", role)
            var browser = Browser(app)
            let signIn = try await browser.signIn("someone")
            #expect(signIn.location == "/")
            #expect(try await browser.get("/").location == home)
            let page = try await browser.get(home)
            #expect(page.status == .ok, "\(role): \(home)")
            #expect(page.body.string.contains(#"href="/account""#) && page.body.string.contains(#"href="/help""#))
            #expect(!page.body.string.contains("Your role sees only what is shared"))
        }
    }

    @Test func anAccountPageEndsEverySessionAtOnce() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var laptop = Browser(app)
            var phone = Browser(app)
            try await laptop.signIn("pc.hart")
            try await phone.signIn("pc.hart")
            let account = try await laptop.get("/account").body.string
            #expect(account.contains("in 2 places") && account.contains("Change your password"))
            let out = try await laptop.post("/account/sign-out-everywhere", [])
            #expect(out.location == "/sign-in")
            #expect(try await laptop.get("/worklist").location?.hasPrefix("/sign-in") == true)
            #expect(try await phone.get("/worklist").location?.hasPrefix("/sign-in") == true)
            #expect(try await World(app).auditCount("sign_out", "user", nil) == 1)
        }
    }

    @Test func administratorsFindPeopleInTheAuditAndUsersByPartOfAName() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("root.admin", .administrator)
            for n in 1...60 { try await world.user("pc.mass\(n)", .officer) }
            try await world.user("pc.rivera", .officer)
            var rivera = Browser(app)
            try await rivera.signIn("pc.rivera")
            var admin = Browser(app)
            try await admin.signIn("root.admin")
            let users = try await admin.get("/admin/users").body.string
            #expect(users.contains("Next page"))
            let found = try await admin.get("/admin/users?q=RIV").body.string
            #expect(found.contains("pc.rivera") && !found.contains("pc.mass1<"))
            let audit = try await admin.get("/admin/audit?actor=rivera").body.string
            #expect(audit.contains("Pc.Rivera") && audit.contains("Signed in"))
            #expect(!audit.contains(">sign_in<"))
        }
    }
}
