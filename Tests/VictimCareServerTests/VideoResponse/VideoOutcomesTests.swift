import Crypto
import Fluent
import Foundation
import NIOFoundationEssentialsCompat
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 16, items 5 and 6: after a video call the victim is asked whether they would recommend it, and the force
/// compares video and in-person responses on Dorset's measures.
@Suite struct VideoOutcomesServerTests {
    @Test func theFeedbackAfterAVideoCallAsksWhetherTheyWouldRecommendIt() async throws {
        try await withTestApp { app in
            let (s, victimID, _) = try await VideoCallServiceTests.bookedNow(app)
            let ctx = s.world.context(s.officer)
            let ended = try await VideoCallService.end(
                victimID: victimID,
                .init(
                    spoke: true, identityVerified: true, welfareChecked: true, safeToSpeak: true, offenderAbsent: true),
                context: ctx, links: .init(), on: app.db)
            let invitation = try #require(
                try await FeedbackInvitation.query(on: app.db).filter(\.$sourceID == ended.contact.id!).first())
            #expect(try await FeedbackService.asksRecommendation(invitation, on: app.db))
            let issued = try await FeedbackService.issueForQRCode(
                invitationID: invitation.id!, context: ctx, on: app.db)
            var victim = Browser(app)
            let form = try await victim.get("/f/\(issued.secret)")
            #expect(form.status == .ok && form.body.string.contains("Would you recommend a video call"))
            let answers = [("satisfaction", "5"), ("fair", "yes"), ("informed", "yes"), ("understood", "partly")]
            // Not answered: said against the question, nothing stored.
            let missing = try await victim.post("/f/\(issued.secret)", answers, withCSRF: false)
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("Say whether you would recommend a video call"))
            #expect(try await FeedbackResponse.query(on: app.db).count() == 0)
            // "Partly" is not an answer to this question.
            let partly = try await victim.post(
                "/f/\(issued.secret)", answers + [("recommend", "partly")], withCSRF: false)
            #expect(partly.status == .unprocessableEntity)
            let done = try await victim.post("/f/\(issued.secret)", answers + [("recommend", "no")], withCSRF: false)
            #expect(done.status == .ok)
            let stored = try #require(try await FeedbackResponse.query(on: app.db).first())
            #expect(stored.wouldRecommend == false && stored.satisfaction == 5)
            // Any other interaction is not asked.
            let statement = FeedbackInvitation()
            statement.sourceCode = FeedbackInvitation.Source.statement.rawValue
            statement.sourceID = ended.contact.id!
            #expect(try await FeedbackService.asksRecommendation(statement, on: app.db) == false)
        }
    }

    /// A victim of a new crime (in SN unless said) who chose `choice`, with the case events given.
    private func victim(
        _ s: VideoBookingServiceTests.Setup, _ reference: String, choice: String, events: [CaseEventType] = [],
        unit: CommandUnit? = nil, officer: User? = nil, on app: Application
    ) async throws -> UUID {
        let officer = officer ?? s.officer
        let crime = try await s.world.crime(reference, unit: unit, officer: officer)
        let ctx = s.world.context(officer)
        _ = try await ResponseTriageService.record(
            crime.crime.id!, ResponseTriageTests.calm(), context: ctx, on: app.db)
        var offer = ResponseTriageTests.ready
        offer.choice = choice
        if choice != "video" { offer.declineReason = "Would rather see someone" }
        let victimID = crime.victims[0].victimID
        _ = try await ResponseTriageService.choose(victimID, offer, context: ctx, on: app.db)
        for type in events {
            _ = try await CaseEventService.record(
                crimeID: crime.crime.id!, type: type.rawValue, at: Instant.format(Date().addingTimeInterval(-3600)),
                source: "test", context: ctx, on: app.db)
        }
        return victimID
    }

    @Test func theOutcomesReportComparesTheArmsByTheLatestChoice() async throws {
        try await withTestApp { app in
            let s = try await VideoBookingServiceTests.setup(app)
            let ctx = s.world.context(s.officer)
            let arrested = try await victim(
                s, "SN/0016301/26", choice: "video", events: [.suspectArrested, .charged], on: app)
            let withdrew = try await victim(s, "SN/0016302/26", choice: "video", on: app)
            _ = try await victim(s, "SN/0016303/26", choice: "in_person", events: [.suspectInterviewed], on: app)
            let changed = try await victim(s, "SN/0016304/26", choice: "in_person", on: app)
            let east = try await s.world.user("pc.east", .officer, unit: s.world.ce)
            _ = try await victim(s, "CE/0016305/26", choice: "video", unit: s.world.ce, officer: east, on: app)
            let action = VictimAction()
            action.$victim.id = withdrew
            action.kind = VictimActionKind.withdrewSupport.rawValue
            action.at = Date()
            action.byName = "PC Screen"
            try await action.create(on: app.db)
            // The first victim had their call, then answered the feedback: satisfied, would recommend.
            _ = try await VideoBookingService.book(arrested, .init(slot: "asap"), context: ctx, on: app.db)
            let ended = try await VideoCallService.end(
                victimID: arrested,
                .init(
                    spoke: true, identityVerified: true, welfareChecked: true, safeToSpeak: true, offenderAbsent: true),
                context: ctx, links: .init(), on: app.db)
            let invitation = try #require(
                try await FeedbackInvitation.query(on: app.db).filter(\.$sourceID == ended.contact.id!).first())
            let answer = FeedbackResponse()
            answer.$invitation.id = invitation.id!
            answer.submittedAt = Date()
            answer.satisfaction = 5
            answer.fairAndRespectful = "yes"
            answer.keptInformed = "yes"
            answer.understoodNext = "yes"
            answer.language = "en"
            answer.wouldRecommend = true
            try await answer.create(on: app.db)

            let lead = s.world.context(s.supervisor)
            let scope = VideoOutcomesReport.Scope(
                unitID: nil, from: Date().addingTimeInterval(-30 * 86_400), to: Date().addingTimeInterval(86_400))
            var report = try await VideoOutcomesReport.build(scope, video: .init(), context: lead, on: app.db)
            #expect(report.overall.victims == [.video: 3, .inPerson: 2])
            let arrests = report.overall.comparison(.arrestOrInterview)
            #expect(arrests.video == .init(yes: 1, of: 3) && arrests.inPerson == .init(yes: 1, of: 2))
            #expect(report.overall.comparison(.positiveOutcome).video == .init(yes: 1, of: 3))
            #expect(report.overall.comparison(.positiveOutcome).ratio == nil, "no in-person positive outcome")
            #expect(report.overall.comparison(.withdrawal).video == .init(yes: 1, of: 3))
            #expect(report.overall.comparison(.satisfaction).video == .init(yes: 1, of: 1))
            #expect(report.overall.wouldRecommend == .init(yes: 1, of: 1))
            #expect(report.overall.videoResponses == 1 && report.overall.medianHours[.video] != nil)
            #expect(report.savedHours == 1 && report.savedMiles == 8)
            #expect(report.byUnit.count == 2)
            // The victim who first wanted a visit changes their mind: they still count as they first chose (as a
            // trial counts), and a victim for whom video was ruled out (the offender there) is not counted at all.
            var video = ResponseTriageTests.ready
            video.choice = "video"
            _ = try await ResponseTriageService.choose(changed, video, context: ctx, on: app.db)
            let barredCrime = try await s.world.crime("SN/0016306/26", officer: s.officer)
            _ = try await ResponseTriageService.record(
                barredCrime.crime.id!, ResponseTriageTests.calm(), context: ctx, on: app.db)
            var barred = ResponseTriageTests.ready
            barred.offenderPresent = "yes"
            barred.choice = "in_person"
            let barredChoice = try await ResponseTriageService.choose(
                barredCrime.victims[0].victimID, barred, context: ctx, on: app.db)
            #expect(!barredChoice.eligible)
            report = try await VideoOutcomesReport.build(scope, video: .init(), context: lead, on: app.db)
            #expect(report.overall.victims == [.video: 3, .inPerson: 2])
            // One unit only.
            var eastScope = scope
            eastScope.unitID = s.world.ce.id
            let eastReport = try await VideoOutcomesReport.build(eastScope, video: .init(), context: lead, on: app.db)
            #expect(eastReport.overall.victims == [.video: 1, .inPerson: 0])
            // An officer does not see the report.
            await #expect(throws: DomainError.self) {
                _ = try await VideoOutcomesReport.build(scope, video: .init(), context: ctx, on: app.db)
            }
        }
    }

    @Test func aTrialComparesTheArmsByItsRandomAllocation() async throws {
        try await withTestApp { app in
            let s = try await VideoBookingServiceTests.setup(app)
            let analyst = try await s.world.user("analyst.video", .forceAnalyst)
            let trial = try await TrialService.create(
                .init(
                    name: "Video response", practice: "Offer a video call instead of a visit", offenceGroup: nil,
                    unit: "SN", practiceShare: "1", usualShare: "1"), context: s.world.context(analyst), on: app.db)
            for i in 0..<8 {
                _ = try await s.world.crime("SN/00164\(i)0/26", officer: s.officer)
            }
            let allocations = try await TrialAllocation.query(on: app.db).filter(\.$trial.$id == trial.id!).all()
            #expect(allocations.count == 8)
            let practice = allocations.filter { $0.arm == TrialService.Arm.practice.rawValue }.count
            let period = (from: Date().addingTimeInterval(-30 * 86_400), to: Date().addingTimeInterval(86_400))
            let lead = s.world.context(s.supervisor)
            let byTrial = try await VideoOutcomesReport.build(
                .init(unitID: nil, from: period.from, to: period.to, trialID: trial.id), video: .init(), context: lead,
                on: app.db)
            #expect(byTrial.overall.victims == [.video: practice, .inPerson: 8 - practice])
            // Nobody was asked to choose: by choice, nobody is counted.
            let byChoice = try await VideoOutcomesReport.build(
                .init(unitID: nil, from: period.from, to: period.to), video: .init(), context: lead, on: app.db)
            #expect(byChoice.overall.victims == [.video: 0, .inPerson: 0])
            var browser = Browser(app)
            _ = try await browser.signIn("ps.rota")
            let page = try await browser.get("/dashboard/video-response?trial=\(trial.id!.uuidString)")
            #expect(page.status == .ok && page.body.string.contains("allocated at random by the trial"))
            #expect(try await browser.get("/dashboard/video-response?trial=not-a-trial").status == .badRequest)
        }
    }

    @Test func theReportPageItsCSVAndItsPeriod() async throws {
        try await withTestApp { app in
            let s = try await VideoBookingServiceTests.setup(app)
            _ = try await victim(s, "SN/0016311/26", choice: "video", events: [.suspectArrested], on: app)
            _ = try await victim(s, "SN/0016312/26", choice: "in_person", events: [.suspectArrested], on: app)
            var lead = Browser(app)
            _ = try await lead.signIn("ps.rota")
            let page = try await lead.get("/dashboard/video-response?unit=SN")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Video and in-person responses compared"))
            let csv = try await lead.get("/dashboard/video-response?unit=SN&csv=video-summary")
            #expect(csv.headers.contentType?.description.hasPrefix("text/csv") == true)
            #expect(csv.body.string.contains("Arrest or suspect interview,1 of 1 (100.0%),1 of 1 (100.0%),1.00"))
            let audited = try await AuditEntry.query(on: app.db).filter(\.$recordType == "report").all()
            #expect(audited.contains { $0.summary.hasPrefix("video response outcomes") })
            // A date that is not one, or a period backwards: said on the page, not a server error.
            let bad = try await lead.get("/dashboard/video-response?from=2026-13-01")
            #expect(bad.status == .badRequest && bad.body.string.contains("must be a real date"))
            let backwards = try await lead.get("/dashboard/video-response?from=2026-11-01&to=2026-10-01")
            #expect(backwards.status == .badRequest)
            var officer = Browser(app)
            _ = try await officer.signIn("pc.screen")
            #expect(try await officer.get("/dashboard/video-response").status == .forbidden)
        }
    }
}

