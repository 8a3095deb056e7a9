import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 14 through the service: the facts the engine needs reach it from the records, the API and the pages.
@Suite struct VictimsCodeExactlyServerTests {
    struct Obligation: Decodable {
        var code: String
        var key: String
        var due_date: String
        var status: String
    }

    struct CrimeBody: Decodable {
        struct Victim: Decodable {
            var id: UUID
            var became_victim_at: String
            var basis: String
        }
        struct Link: Decodable {
            var id: UUID
            var role: String
            var victim_id: UUID?
        }
        var victims: [Victim]
        var people: [Link]
        var recording_decision_at: String?
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    func obligations(_ app: Application, _ headers: HTTPHeaders, _ victim: UUID) async throws -> [String: Obligation] {
        var result: [String: Obligation] = [:]
        try await app.testing().test(.GET, "/api/v1/victims/\(victim)/obligations", headers: headers) { res in
            #expect(res.status == .ok, "\(res.body.string)")
            for o in try JSONDecoder().decode([Obligation].self, from: Data(res.body.readableBytesView)) {
                result[o.key] = o
            }
        }
        return result
    }

    @Test func aVictimLinkedDaysLaterIsOwedFromThenAndTheAPIGivesTheirID() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let headers = try await world.token()
            let created = try await world.crime("SN/7000001/26")
            let crimeID = created.crime.id!
            // The crime was recorded here a week ago.
            try await (app.db as! any SQLDatabase).update("crimes")
                .set("created_at", to: Date().addingTimeInterval(-7 * 86_400)).where("id", .equal, crimeID).run()
            var linked: CrimeBody.Link?
            let body =
                #"{"role": "victim", "person": {"given_name": "Second", "family_name": "Victim", "language": "en"}}"#
            try await app.testing().test(
                .POST, "/api/v1/crimes/\(crimeID)/people", headers: headers, body: Self.json(body)
            ) { res in
                #expect(res.status == .created, "\(res.body.string)")
                linked = try JSONDecoder().decode(CrimeBody.Link.self, from: Data(res.body.readableBytesView))
            }
            let victimID = try #require(linked?.victim_id)
            #expect(victimID == linked?.id)
            var crime: CrimeBody?
            try await app.testing().test(.GET, "/api/v1/crimes/\(crimeID)", headers: headers) { res in
                crime = try JSONDecoder().decode(CrimeBody.self, from: Data(res.body.readableBytesView))
            }
            let listed = try #require(crime?.victims.first { $0.id == victimID })
            let became = try #require(Instant.parse(listed.became_victim_at))
            #expect(abs(became.timeIntervalSinceNow) < 120, "became a victim when linked, not at the report")
            #expect(crime?.people.first { $0.id == victimID }?.victim_id == victimID)
            #expect(crime?.recording_decision_at != nil)
            // Nothing is overdue the moment they exist; the first victim's report duties are.
            let owed = try await obligations(app, headers, victimID)
            for key in ["R4:crime", "R5:crime", "R6:crime", "R7:crime", "R15:1"] {
                #expect(owed[key]?.status == "due", "\(key): \(owed[key]?.status ?? "missing")")
            }
            let first = try await obligations(app, headers, created.victims[0].victimID)
            #expect(first["R4:crime"]?.status == "overdue")
        }
    }

    @Test func victimsAreReferredUnlessTheyOptOutAndOnlyAfterAYesWhereTheCodeAsks() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let now = Instant.format(Date().addingTimeInterval(-3600))
            let burglary = try await world.crime("SN/7000002/26", reported: now)
            let abuse = try await world.crime("SN/7000003/26", flags: ["domestic_abuse"], reported: now)
            let old = try await world.crime(
                "SN/7000004/26", reported: Instant.format(Date().addingTimeInterval(-90 * 86_400)))
            func waiting(_ victim: UUID) async throws -> Int {
                try await Referral.query(on: app.db).filter(\.$victim.$id == victim)
                    .filter(\.$statusCode == Referral.Status.ready.rawValue).count()
            }
            #expect(try await waiting(burglary.victims[0].victimID) == 1, "referred unless they opt out")
            #expect(try await waiting(abuse.victims[0].victimID) == 0, "domestic abuse: only after a yes")
            #expect(try await waiting(old.victims[0].victimID) == 0, "loaded from history: only after a yes")
            let officer = try await world.user("pc.refer", .officer)
            // Opting out withdraws the referral before it goes.
            try await ReferralService.changeConsent(
                victimID: burglary.victims[0].victimID, consent: "no", method: "By phone",
                context: world.context(officer), on: app.db)
            #expect(try await waiting(burglary.victims[0].victimID) == 0)
            // A manual "referred" record for the abuse victim without a yes is refused...
            await #expect(throws: DomainError.self) {
                try await VictimService.recordAction(
                    victimID: abuse.victims[0].victimID, kind: "referral", context: world.context(officer),
                    on: app.db)
            }
            // ...and their yes refers them.
            try await ReferralService.changeConsent(
                victimID: abuse.victims[0].victimID, consent: "yes", method: "In person",
                context: world.context(officer), on: app.db)
            #expect(try await waiting(abuse.victims[0].victimID) == 1)
            // A crime that turns out to be domestic abuse withdraws a referral still waiting without consent.
            let later = try await world.crime("SN/7000005/26", reported: now)
            #expect(try await waiting(later.victims[0].victimID) == 1)
            var draft = CrimeDraft()
            let crime = later.crime
            draft.reference = crime.reference
            draft.offenceCode = crime.offenceCode
            draft.occurredFrom = Instant.format(crime.occurredFrom)
            draft.reportedAt = Instant.format(crime.reportedAt)
            draft.channel = crime.channelCode
            draft.flags = ["domestic_abuse"]
            draft.commandUnit = "SN"
            _ = try await CrimeService.update(crime.id!, draft, context: world.context(officer), on: app.db)
            #expect(try await waiting(later.victims[0].victimID) == 0)
        }
    }

    @Test func messagesWaitWhereAStalkingVictimsSuspectMaySeeThem() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let stalking = try await world.crime(
                "SN/7000006/26", offence: "008/21", reported: Instant.format(Date().addingTimeInterval(-3600)))
            let victimID = stalking.victims[0].victimID
            let victim = try #require(try await Victim.find(victimID, on: app.db))
            // New contact points of a stalking victim are not safe until an officer says so.
            let points = try await ContactPoint.query(on: app.db).filter(\.$person.$id == victim.$person.id).all()
            #expect(!points.isEmpty && points.allSatisfy { !$0.safe })
            for point in points {
                point.safe = true
                try await point.save(on: app.db)
            }
            // Nobody has asked whether the suspect sees their messages: the gate holds.
            let gate = try await GateFacts.load(victimID: victimID, channel: .email, on: app.db)
            guard case .hold = SafetyGate.check(gate.facts(body: "")) else {
                Issue.record("expected a hold, got \(SafetyGate.check(gate.facts(body: "")))")
                return
            }
            // The assessment says the suspect cannot see them: messages may go.
            let officer = try await world.user("pc.stalk", .officer)
            var draft = NeedsAssessmentService.Draft()
            draft.suspectHasAccess = "no"
            draft.suspectKnown = "yes"
            _ = try await NeedsAssessmentService.complete(
                victimID: victimID, draft, context: world.context(officer), on: app.db)
            let after = try await GateFacts.load(victimID: victimID, channel: .email, on: app.db)
            #expect(SafetyGate.check(after.facts(body: "")) == .send)
            // And says they can: held again.
            draft.suspectHasAccess = "yes"
            _ = try await NeedsAssessmentService.complete(
                victimID: victimID, draft, context: world.context(officer), on: app.db)
            let held = try await GateFacts.load(victimID: victimID, channel: .email, on: app.db)
            #expect(SafetyGate.check(held.facts(body: "")) != .send)
            // Stalking makes them persistently targeted, so enhanced, without being asked.
            #expect(try await Victim.find(victimID, on: app.db)?.enhanced == true)
        }
    }

    @Test func theLeafletCountsOnlyInTheVictimsLanguage() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let headers = try await world.token()
            let created = try await world.crime("SN/7000007/26")
            let victimID = created.victims[0].victimID
            let victim = try #require(try await Victim.find(victimID, on: app.db))
            let person = try #require(try await Person.find(victim.$person.id, on: app.db))
            person.language = "pl"
            try await person.save(on: app.db)
            try await app.testing().test(
                .POST, "/api/v1/victims/\(victimID)/actions", headers: headers,
                body: Self.json(#"{"kind": "information_leaflet", "language": "en"}"#)
            ) { res in #expect(res.status == .created, "\(res.body.string)") }
            #expect(try await obligations(app, headers, victimID)["R5:crime"]?.status != "met")
            try await app.testing().test(
                .POST, "/api/v1/victims/\(victimID)/actions", headers: headers,
                body: Self.json(#"{"kind": "information_leaflet"}"#)
            ) { res in #expect(res.status == .created, "\(res.body.string)") }
            #expect(try await obligations(app, headers, victimID)["R5:crime"]?.status == "met", "Polish by default")
            try await app.testing().test(
                .POST, "/api/v1/victims/\(victimID)/actions", headers: headers,
                body: Self.json(#"{"kind": "information_leaflet", "language": "xx"}"#)
            ) { res in #expect(res.status == .unprocessableEntity) }
        }
    }

    @Test func ranksAreCheckedWhenSaved() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            _ = try await world.user("di.acting", .supervisor, rank: "A/DI")
            await #expect(throws: DomainError.self) {
                _ = try await world.user("chief.nobody", .supervisor, rank: "Chief")
            }
        }
    }

    @Test func aReleaseWithoutChargeAfterInterviewCanBeReviewedUnlessSupportWasWithdrawn() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/7000008/26")
            let crimeID = created.crime.id!
            let victimID = created.victims[0].victimID
            let officer = try await world.user("pc.rtr", .officer)
            let ctx = world.context(officer)
            let base = created.crime.reportedAt
            _ = try await CaseEventService.record(
                crimeID: crimeID, type: "suspect_interviewed", at: Instant.format(base.addingTimeInterval(86_400)),
                source: "test", context: ctx, on: app.db)
            let nfa = try await CaseEventService.record(
                crimeID: crimeID, type: "released_nfa", at: Instant.format(base.addingTimeInterval(2 * 86_400)),
                source: "test", context: ctx, on: app.db)
            let checked = try await ReviewService.eligibility(victimID: victimID, on: app.db)
            #expect(checked.eligibility == .eligible)
            let review = try await ReviewService.request(
                victimID: victimID, toldOn: nil, requestedOn: nil, lateReason: nil, context: ctx, on: app.db)
            #expect(review.$decision.id == nfa.id)

            let other = try await world.crime("SN/7000009/26")
            let otherVictim = other.victims[0].victimID
            _ = try await VictimService.recordAction(
                victimID: otherVictim, kind: "withdrew_support",
                at: Instant.format(other.crime.reportedAt.addingTimeInterval(3600)), context: ctx, on: app.db)
            _ = try await CaseEventService.record(
                crimeID: other.crime.id!, type: "suspect_interviewed",
                at: Instant.format(other.crime.reportedAt.addingTimeInterval(86_400)), source: "test", context: ctx,
                on: app.db)
            _ = try await CaseEventService.record(
                crimeID: other.crime.id!, type: "decision_not_to_prosecute",
                at: Instant.format(other.crime.reportedAt.addingTimeInterval(2 * 86_400)), source: "test",
                context: ctx, on: app.db)
            #expect(try await ReviewService.eligibility(victimID: otherVictim, on: app.db).eligibility != .eligible)
        }
    }

    @Test func anEventEnteredLateDoesNotReopenACaseClosedAfterIt() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/7000010/26")
            let crimeID = created.crime.id!
            let officer = try await world.user("pc.late", .officer)
            let base = created.crime.reportedAt
            try await CrimeService.changeStatus(
                crimeID, to: "closed", note: "No lines of enquiry", at: base.addingTimeInterval(5 * 86_400),
                context: world.context(officer), on: app.db)
            _ = try await CaseEventService.record(
                crimeID: crimeID, type: "suspect_arrested", at: Instant.format(base.addingTimeInterval(2 * 86_400)),
                source: "test", context: world.context(officer), on: app.db)
            #expect(try await Crime.find(crimeID, on: app.db)?.status == .closed)
            // Closed after 5 days: no regular update is open.
            let open = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == created.victims[0].victimID)
                .filter(\.$code == "R15").filter(\.$state == "open").count()
            #expect(open == 0)
        }
    }

    @Test func aSupervisorSetsAsidePersistentTargetingWithAReasonAndAnOfficerCannot() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/7000011/26", offence: "008/20")
            let victimID = created.victims[0].victimID
            #expect(try await Victim.find(victimID, on: app.db)?.enhanced == true)
            _ = try await world.user("ps.aside", .supervisor)
            _ = try await world.user("pc.aside", .officer)
            var officer = Browser(app)
            _ = try await officer.signIn("pc.aside")
            _ = try await officer.get("/victims/\(victimID)")
            let refused = try await officer.post(
                "/victims/\(victimID)/ground-exceptions",
                [("ground", "persistently_targeted"), ("exceptionReason", "One message, no course of conduct at all")])
            #expect(refused.status == .forbidden)
            var supervisor = Browser(app)
            _ = try await supervisor.signIn("ps.aside")
            let shown = try await supervisor.get("/victims/\(victimID)")
            #expect(shown.body.string.contains("Record that persistently targeted does not apply"))
            let short = try await supervisor.post(
                "/victims/\(victimID)/ground-exceptions",
                [("ground", "persistently_targeted"), ("exceptionReason", "no")])
            #expect(short.status == .unprocessableEntity)
            #expect(short.body.string.contains("at least 10 characters"))
            let done = try await supervisor.post(
                "/victims/\(victimID)/ground-exceptions",
                [("ground", "persistently_targeted"), ("exceptionReason", "One message, no course of conduct at all")])
            #expect(done.status == .seeOther)
            #expect(try await Victim.find(victimID, on: app.db)?.enhanced == false)
            let page = try await supervisor.get("/victims/\(victimID)")
            #expect(page.body.string.contains("One message, no course of conduct at all"))
            #expect(try await world.auditCount("update", "victim", victimID) >= 1)
            let removed = try await supervisor.post(
                "/victims/\(victimID)/ground-exceptions/remove", [("ground", "persistently_targeted")])
            #expect(removed.status == .seeOther)
            #expect(try await Victim.find(victimID, on: app.db)?.enhanced == true)
        }
    }

    @Test func aRulesChangeRecomputesAndCountsTheVictimsChanged() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let stalking = try await world.crime("SN/7000012/26", offence: "008/21")
            let theft = try await world.crime("SN/7000013/26")
            let sql = app.db as! any SQLDatabase
            // As stored before the rules were corrected: not enhanced, and no R2 or R19.
            let stalked = stalking.victims[0].victimID
            try await sql.update("victims").set("enhanced", to: false).set("grounds", to: "")
                .where("id", .equal, stalked).run()
            try await sql.update("enhanced_changes").set("enhanced", to: false).where("victim_id", .equal, stalked)
                .run()
            try await sql.delete(from: "obligations").where("victim_id", .equal, stalked)
                .where("code", .in, ["R2", "R19"]).run()
            try await sql.update("victims").set("obligations_hash", to: 0).where("id", .equal, stalked).run()
            let changes = try await RecomputeService.recomputeBatch(
                [stalked, theft.victims[0].victimID], on: app.db)
            #expect(changes.victims == 1)
            #expect(try await Victim.find(stalked, on: app.db)?.enhanced == true)
            let history = try await EnhancedChange.query(on: app.db).filter(\.$victim.$id == stalked).all()
            #expect(history.map(\.enhanced) == [true])
            let from = try #require(history.first?.at)
            #expect(
                abs(from.timeIntervalSince(stalking.crime.reportedAt)) < 0.01, "enhanced from the report, not today")
            let r19 = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == stalked)
                .filter(\.$code == "R19").count()
            #expect(r19 == 1)
            #expect(try await RecomputeService.recomputeBatch([stalked], on: app.db).victims == 0, "and then stable")
        }
    }

    @Test func aSavedPolicyVersionHoldsOnlyTheChangesAndKeepsTheNewRules() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let admin = try await world.user("admin.policy", .administrator)
            _ = try await PolicyService.saveVersion(
                effectiveFrom: "2025-01-01", note: "Updates every 21 days", updateIntervalDays: "21",
                persistentThreshold: nil,
                limits: [.init(code: "R2", trigger: "crime_reported", standard: "12", enhanced: nil)],
                context: world.context(admin), on: app.db)
            let stored = try #require(try await PolicyVersion.query(on: app.db).first())
            let changes = try JSONDecoder().decode(PolicyAdjustments.self, from: Data(stored.policyJSON.utf8))
            #expect(changes.updateIntervalDays == 21)
            #expect(changes.limits == [.init(code: "R2", trigger: .crimeReported, standard: 12, enhanced: nil)])
            let config = try await VictimsCodeConfig.current(on: app.db)
            let policy = config.engine.policy(on: LocalDate("2025-06-01")!)
            #expect(policy.rules.first { $0.code == "R2" }?.standard == .hours(12))
            #expect(policy.rules.contains { $0.code == "R18" })
        }
    }
}
