import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 16, items 3 and 5: the call's way in (only in its window, only in the first browser), what each side
/// may relay, "not safe now", and the ended call as a contact under the Code's rule.
@Suite struct VideoCallServiceTests {
    static func bookedNow(_ app: Application) async throws -> (VideoBookingServiceTests.Setup, UUID, VideoCall) {
        let s = try await VideoBookingServiceTests.setup(app)
        let victimID = try await VideoBookingServiceTests.victimWhoChoseVideo(s, "SN/0016201/26", on: app)
        let call = try await VideoBookingService.book(
            victimID, .init(slot: "asap"), context: s.world.context(s.officer), on: app.db)
        return (s, victimID, call)
    }

    @Test func onlyInItsWindowAndOnlyInTheFirstBrowser() async throws {
        try await withTestApp { app in
            let (_, victimID, call) = try await Self.bookedNow(app)
            guard
                case .early = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in nil }, now: call.opensAt.addingTimeInterval(-1), on: app.db)
            else { Issue.record("opened early"); return }
            guard
                case .late = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in nil }, now: call.closesAt.addingTimeInterval(1), on: app.db)
            else { Issue.record("opened late"); return }
            guard
                case .open(_, let secret?) = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in nil }, on: app.db)
            else { Issue.record("not opened"); return }
            // The same browser again: in, with no new secret. Another browser, or none: refused.
            guard
                case .open(_, nil) = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in secret }, on: app.db)
            else { Issue.record("the first browser was refused"); return }
            guard
                case .elsewhere = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in "other" }, on: app.db)
            else { Issue.record("a second browser got in"); return }
            guard
                case .elsewhere = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in nil }, on: app.db)
            else { Issue.record("a browser without the cookie got in"); return }
            let stored = try #require(try await VideoCall.find(call.id, on: app.db))
            #expect(stored.victimBrowserHash == Secrets.sha256Hex(secret), "only the hash is kept")
        }
    }

    @Test func onlyTheOfficerAdmitsAndEachSideReachesTheOther() async throws {
        try await withTestApp { app in
            let (_, _, call) = try await Self.bookedNow(app)
            #expect(
                try await VideoCallService.relay(#"{"type":"admit"}"#, from: .victim, call: call, on: app.db) == false)
            #expect(try await VideoCall.find(call.id, on: app.db)?.admittedAt == nil)
            #expect(try await VideoCallService.relay(#"{"type":"admit"}"#, from: .officer, call: call, on: app.db))
            #expect(try await VideoCall.find(call.id, on: app.db)?.admittedAt != nil)
            #expect(
                try await VideoCallService.relay(
                    #"{"type":"answer","sdp":"v=0"}"#, from: .victim, call: call, on: app.db))
            let signals = try await VideoSignal.query(on: app.db).filter(\.$callID == call.id!).sort(\.$id).all()
            #expect(signals.map(\.toRole) == ["victim", "officer"])
            #expect(
                signals.map(\.body) == [#"{"type":"admitted"}"#, #"{"from":"victim","type":"answer","sdp":"v=0"}"#],
                "relayed with the sender named by the relay")
            // Arriving tells the other side, and says whether they are there and whether the victim was let in.
            let state = try await VideoCallService.arrived(.victim, call: call, on: app.db)
            #expect(state == #"{"type":"state","peerPresent":false,"admitted":true,"recording":false}"#)
            let officerState = try await VideoCallService.arrived(.officer, call: call, on: app.db)
            #expect(officerState == #"{"type":"state","peerPresent":true,"admitted":true,"recording":false}"#)
        }
    }

    @Test func notSafeNowEndsItAndTheOfficerIsToldNotToCallBack() async throws {
        try await withTestApp { app in
            let (_, victimID, call) = try await Self.bookedNow(app)
            try await VideoCallService.notSafe(victimID: victimID, ip: "203.0.113.9", on: app.db)
            let ended = try #require(try await VideoCall.find(call.id, on: app.db))
            #expect(ended.state == .ended && ended.endedReason == "not_safe_now")
            let bye = try await VideoSignal.query(on: app.db).filter(\.$toRole == "officer").all().map(\.body)
            #expect(bye.contains(#"{"type":"bye","reason":"not-safe"}"#))
            #expect(
                try await CaseRequest.query(on: app.db).filter(\.$victim.$id == victimID)
                    .filter(\.$kindCode == "not_safe_now").count() == 1)
            // Pressed twice (a retried beacon): nothing more happens.
            try await VideoCallService.notSafe(victimID: victimID, ip: nil, on: app.db)
            #expect(try await CaseRequest.query(on: app.db).filter(\.$kindCode == "not_safe_now").count() == 1)
        }
    }

    @Test func theEndedCallIsAContactUnderTheCodesRule() async throws {
        try await withTestApp { app in
            let (s, victimID, call) = try await Self.bookedNow(app)
            let ctx = s.world.context(s.officer)
            // The offender was there: it happened, but does not count.
            let unsafe = try await VideoCallService.end(
                victimID: victimID,
                .init(
                    spoke: true, identityVerified: true, welfareChecked: true, safeToSpeak: true, offenderAbsent: false),
                context: ctx, links: .init(), on: app.db)
            #expect(!unsafe.decision.successful && unsafe.contact.methodCode == "video")
            #expect(try await VideoCall.find(call.id, on: app.db)?.contactID == unsafe.contact.id)
            // A second call, this time safe: a successful contact, and the victim is asked for feedback.
            let next = try await VideoBookingService.book(victimID, .init(slot: "asap"), context: ctx, on: app.db)
            let safe = try await VideoCallService.end(
                victimID: victimID,
                .init(
                    spoke: true, identityVerified: true, welfareChecked: true, safeToSpeak: true, offenderAbsent: true,
                    notes: "Statement taken; photos of the damage sent."),
                context: ctx, links: .init(), on: app.db)
            #expect(safe.decision.successful, "\(safe.decision.reasons)")
            #expect(try await VideoCall.find(next.id, on: app.db)?.state == .ended)
            #expect(try await FeedbackInvitation.query(on: app.db).count() >= 1)
        }
    }

    @Test func aSocketFromAnotherSiteIsRefused() async throws {
        try await withTestApp { app in
            let (s, victimID, _) = try await Self.bookedNow(app)
            _ = s
            var officer = Browser(app)
            _ = try await officer.signIn("pc.screen")
            officer.headers.replaceOrAdd(name: .origin, value: "https://evil.example")
            let refused = try await officer.get("/victims/\(victimID)/video-call/signal")
            #expect(refused.status == .forbidden)
            officer.headers.replaceOrAdd(name: .origin, value: "http://localhost:8080")
            officer.headers.replaceOrAdd(name: .host, value: "localhost:8080")
            let allowed = try await officer.get("/victims/\(victimID)/video-call/signal")
            #expect(allowed.status == .switchingProtocols)
        }
    }
}