/// Issue 16, item 4: the victim sends a photo of the evidence during the call, into the evidence store.
@Suite struct VideoCallEvidenceTests {
    @Test func theVictimSendsAPhotoDuringTheCallIntoTheEvidenceStore() async throws {
        let provider = CapturingProvider()
        try await withTestApp { app in
            let s = try await VideoBookingServiceTests.setup(app)
            let victimID = try await VideoBookingServiceTests.victimWhoChoseVideo(s, "SN/0016321/26", on: app)
            let call = try await VideoBookingService.book(
                victimID, .init(slot: "asap"), context: s.world.context(s.officer), on: app.db)
            try await VictimLinksTests.deliver(app, provider)
            let track = try #require(provider.path("/track/"))
            var victim = Browser(app)
            _ = try await victim.get(track)
            let dob = [("method", "dob"), ("dobDay", "12"), ("dobMonth", "4"), ("dobYear", "1985")]
            #expect(try await victim.post(track + "/verify", dob, withCSRF: false).status == .seeOther)
            let page = try await victim.get(track + "/call")
            let csrf = try #require(
                page.body.string.firstMatch(of: /data-csrf="([^"]+)"/).map { String($0.output.1) })
            // A photo: a JPEG's first bytes and 300 KiB of anything, from a phone.
            var photo = Data([0xFF, 0xD8, 0xFF, 0xE0])
            photo.append(Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
            func send(_ body: Data, type: String = "image/jpeg", token: String? = csrf, cookie: String? = victim.cookie)
                async throws -> TestingHTTPResponse
            {
                var headers: HTTPHeaders = ["X-File-Name": "sc%C3%A8ne%20du%20vol.jpg"]
                headers.contentType = HTTPMediaType(
                    type: String(type.split(separator: "/")[0]), subType: String(type.split(separator: "/")[1]))
                if let token { headers.add(name: "X-CSRF-Token", value: token) }
                if let cookie { headers.add(name: .cookie, value: cookie) }
                return try await app.testing().sendRequest(
                    .POST, track + "/call/evidence", headers: headers, body: ByteBuffer(data: body))
            }
            // Not yet let in: nothing taken.
            #expect(try await send(photo).status == .conflict)
            #expect(try await VideoCallService.relay(#"{"type":"admit"}"#, from: .officer, call: call, on: app.db))
            // Without the page's token, or from a browser that is not the call's: refused.
            #expect(try await send(photo, token: nil).status == .forbidden)
            let stranger = victim.cookies.filter { !$0.key.hasPrefix("vc_call_") }.map { "\($0.key)=\($0.value)" }
                .joined(separator: "; ")
            #expect(try await send(photo, cookie: stranger).status == .forbidden)
            // Not a photo or a video: refused, nothing stored.
            #expect(try await send(Data("<html>".utf8), type: "text/html").status == .unsupportedMediaType)
            #expect(try await EvidenceItem.query(on: app.db).count() == 0)

            let sent = try await send(photo)
            #expect(sent.status == .created)
            let digest = SHA256.hash(data: photo).map { String(format: "%02x", $0) }.joined()
            #expect(sent.body.string.contains(digest))
            let item = try #require(try await EvidenceItem.query(on: app.db).first())
            #expect(item.state == .complete && item.sha256 == digest && item.contentType == "image/jpeg")
            #expect(item.fileName == "scène du vol.jpg" && item.source == "victim" && item.mediaState == "done")
            let stored = try #require(try await VideoCall.find(call.id, on: app.db))
            #expect(item.$interview.id == stored.interviewID && item.crimeID == stored.$crime.id)
            // The bytes come back from the encrypted store exactly.
            var back = Data()
            for try await chunk in try app.evidenceVault.read(item, range: 0...(Int64(photo.count) - 1)) {
                back.append(chunk)
            }
            #expect(back == photo)
            // The chain of custody names the call, never the victim.
            let custody = try await CustodyEntry.query(on: app.db).filter(\.$itemID == item.id!).all()
            #expect(custody.count >= 2 && custody.allSatisfy { $0.actorName.hasPrefix("Victim (video call ") })
            // The officer is told at once, with the interview to open.
            let told = try await VideoSignal.query(on: app.db).filter(\.$toRole == "officer").all().map(\.body)
            #expect(told.contains { $0.contains(#""type":"evidence","kind":"photo""#) })
            // A second file goes under the same interview.
            #expect(try await send(photo).status == .created)
            #expect(try await Interview.query(on: app.db).count() == 1)
        }
    }

