import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 16, item 1: the triage of a report, the offer of a video call to each victim under the rules, their
/// choice and its reason, and the visit a victim who chose video can still ask for on their case page.
@Suite struct ResponseTriageTests {
    static func calm(_ reason: String = "Bicycle taken from a shed overnight; no suspect on scene.")
        -> ResponseTriageService.TriageDraft
    {
        .init(threat: "none", risk: "low", harm: "low", attendanceNeeded: "no", reason: reason)
    }

    static let ready = ResponseTriageService.OfferDraft(
        guardianPresent: false, hasVideoDevice: "yes", hasConnection: "yes", offenderPresent: "no", choice: "video")

    @Test func theTriageIsCheckedKeptAndGuardedByUnit() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.lane", .officer)
            let crime = try await world.crime("SN/0016001/26", officer: officer)
            let id = crime.crime.id!
            // Nothing chosen, a reason too short: each said against its field, nothing saved.
            do {
                _ = try await ResponseTriageService.record(
                    id, .init(reason: "ok"), context: world.context(officer), on: app.db)
                Issue.record("an empty triage was taken")
            } catch DomainError.invalid(let problems) {
                #expect(Set(problems.map(\.field)) == ["threat", "risk", "harm", "attendanceNeeded", "reason"])
            }
            #expect(try await ResponseTriageService.current(crimeID: id, on: app.db) == nil)
            // A reason in another script, long: kept whole.
            let long = String(repeating: "Ofiara zgłosiła kradzież roweru. 被害者は無事です。 ", count: 30)
            let first = try await ResponseTriageService.record(
                id, Self.calm(long), context: world.context(officer), on: app.db)
            #expect(first.offersVideo && first.reason == long.trimmingCharacters(in: .whitespaces))
            var high = Self.calm()
            high.risk = "high"
            let second = try await ResponseTriageService.record(id, high, context: world.context(officer), on: app.db)
            #expect(!second.offersVideo)
            #expect(try await ResponseTriageService.current(crimeID: id, on: app.db)?.id == second.id)
            #expect(try await ResponseTriageService.history(crimeID: id, on: app.db).count == 2)
            #expect(try await world.auditCount("create", "response_triage", second.id) == 1)

