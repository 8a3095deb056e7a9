import Fluent
import Foundation
import NIOFoundationEssentialsCompat
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 16, item 3: an interpreter, a parent or guardian, or a supporter joins the call as its third
/// participant, by a link the officer makes: only in the call's window, in one browser, once let in, and only
/// until the officer withdraws it.
@Suite struct VideoGuestTests {
    @Test func theOfficerInvitesAndTheLinkOpensOnlyInTheCallsTimeAndInOneBrowser() async throws {
        try await withTestApp { app in
            let (s, victimID, call) = try await VideoCallServiceTests.bookedNow(app)
            let ctx = s.world.context(s.officer)
            do {
                _ = try await VideoGuestService.invite(
                    victimID: victimID, kind: "", name: " ", context: ctx, on: app.db)
                Issue.record("invited nobody")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["kind", "name"])
            }
            do {
                _ = try await VideoGuestService.invite(
                    victimID: victimID, kind: "interpreter", name: String(repeating: "ب", count: 201), context: ctx,
                    on: app.db)
                Issue.record("a 201-character name was taken")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["name"])
            }
            let invited = try await VideoGuestService.invite(
                victimID: victimID, kind: "interpreter", name: "Amira Haddad (LanguageLine)", context: ctx, on: app.db)
            #expect(invited.secret.utf8.count == 43)
            let stored = try #require(try await VideoGuest.find(invited.guest.id, on: app.db))
            #expect(stored.secretHash == Secrets.sha256Hex(invited.secret) && stored.callID == call.id)
            #expect(
                try await AuditEntry.query(on: app.db).filter(\.$recordType == "video_guest")
                    .filter(\.$action == "create").count() == 1)

            guard case .unknown = try await VideoGuestService.enter(secret: "x", browser: { _ in nil }, on: app.db)
            else { Issue.record("a wrong link opened"); return }
            guard
                case .early = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in nil }, now: call.opensAt.addingTimeInterval(-1), on: app.db)
            else { Issue.record("opened early"); return }
            guard
                case .over = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in nil }, now: call.closesAt.addingTimeInterval(1), on: app.db)
            else { Issue.record("opened late"); return }
            // The socket never takes the invitation; the page does, for the first browser only.
            guard
                case .elsewhere = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in nil }, bind: false, on: app.db)
            else { Issue.record("the socket took the link"); return }
            guard
                case .open(_, _, let browser?) = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in nil }, on: app.db)
            else { Issue.record("not opened"); return }
            guard
                case .open(_, _, nil) = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in browser }, on: app.db)
            else { Issue.record("the first browser was refused"); return }
            guard
                case .elsewhere = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in "another" }, on: app.db)
            else { Issue.record("a second browser got in"); return }

            // Inviting someone else withdraws the first link; its page is told.
            let second = try await VideoGuestService.invite(
                victimID: victimID, kind: "guardian", name: "Mother", context: ctx, on: app.db)
            guard
                case .withdrawn = try await VideoGuestService.enter(
                    secret: invited.secret, browser: { _ in browser }, on: app.db)
            else { Issue.record("a withdrawn link still works"); return }
            #expect(try await VideoGuestService.current(callID: call.id!, on: app.db)?.id == second.guest.id)
            let toFirst = try await VideoSignal.query(on: app.db)
                .filter(\.$toRole == "guest:" + invited.guest.id!.uuidString.lowercased()).all().map(\.body)
            #expect(toFirst == [#"{"type":"bye","reason":"replaced"}"#], "told at its own address")
            #expect(
                try await VideoSignal.query(on: app.db).filter(\.$toRole == "victim").all().map(\.body)
                    == [#"{"type":"guest-removed","guest":"\#(invited.guest.id!.uuidString.lowercased())"}"#])
            // The call is moved to another time: the link is withdrawn (a new time, perhaps another officer).
            _ = try await VideoBookingService.change(victimID: victimID, .init(slot: "asap"), context: ctx, on: app.db)
            guard
                case .withdrawn = try await VideoGuestService.invitation(secret: second.secret, on: app.db)
            else { Issue.record("a moved call kept its guest"); return }
            let third = try await VideoGuestService.invite(
                victimID: victimID, kind: "supporter", name: "ISVA", context: ctx, on: app.db)
            _ = third
            // Removed: nobody is left, and removing again says so.
            try await VideoGuestService.remove(victimID: victimID, context: ctx, on: app.db)
            #expect(try await VideoGuestService.current(callID: call.id!, on: app.db) == nil)
            await #expect(throws: DomainError.self) {
                try await VideoGuestService.remove(victimID: victimID, context: ctx, on: app.db)
            }
        }
    }

    @Test func theGuestIsInOnlyOnceLetInAndReachesTheVictimOnlyWhenBothAre() async throws {
        try await withTestApp { app in
            let (s, victimID, call) = try await VideoCallServiceTests.bookedNow(app)
            let ctx = s.world.context(s.officer)
            let invited = try await VideoGuestService.invite(
                victimID: victimID, kind: "interpreter", name: "Interpreter", context: ctx, on: app.db)
            let guestID = invited.guest.id!
            func relay(_ text: String, _ role: Signalling.Role, guest: UUID? = nil) async throws -> Bool {
                try await VideoCallService.relay(text, from: role, call: call, guestID: guest, on: app.db)
            }
            let address = "guest:" + guestID.uuidString.lowercased()
            func bodies(to role: String) async throws -> [String] {
                try await VideoSignal.query(on: app.db).filter(\.$callID == call.id!)
                    .filter(\.$toRole == (role == "guest" ? address : role)).sort(\.$id).all().map(\.body)
            }
            let admitGuest = #"{"type":"admit","to":"guest","guest":"\#(guestID.uuidString)"}"#
            // Waiting: the officer hears that they are there; nothing they send goes anywhere yet.
            let waiting = try await VideoCallService.arrived(.guest, call: call, guestID: guestID, on: app.db)
            #expect(waiting == #"{"type":"state","peerPresent":false,"admitted":false,"recording":false}"#)
            #expect(
                try await bodies(to: "officer")
                    == [
                        #"{"type":"peer","role":"guest","present":true,"admitted":false,"kind":"interpreter","guest":"\#(guestID.uuidString.lowercased())"}"#
                    ])
            #expect(try await bodies(to: "victim").isEmpty, "the victim hears of a guest only once they are let in")
            #expect(try await relay(#"{"type":"answer","sdp":"v=0"}"#, .guest, guest: guestID) == false)
            #expect(try await relay(#"{"type":"offer","to":"guest","sdp":"v=0"}"#, .officer) == false)
            // The guest cannot let themselves or anyone in.
            #expect(try await relay(admitGuest, .guest, guest: guestID) == false)
            // Admitting names the guest the officer saw waiting: not another invitation, not nobody.
            #expect(try await relay(#"{"type":"admit","to":"guest"}"#, .officer) == false)
            #expect(try await relay(#"{"type":"admit","to":"guest","guest":"\#(UUID())"}"#, .officer) == false)
            #expect(try await VideoGuest.find(guestID, on: app.db)?.admittedAt == nil)

            // The officer lets them in: the guest is told, and so is the victim (who then connects to them).
            #expect(try await relay(admitGuest, .officer))
            #expect(try await VideoGuest.find(guestID, on: app.db)?.admittedAt != nil)
            #expect(try await bodies(to: "guest").last == #"{"type":"admitted"}"#)
            #expect(
                try await bodies(to: "victim").last
                    == #"{"type":"peer","role":"guest","present":true,"kind":"interpreter","guest":"\#(guestID.uuidString.lowercased())"}"#
            )
            #expect(try await relay(#"{"type":"offer","to":"guest","sdp":"v=0"}"#, .officer))
            #expect(
                try await bodies(to: "guest").last == #"{"from":"officer","type":"offer","to":"guest","sdp":"v=0"}"#)
            #expect(try await relay(#"{"type":"answer","sdp":"v=1"}"#, .guest, guest: guestID))
            #expect(try await bodies(to: "officer").last == #"{"from":"guest","type":"answer","sdp":"v=1"}"#)

            // The victim has not been let in yet: the victim and the guest cannot reach each other.
            #expect(try await relay(#"{"type":"offer","to":"guest","sdp":"v=2"}"#, .victim) == false)
            #expect(
                try await relay(#"{"type":"candidate","to":"victim","candidate":{}}"#, .guest, guest: guestID) == false)
            // Let in: told that the guest is already there; now they reach each other.
            #expect(try await relay(#"{"type":"admit"}"#, .officer))
            #expect(
                try await bodies(to: "victim").last
                    == #"{"type":"admitted","guest":"interpreter","guestID":"\#(guestID.uuidString.lowercased())"}"#)
            #expect(try await relay(#"{"type":"offer","to":"guest","sdp":"v=2"}"#, .victim))
            #expect(try await relay(#"{"type":"answer","to":"victim","sdp":"v=3"}"#, .guest, guest: guestID))
            #expect(
                try await bodies(to: "victim").last == #"{"from":"guest","type":"answer","to":"victim","sdp":"v=3"}"#)
            // The victim reconnecting is told the guest is there (seen in the last seconds).
            try await VideoCallService.seen(.guest, at: Date(), call: call.id!, guestID: guestID, on: app.db)
            let victimState = try await VideoCallService.arrived(.victim, call: call, on: app.db)
            let id = guestID.uuidString.lowercased()
            #expect(victimState.hasSuffix(#","guestPresent":true,"guestKind":"interpreter","guestID":"\#(id)"}"#))
            let officerState = try await VideoCallService.arrived(.officer, call: call, on: app.db)
            #expect(
                officerState.hasSuffix(
                    #","guestPresent":true,"guestAdmitted":true,"guestKind":"interpreter","guestID":"\#(id)"}"#))

            // The officer invites someone else: the old invitation's socket is out, whatever it sends.
            let next = try await VideoGuestService.invite(
                victimID: victimID, kind: "supporter", name: "ISVA", context: ctx, on: app.db)
            #expect(try await relay(#"{"type":"candidate","candidate":{}}"#, .guest, guest: guestID) == false)
            #expect(try await relay(#"{"type":"offer","to":"guest","sdp":"v=4"}"#, .officer) == false, "not let in")
            // Nothing for the new guest reaches the old invitation's address.
            let before = try await bodies(to: "guest").count
            _ = try await VideoCallService.arrived(.guest, call: call, guestID: next.guest.id, on: app.db)
            #expect(
                try await relay(#"{"type":"admit","to":"guest","guest":"\#(next.guest.id!.uuidString)"}"#, .officer))
            #expect(try await bodies(to: "guest").count == before, "the new guest's admission went to its own address")
            #expect(
                try await VideoSignal.query(on: app.db)
                    .filter(\.$toRole == "guest:" + next.guest.id!.uuidString.lowercased()).all().map(\.body)
                    == [#"{"type":"admitted"}"#])

            // Under way past its window (an interpreted statement takes time): the current guest can still come
            // back; before it was let in, the same moment would be over.
            let current = try #require(try await VideoGuestService.current(callID: call.id!, on: app.db))
            guard
                case .open = try await VideoGuestService.invitation(
                    secret: next.secret, now: call.closesAt.addingTimeInterval(600), on: app.db)
            else { Issue.record("a call under way shut its guest out after its window"); return }
            #expect(current.id == next.guest.id)

            // Ending the call tells the current guest too.
            try await VideoCallService.end(
                victimID: victimID,
                .init(
                    spoke: true, identityVerified: true, welfareChecked: true, safeToSpeak: true, offenderAbsent: true),
                context: ctx, links: .init(), on: app.db)
            #expect(
                try await VideoSignal.query(on: app.db)
                    .filter(\.$toRole == "guest:" + next.guest.id!.uuidString.lowercased()).sort(\.$id).all().last?
                    .body == #"{"type":"bye","reason":"ended"}"#)
            guard case .over = try await VideoGuestService.enter(secret: next.secret, browser: { _ in nil }, on: app.db)
            else { Issue.record("a link into an ended call opened"); return }
        }
    }

    @Test func theGuestsPageNamesNobodyAndItsSocketNeedsThePagesOriginAndBrowser() async throws {
        try await withTestApp { app in
            let (s, victimID, _) = try await VideoCallServiceTests.bookedNow(app)
            var officer = Browser(app)
            _ = try await officer.signIn("pc.screen")
            _ = try await officer.get("/victims/\(victimID)/video-call/room")
            // The officer's page asks for the link; a bad form is answered field by field, nothing made.
            let bad = try await officer.post(
                "/victims/\(victimID)/video-call/guest", [("kind", "judge"), ("name", "")])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains(#""field":"kind""#))
            #expect(try await VideoGuest.query(on: app.db).count() == 0)
            let made = try await officer.post(
                "/victims/\(victimID)/video-call/guest", [("kind", "interpreter"), ("name", "Interpreter 47")])
            #expect(made.status == .created)
            let invitation = try JSONDecoder().decode(VideoGuestController.Invitation.self, from: made.body)
            #expect(invitation.kind == "Interpreter" && invitation.name == "Interpreter 47")
            let link = try #require(
                invitation.link.firstMatch(of: /\/call-guest\/([A-Za-z0-9_-]{43})$/).map { String($0.output.1) })
            _ = s

            var guest = Browser(app)
            let unknown = try await guest.get("/call-guest/" + String(repeating: "A", count: 43))
            #expect(
                unknown.status == .notFound
                    && unknown.headers.first(name: "Permissions-Policy")?.hasPrefix("camera=()") == true)
            // The page shows to anyone with the link (a mail scanner takes nothing); joining takes it.
            var scanner = Browser(app)
            let scanned = try await scanner.get("/call-guest/\(link)")
            #expect(scanned.status == .ok)
            let page = try await guest.get("/call-guest/\(link)")
            #expect(page.status == .ok && page.body.string.contains("invited into this call as an interpreter"))
            #expect(page.headers.first(name: "Permissions-Policy")?.contains("camera=(self)") == true)
            #expect(page.headers.first(name: "Referrer-Policy") == "no-referrer")
            let person = try await Person.query(on: app.db).all()
            for p in person where !p.familyName.isEmpty {
                #expect(!page.body.string.contains(p.familyName), "the guest's page names nobody")
            }
            guest.headers.replaceOrAdd(name: .host, value: "localhost:8080")
            guest.headers.replaceOrAdd(name: .origin, value: "http://localhost:8080")
            #expect(try await guest.get("/call-guest/\(link)/signal").status == .forbidden, "not joined yet")
            guest.headers.replaceOrAdd(name: .origin, value: "https://evil.example")
            #expect(try await guest.post("/call-guest/\(link)/start", [], withCSRF: false).status == .forbidden)
            guest.headers.replaceOrAdd(name: .origin, value: "http://localhost:8080")
            #expect(try await guest.post("/call-guest/\(link)/start", [], withCSRF: false).status == .noContent)
            #expect(try await guest.post("/call-guest/\(link)/start", [], withCSRF: false).status == .noContent)
            // Another browser with the same link: refused kindly.
            var other = Browser(app)
            other.headers = guest.headers
            let elsewhere = try await other.post("/call-guest/\(link)/start", [], withCSRF: false)
            #expect(elsewhere.status == .conflict && elsewhere.body.string.contains("already open on another"))
            guest.headers.replaceOrAdd(name: .origin, value: "https://evil.example")
            #expect(try await guest.get("/call-guest/\(link)/signal").status == .forbidden)
            guest.headers.replaceOrAdd(name: .origin, value: "http://localhost:8080")
            #expect(try await guest.get("/call-guest/\(link)/signal").status == .switchingProtocols)
            #expect(try await other.get("/call-guest/\(link)/signal").status == .forbidden, "not the bound browser")

            // Removed by the officer: the link is dead.
            let removed = try await officer.post("/victims/\(victimID)/video-call/guest/remove", [])
            #expect(removed.status == .noContent)
            #expect(try await guest.get("/call-guest/\(link)").status == .gone)
        }
    }
}