extension VideoCallServiceTests {
    @Test func turnCredentialsFollowCoturnsRestScheme() {
        // The vector from Python: base64(hmac.new(b"north-wind", b"1700000000:call-1", sha1).digest()).
        #expect(
            TurnCredentials.credential(secret: "north-wind", username: "1700000000:call-1")
                == "U1EyNtnPJW+W8NTWrxDsvICz0SM=")
        var config = VideoConfig()
        #expect(TurnCredentials.servers(config, label: "call-1").isEmpty, "no TURN configured: direct media only")
        config.turnURLs = ["turn:turn.example:3478?transport=udp", "turns:turn.example:443?transport=tcp"]
        config.turnSecret = "north-wind"
        config.turnMinutes = 60
        let servers = TurnCredentials.servers(config, label: "call-1", now: Date(timeIntervalSince1970: 1_699_996_400))
        #expect(servers.count == 1 && servers[0].urls.count == 2)
        #expect(servers[0].username == "1700000000:call-1" && servers[0].credential == "U1EyNtnPJW+W8NTWrxDsvICz0SM=")
        #expect(TurnCredentials.json(servers).contains(#""username":"1700000000:call-1""#))
    }
}

extension VideoCallServiceTests {
    @Test func theSocketNeverTakesACallAndACallUnderWayIsNotMissed() async throws {
        try await withTestApp { app in
            let (s, victimID, call) = try await Self.bookedNow(app)
            // The socket route does not bind: an unbound call stays free for the page.
            guard
                case .elsewhere = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in nil }, bind: false, on: app.db)
            else { Issue.record("the socket took the call"); return }
            #expect(try await VideoCall.find(call.id, on: app.db)?.victimBrowserHash == nil)
            // Admitted, then running past its window: not missed, and the officer can still end it.
            #expect(try await VideoCallService.relay(#"{"type":"admit"}"#, from: .officer, call: call, on: app.db))
            #expect(try await VideoBookingService.sweep(now: call.closesAt.addingTimeInterval(60), on: app.db) == 0)
            #expect(try await VideoCall.find(call.id, on: app.db)?.state == .booked)
            // Her connection drops after the window: she can come back into the call under way.
            let bound = try #require(try await VideoCall.find(call.id, on: app.db))
            bound.victimBrowserHash = Secrets.sha256Hex("her-phone")
            try await bound.save(on: app.db)
            guard
                case .open = try await VideoCallService.enter(
                    victimID: victimID, browser: { _ in "her-phone" }, bind: false,
                    now: call.closesAt.addingTimeInterval(600), on: app.db)
            else { Issue.record("a call under way shut the victim out after its window"); return }
            let ending = VideoCallService.Ending(
                spoke: true, identityVerified: true, welfareChecked: true, safeToSpeak: true, offenderAbsent: true)
            let ctx = s.world.context(s.officer)
            try await VideoCallService.end(victimID: victimID, ending, context: ctx, links: .init(), on: app.db)
            // End pressed twice: one contact.
            await #expect(throws: DomainError.self) {
                try await VideoCallService.end(victimID: victimID, ending, context: ctx, links: .init(), on: app.db)
            }
            #expect(try await Contact.query(on: app.db).filter(\.$victim.$id == victimID).count() == 1)
            // Once ended, nothing more is relayed.
            #expect(
                try await VideoCallService.relay(
                    #"{"type":"candidate","candidate":{}}"#, from: .officer, call: call, on: app.db)
                    == false)
        }
    }

    @Test func oneBookedCallPerVictimAndALaterTriageClosesVideo() async throws {
        try await withTestApp { app in
            let s = try await VideoBookingServiceTests.setup(app)
            let victimID = try await VideoBookingServiceTests.victimWhoChoseVideo(s, "SN/0016202/26", on: app)
            let ctx = s.world.context(s.officer)
            @Sendable func attempt() async -> Bool {
                (try? await VideoBookingService.book(victimID, .init(slot: "asap"), context: ctx, on: app.db)) != nil
            }
            async let a = attempt()
            async let b = attempt()
            #expect([await a, await b].filter { $0 }.count == 1, "two bookings at once: one call")
            #expect(try await VideoCall.query(on: app.db).filter(\.$victim.$id == victimID).count() == 1)
            try await VideoBookingService.cancel(victimID: victimID, reason: nil, context: ctx, on: app.db)
            // The crime is triaged again: someone must attend. Video can no longer be booked.
            let victim = try await VictimService.find(victimID, on: app.db)
            var attend = ResponseTriageTests.calm()
            attend.attendanceNeeded = "yes"
            _ = try await ResponseTriageService.record(victim.$crime.id, attend, context: ctx, on: app.db)
            do {
                try await VideoBookingService.book(victimID, .init(slot: "asap"), context: ctx, on: app.db)
                Issue.record("booked against a triage that needs attendance")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.message) == ["Attendance is needed now: an officer goes."])
            }
        }
    }
}