    @Test func theOfficerRecordsTheCallOnlyWithTheVictimsAgreementAndTheVictimIsTold() async throws {
        try await withTestApp { app in
            let (s, victimID, call) = try await VideoCallServiceTests.bookedNow(app)
            let ctx = s.world.context(s.officer)
            func record(_ start: Bool, consent: Bool, _ context: AccessContext) async throws -> UUID {
                try await VideoCallService.recording(
                    victimID: victimID, action: start ? "start" : "stop", consent: consent, context: context,
                    on: app.db)
            }
            // Not before the victim is in the call.
            await #expect(throws: DomainError.self) { _ = try await record(true, consent: true, ctx) }
            #expect(try await VideoCallService.relay(#"{"type":"admit"}"#, from: .officer, call: call, on: app.db))
            // Not without their agreement; not by another unit's officer.
            do {
                _ = try await record(true, consent: false, ctx)
                Issue.record("recorded without agreement")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["consent"])
            }
            let east = try await s.world.user("pc.east.rec", .officer, unit: s.world.ce)
            await #expect(throws: DomainError.self) { _ = try await record(true, consent: true, s.world.context(east)) }
            #expect(try await Interview.query(on: app.db).count() == 0)

            let interviewID = try await record(true, consent: true, ctx)
            let interview = try #require(try await Interview.find(interviewID, on: app.db))
            #expect(interview.consent && interview.$crime.id == call.$crime.id && interview.$link.id == victimID)
            #expect(try await VideoCall.find(call.id, on: app.db)?.interviewID == interviewID)
            // A victim who (re)joins while it records is told in the socket's first message.
            let joined = try await VideoCallService.arrived(.victim, call: call, on: app.db)
            #expect(joined.hasSuffix(#""recording":true}"#))
            #expect(try await record(false, consent: false, ctx) == interviewID)
            #expect(try await VideoCall.find(call.id, on: app.db)?.recordingSince == nil)
            let told = try await VideoSignal.query(on: app.db).filter(\.$toRole == "victim").sort(\.$id).all()
                .map(\.body)
            #expect(told.suffix(2) == [#"{"type":"recording","on":true}"#, #"{"type":"recording","on":false}"#])
            let audited = try await AuditEntry.query(on: app.db).filter(\.$recordType == "video_call").all()
            #expect(audited.contains { $0.summary == "recording started, with the victim's agreement" })
        }
    }

    @Test func aVictimsFilesAreCheckedBeforeAnythingIsMadeAndCountedPerCall() async throws {
        try await withTestApp { app in
            let (_, _, call) = try await VideoCallServiceTests.bookedNow(app)
            #expect(try await VideoCallService.relay(#"{"type":"admit"}"#, from: .officer, call: call, on: app.db))
            let admitted = try #require(try await VideoCall.find(call.id, on: app.db))
            func send(_ type: String, _ length: Int64) async throws {
                _ = try await VideoCallService.victimEvidence(
                    call: admitted, fileName: "a.jpg", contentType: type, length: length,
                    body: AsyncStream<ByteBuffer> { bytes in
                        bytes.yield(ByteBuffer(repeating: 0xFF, count: Int(min(length, 64))))
                        bytes.finish()
                    }, ip: nil,
                    settings: app.config.evidence, vault: try app.evidenceVault, on: app.db)
            }
            // Too large, or not a photo or video: refused before an interview or an upload is made.
            await #expect(throws: UploadService.TusError.self) { try await send("image/jpeg", 600 * 1024 * 1024) }
            await #expect(throws: UploadService.TusError.self) { try await send("application/pdf", 64) }
            await #expect(throws: UploadService.TusError.self) { try await send("image/heic", 64) }
            #expect(try await Interview.query(on: app.db).count() == 0)
            for _ in 0..<VideoCallService.sendsPerCall { try await send("image/png", 64) }
            // One more than a call allows: refused, counted in the database.
            await #expect(throws: DomainError.self) { try await send("image/png", 64) }
            #expect(try await EvidenceItem.query(on: app.db).count() == VideoCallService.sendsPerCall)
        }
    }
}
