import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct VictimsControllerTests {
    static func nowLocal(minusHours: Double = 0) -> String {
        London.formatLocal(Date().addingTimeInterval(-minusHours * 3600))
    }

    @Test func aVoicemailLeavesTheDutyDueAndASuccessfulCallMeetsIt() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let created = try await world.crime("SN/0000001/26", officer: officer)
            let victim = created.victims[0].victimID
            _ = try await CaseEventService.record(
                crimeID: created.crime.id!, type: "suspect_arrested",
                at: Instant.format(Date().addingTimeInterval(-7200)), source: "test", context: .system, on: app.db)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victim)")
            let voicemail = try await browser.post(
                "/victims/\(victim)/contacts",
                [
                    ("at", Self.nowLocal(minusHours: 1)), ("method", "phone"), ("outcome", "voicemail_left"),
                    ("contactPointID", try await world.phone(ofVictim: victim)),
                ])
            #expect(voicemail.status == .seeOther)
            var page = try await browser.get("/victims/\(victim)").body.string
            #expect(page.contains("Recorded as an attempt, not a successful contact."))
            #expect(page.contains("A voicemail never counts"))
            let r9 = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R9")
                    .first())
            #expect(r9.state == "open")
            try await browser.post(
                "/victims/\(victim)/contacts",
                [
                    ("at", Self.nowLocal()), ("method", "phone"), ("outcome", "spoke_to_victim"),
                    ("identityVerified", "yes"), ("welfareChecked", "yes"), ("safeToSpeak", "yes"),
                    ("contactPointID", try await world.phone(ofVictim: victim)),
                ])
            page = try await browser.get("/victims/\(victim)").body.string
            #expect(page.contains("Successful contact recorded."))
            let met = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(
                \.$code == "R9"
            ).first()
            #expect(met?.state == "met")
        }
    }

    @Test func aMethodTheVictimDidNotChooseIsConfirmedBeforeSaving() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            let created = try await world.crime("SN/0000001/26")
            let victim = created.victims[0].victimID
            let person = try await Person.find(created.victims[0].personID, on: app.db)!
            person.preferredContact = "email"
            try await person.save(on: app.db)
            let phone = try #require(
                try await ContactPoint.query(on: app.db).filter(\.$person.$id == person.id!).filter(
                    \.$kindCode == "phone"
                ).first())
            phone.safe = false
            try await phone.save(on: app.db)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victim)")
            let form: [(String, String)] = [
                ("at", Self.nowLocal()), ("method", "phone"), ("contactPointID", phone.id!.uuidString),
                ("outcome", "no_answer"),
            ]
            let warned = try await browser.post("/victims/\(victim)/contacts", form)
            #expect(warned.status == .unprocessableEntity)
            #expect(
                warned.body.string.contains("is not the victim&#39;s preferred method")
                    || warned.body.string.contains("is not the victim's preferred method"))
            #expect(warned.body.string.contains("not marked safe"))
            #expect(try await Contact.query(on: app.db).count() == 0, "nothing saved until confirmed")
            let confirmed = try await browser.post("/victims/\(victim)/contacts", form + [("confirmWarnings", "yes")])
            #expect(confirmed.status == .seeOther)
            let saved = try #require(try await Contact.query(on: app.db).first())
            #expect(saved.preferredMethodUsed == false)
            #expect(saved.contactPointSafe == false)
            #expect(!saved.warnings.isEmpty)
        }
    }

    @Test func theNeedsAssessmentDecidesEnhancedRightsAndKeepsHistory() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            let victim = try await world.crime("SN/0000001/26").victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            #expect(try await browser.get("/victims/\(victim)/assessment").status == .ok)
            let bad = try await browser.post(
                "/victims/\(victim)/assessment", [("language", "xx"), ("agreedUpdateDays", "400")])
            #expect(bad.status == .unprocessableEntity)
            let saved = try await browser.post(
                "/victims/\(victim)/assessment",
                [
                    ("language", "pl"), ("interpreterNeeded", "yes"), ("preferredContact", "phone"),
                    ("agreedUpdateDays", "14"),
                    ("suspectHasAccess", "no"), ("referralConsent", "yes"), ("vulnerability[]", "physical_disability"),
                    ("intimidated", "no"),
                ])
            #expect(saved.status == .seeOther)
            let page = try await browser.get("/victims/\(victim)").body.string
            #expect(page.contains("Enhanced rights: Vulnerable"))
            let record = try await Victim.find(victim, on: app.db)!
            #expect(record.enhanced && record.grounds == [.vulnerable] && record.section16)
            #expect(record.agreedUpdateDays == 14)
            #expect(try await Person.find(record.$person.id, on: app.db)?.language == "pl")
            let codes = Set(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).all().map(\.code))
            #expect(codes.isSuperset(of: ["R1", "R19"]), "an interpreter and special measures are now owed")
            try await browser.get("/victims/\(victim)/assessment")
            try await browser.post("/victims/\(victim)/assessment", [("language", "pl"), ("referralConsent", "yes")])
            #expect(try await NeedsAssessmentRecord.query(on: app.db).filter(\.$victim.$id == victim).count() == 2)
            #expect(try await Victim.find(victim, on: app.db)?.enhanced == false, "re-assessment recomputes")
            #expect(try await EnhancedChange.query(on: app.db).filter(\.$victim.$id == victim).count() == 3)
        }
    }

    @Test func onlySupervisorsWaiveAndTheyMustSayWhy() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            try await world.user("ps.cole", .supervisor)
            let victim = try await world.crime("SN/0000001/26").victims[0].victimID
            var officer = Browser(app)
            try await officer.signIn("pc.hart")
            try await officer.get("/victims/\(victim)")
            #expect(
                try await officer.post(
                    "/victims/\(victim)/waivers", [("key", "R16:crime"), ("reason", "Victim does not want a VPS")]
                ).status == .forbidden)
            var supervisor = Browser(app)
            try await supervisor.signIn("ps.cole")
            try await supervisor.get("/victims/\(victim)")
            #expect(
                try await supervisor.post("/victims/\(victim)/waivers", [("key", "R16:crime"), ("reason", "no")]).status
                    == .unprocessableEntity)
            #expect(
                try await supervisor.post(
                    "/victims/\(victim)/waivers",
                    [("key", "R16:crime"), ("reason", "Victim asked not to be approached about a VPS")]
                ).status == .seeOther)
            let r16 = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(
                \.$code == "R16"
            ).first()
            #expect(r16?.state == "waived")
            #expect(r16?.reason == "Victim asked not to be approached about a VPS")
        }
    }

    @Test func actionsAndTheStatementMeetTheirDuties() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            let victim = try await world.crime("SN/0000001/26").victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victim)")
            #expect(
                try await browser.post(
                    "/victims/\(victim)/actions", [("kind", "written_confirmation"), ("method", "email")]
                ).status == .seeOther)
            #expect(
                try await browser.post("/victims/\(victim)/actions", [("kind", "nonsense")]).status
                    == .unprocessableEntity)
            #expect(
                try await browser.post("/victims/\(victim)/statement", [("vpsStatus", "to_follow")]).status == .seeOther
            )
            let states = Dictionary(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).all().map {
                    ($0.code, $0.state)
                }, uniquingKeysWith: { a, _ in a })
            #expect(states["R4"] == "met")
            #expect(states["R16"] == "open", "a statement to follow is not yet an offer")
            try await browser.post("/victims/\(victim)/statement", [("vpsStatus", "offered")])
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R16")
                    .first()?.state == "met")
        }
    }

    @Test func rightToReviewFollowsTheSchemeAndTheReviewerRules() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let ds = try await world.user("ds.fox", .supervisor, rank: "DS")
            let di = try await world.user("di.moss", .supervisor, rank: "DI")
            let created = try await world.crime("SN/0000001/26", officer: officer)
            let victim = created.victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victim)")
            #expect(
                try await browser.post("/victims/\(victim)/reviews", []).status == .unprocessableEntity,
                "no decision to review yet")
            for (type, hours) in [("suspect_interviewed", 50.0), ("decision_not_to_prosecute", 40.0)] {
                _ = try await CaseEventService.record(
                    crimeID: created.crime.id!, type: type,
                    at: Instant.format(Date().addingTimeInterval(-hours * 3600)), source: "test", context: .system,
                    on: app.db)
            }
            try await browser.get("/victims/\(victim)")
            #expect(
                try await browser.post(
                    "/victims/\(victim)/reviews", [("requestedOn", London.date(of: Date()).description)]
                ).status == .seeOther)
            let review = try #require(try await ReviewRequest.query(on: app.db).first())
            let codes = Set(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).all().map(\.code))
            #expect(codes.isSuperset(of: ["R13", "VRR1", "VRR2"]))
            // A Detective Sergeant may not decide a review; the Detective Inspector may.
            for (reviewer, ok) in [(ds, false), (di, true)] {
                var b = Browser(app)
                try await b.signIn(reviewer.username)
                try await b.get("/victims/\(victim)")
                let response = try await b.post("/reviews/\(review.id!)/complete", [("outcome", "upheld")])
                #expect(response.status == (ok ? .seeOther : .unprocessableEntity))
            }
            let done = try await ReviewRequest.find(review.id, on: app.db)!
            #expect(done.outcome == "upheld")
            #expect(done.reviewerID == di.id)
        }
    }

    @Test func lateReviewRequestsNeedAReason() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime(
                "SN/0000001/26", reported: Instant.format(Date().addingTimeInterval(-200 * 86_400)))
            for (type, days) in [("suspect_interviewed", 150.0), ("decision_not_to_prosecute", 140.0)] {
                _ = try await CaseEventService.record(
                    crimeID: created.crime.id!, type: type,
                    at: Instant.format(Date().addingTimeInterval(-days * 86_400)), source: "test", context: .system,
                    on: app.db)
            }
            await #expect(throws: DomainError.self) {
                _ = try await ReviewService.request(
                    victimID: created.victims[0].victimID, toldOn: nil, requestedOn: nil, lateReason: nil,
                    context: .system, on: app.db)
            }
            _ = try await ReviewService.request(
                victimID: created.victims[0].victimID, toldOn: nil, requestedOn: nil,
                lateReason: "Victim was in hospital for three months", context: .system, on: app.db)
            #expect(try await ReviewRequest.query(on: app.db).count() == 1)
        }
    }
}