            // Another unit's officer: a reason with this very change, audited.
            let other = try await world.user("pc.east", .officer, unit: world.ce)
            await #expect(throws: DomainError.self) {
                _ = try await ResponseTriageService.record(id, Self.calm(), context: world.context(other), on: app.db)
            }
            _ = try await ResponseTriageService.record(
                id, Self.calm(), context: world.context(other, reason: "Covering the video team rota tonight"),
                on: app.db)
            #expect(try await world.auditCount("change_with_reason", "crime", id) == 1)
            // A role that may not change crimes is refused, and the refusal is audited.
            let analyst = try await world.user("an.lyst", .forceAnalyst)
            await #expect(throws: DomainError.self) {
                _ = try await ResponseTriageService.record(id, Self.calm(), context: world.context(analyst), on: app.db)
            }
            #expect(try await world.auditCount("refused", "crime", id) == 1)
        }
    }

    @Test func videoOnlyWhenTheTriageAndTheRulesAllowItAndAVisitAlways() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.moss", .officer)
            let crime = try await world.crime("SN/0016002/26", officer: officer)
            let victimID = crime.victims[0].victimID
            let ctx = world.context(officer)
            func problems(_ draft: ResponseTriageService.OfferDraft) async throws -> [FieldError] {
                do {
                    _ = try await ResponseTriageService.choose(victimID, draft, context: ctx, on: app.db)
                } catch DomainError.invalid(let problems) { return problems }
                return []
            }
            // No triage yet: no video, but a visit can be recorded (without a reason: video was not open).
            #expect(try await problems(Self.ready).map(\.field) == ["choice"])
            var visit = Self.ready
            visit.choice = "in_person"
            #expect(try await problems(visit).isEmpty)

            _ = try await ResponseTriageService.record(crime.crime.id!, Self.calm(), context: ctx, on: app.db)
            // Questions not answered: each asked against its own field.
            let unasked = ResponseTriageService.OfferDraft(choice: "video")
            #expect(
                Set(try await problems(unasked).map(\.field)) == ["hasVideoDevice", "hasConnection", "offenderPresent"])
            // The offender may be there: never video, and a visit is offered.
            var offender = Self.ready
            offender.offenderPresent = "yes"
            let barred = try await problems(offender)
            #expect(barred.map(\.field) == ["offenderPresent", "choice"])
            #expect(barred.last?.message.contains("offer a visit") == true)
            // Video open to them and a visit chosen: the reason is asked for.
            visit.accessNeeds = "Deaf: a British Sign Language interpreter"
            #expect(try await problems(visit).map(\.field) == ["declineReason"])
            visit.declineReason = "Would rather speak to someone face to face; lives alone."
            let declined = try await ResponseTriageService.choose(victimID, visit, context: ctx, on: app.db)
            #expect(declined.eligible && declined.choice == .inPerson)
            #expect(declined.adjustments.contains("British Sign Language"))
            // Then they change their mind: video, recorded with the answers behind it.
            let chosen = try await ResponseTriageService.choose(victimID, Self.ready, context: ctx, on: app.db)
            #expect(chosen.choice == .video && chosen.eligible && chosen.bars.isEmpty)
            #expect(try await ResponseTriageService.latestChoice(victimID: victimID, on: app.db)?.id == chosen.id)
            #expect(try await world.auditCount("create", "response_choice", chosen.id) == 1)

            // A triage that now needs attendance closes video for later answers.
            var attend = Self.calm()
            attend.attendanceNeeded = "yes"
            _ = try await ResponseTriageService.record(crime.crime.id!, attend, context: ctx, on: app.db)
            let closed = try await problems(Self.ready)
            #expect(closed.map(\.message) == ["Attendance is needed now: an officer goes."])
        }
    }

    @Test func underEighteensNeedAParentOrGuardianOnTheCall() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.reed", .officer)
            let crime = try await world.crime("SN/0016003/26", officer: officer)
            let victimID = crime.victims[0].victimID
            let victim = try await VictimService.find(victimID, on: app.db)
            let person = try await PersonService.find(victim.$person.id, on: app.db)
            // 18 tomorrow (London date).
            let today = London.date(of: Date())
            let birthday = today.adding(days: 1)
            person.dateOfBirth = String(format: "%04d-%02d-%02d", birthday.year - 18, birthday.month, birthday.day)
            try await person.save(on: app.db)
            let ctx = world.context(officer)
            _ = try await ResponseTriageService.record(crime.crime.id!, Self.calm(), context: ctx, on: app.db)
            do {
                _ = try await ResponseTriageService.choose(victimID, Self.ready, context: ctx, on: app.db)
                Issue.record("a 17-year-old alone was offered video")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["guardianPresent", "choice"])
            }
            var withGuardian = Self.ready
            withGuardian.guardianPresent = true
            let chosen = try await ResponseTriageService.choose(victimID, withGuardian, context: ctx, on: app.db)
            #expect(chosen.guardianPresent && chosen.eligible)
        }
    }

    @Test func theVictimWhoChoseVideoCanAskForAVisitOnTheirCasePage() async throws {
        let provider = CapturingProvider()
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.rowe", .officer)
            let crime = try await world.crime("SN/0016004/26", officer: officer)
            let victimID = crime.victims[0].victimID
            try await VictimLinksTests.deliver(app, provider)
            let track = try #require(provider.path("/track/"))
            var victim = Browser(app)
            let right = [("method", "dob"), ("dobDay", "12"), ("dobMonth", "4"), ("dobYear", "1985")]
            _ = try await victim.get(track)
            #expect(try await victim.post(track + "/verify", right, withCSRF: false).status == .seeOther)
            // Not chosen video: no visit form, and a forged post is refused kindly.
            let before = try await victim.get(track)
            #expect(!before.body.string.contains("/visit\""))
            let refused = try await victim.post(track + "/visit", [("visitNote", "x")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("You have not chosen a video call"))

            let ctx = world.context(officer)
            _ = try await ResponseTriageService.record(crime.crime.id!, Self.calm(), context: ctx, on: app.db)
            _ = try await ResponseTriageService.choose(victimID, Self.ready, context: ctx, on: app.db)
            let page = try await victim.get(track)
            #expect(page.body.string.contains("action=\"\(track)/visit\""))
            // Without the form token: refused, and the note comes back to be sent again.
            let note = "Je préfère voir quelqu'un — 直接会いたいです"
            let stale = try await victim.post(track + "/visit", [("visitNote", note)], withCSRF: false)
            #expect(stale.status == .forbidden && stale.body.string.contains("直接会いたいです"))
            #expect(try await CaseRequest.query(on: app.db).filter(\.$kindCode == "in_person_visit").count() == 0)
            let done = try await victim.post(track + "/visit", [("visitNote", note)])
            #expect(done.status == .ok)
            let latest = try #require(try await ResponseTriageService.latestChoice(victimID: victimID, on: app.db))
            #expect(latest.choice == .inPerson && latest.byVictim && latest.declineReason == note)
            let request = try #require(
                try await CaseRequest.query(on: app.db).filter(\.$victim.$id == victimID)
                    .filter(\.$kindCode == "in_person_visit").first())
            #expect(request.detail == note)
            // The officer sees it on the victim's page, and the form is gone from the case page.
            var staff = Browser(app)
            _ = try await staff.signIn("pc.rowe")
            let victimPage = try await staff.get("/victims/\(victimID)")
            #expect(victimPage.body.string.contains("Asked for a visit instead of a video call"))
            #expect(victimPage.body.string.contains("An officer visits, asked for on their case page"))
            #expect(!(try await victim.get(track)).body.string.contains("action=\"\(track)/visit\""))
        }
    }

    @Test func thePagesKeepWhatWasTypedAndSayWhy() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.ford", .officer)
            let crime = try await world.crime("SN/0016005/26", officer: officer)
            let crimeID = crime.crime.id!
            let victimID = crime.victims[0].victimID
            var staff = Browser(app)
            _ = try await staff.signIn("pc.ford")
            let form = try await staff.get("/crimes/\(crimeID)/triage")
            #expect(form.status == .ok && form.body.string.contains("Not triaged yet."))
            let reason = "Caller is safe at a friend's house; suspect left in a car. 嫌疑人已离开。"
            let bad = try await staff.post(
                "/crimes/\(crimeID)/triage", [("threat", "none"), ("risk", "extreme"), ("reason", reason)])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("Choose the risk: none, low, medium or high."))
            #expect(bad.body.string.contains("嫌疑人已离开"), "the reason typed is not lost")
            let good = try await staff.post(
                "/crimes/\(crimeID)/triage",
                [
                    ("threat", "low"), ("risk", "low"), ("harm", "medium"), ("attendanceNeeded", "no"),
                    ("reason", reason),
                ])
            #expect(good.status == .seeOther)
            #expect(try await staff.get("/crimes/\(crimeID)").body.string.contains("Video may be offered"))

            let offer = try await staff.get("/victims/\(victimID)/video-offer")
            #expect(offer.status == .ok && offer.body.string.contains("The triage allows a video call"))
            #expect(try await world.auditCount("view", "victim", victimID) >= 1)
            // The pages that name the victim record a view of the person, as the victim page does.
            let personID = try await VictimService.find(victimID, on: app.db).$person.id
            let personViews = try await world.auditCount("view", "person", personID)
            _ = try await staff.get("/crimes/\(crimeID)/triage")
            _ = try await staff.get("/victims/\(victimID)/video-offer")
            #expect(try await world.auditCount("view", "person", personID) == personViews + 2)
            let declined = try await staff.post(
                "/victims/\(victimID)/video-offer",
                [
                    ("hasVideoDevice", "yes"), ("hasConnection", "no"), ("offenderPresent", "no"),
                    ("choice", "video"), ("accessNeeds", "Uses a wheelchair"),
                ])
            #expect(declined.status == .unprocessableEntity)
            #expect(declined.body.string.contains("No 4G or WiFi where they are: a visit instead."))
            #expect(declined.body.string.contains("Uses a wheelchair"))
            let chosen = try await staff.post(
                "/victims/\(victimID)/video-offer",
                [("hasVideoDevice", "yes"), ("hasConnection", "yes"), ("offenderPresent", "no"), ("choice", "video")])
            #expect(chosen.status == .seeOther)
            #expect(try await staff.get("/victims/\(victimID)").body.string.contains("A video call, recorded by"))

            // Another unit's officer is asked for a reason before the page opens.
            var east = Browser(app)
            _ = try await world.user("pc.east", .officer, unit: world.ce)
            _ = try await east.signIn("pc.east")
            let asked = try await east.get("/victims/\(victimID)/video-offer")
            #expect(asked.status == .seeOther || asked.status == .forbidden)
        }
    }
}
