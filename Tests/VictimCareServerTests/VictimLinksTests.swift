import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain
import VictimCareQR

@testable import VictimCareServer

/// A provider that keeps what it was given, so a test can read the link or code a victim received.
final class CapturingProvider: MessageProvider, @unchecked Sendable {
    private let lock = Locked()
    private var sent: [OutgoingMessage] = []
    var name: String { "capture" }
    var channels: Set<MessageChannel> { [.email, .sms, .letter] }
    var messages: [OutgoingMessage] { lock.withLock { sent } }

    func send(_ message: OutgoingMessage) async throws -> String {
        lock.withLock { sent.append(message) }
        return "capture-\(message.id)"
    }

    /// The first personal link of a kind (`/l/`, `/track/`, `/f/`) in anything sent, as a path.
    func path(_ prefix: String) -> String? {
        for message in messages.reversed() {
            guard let range = message.bodyText.range(of: prefix + "[A-Za-z0-9_-]{43}", options: .regularExpression)
            else { continue }
            return String(message.bodyText[range])
        }
        return nil
    }
}

/// Personal links (leaflet, case page, feedback), QR codes, feedback after each interaction, the victim's own
/// case page with its second factor and rate limit, and the supervisor's report.
@Suite struct VictimLinksTests {
    static func deliver(_ app: Application, _ provider: CapturingProvider) async throws {
        _ = try await OutboxService.deliverDue(
            provider: provider, composer: app.messaging.composer, logger: app.logger, on: app.db)
    }

    @Test func theEmailedLeafletIsTheVictimsOwnAndItsSecretIsNotKept() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let created = try await world.crime("SN/0000001/26", officer: officer)
            let victimID = created.victims[0].victimID
            let provider = CapturingProvider()
            try await Self.deliver(app, provider)
            let leaflet = try #require(provider.path("/l/"))
            let track = try #require(provider.path("/track/"))
            #expect(leaflet.count == 3 + 43 && track.count == 7 + 43)
            // Only hashes are stored, and the kept copy of each message has the link blanked.
            for message in try await OutboundMessage.query(on: app.db).filter(\.$victim.$id == victimID).all() {
                #expect(!message.bodyText.contains(leaflet) && !message.bodyText.contains(track))
                #expect(message.bodyText.contains("[removed]"))
            }
            let secret = String(leaflet.dropFirst(3))
            #expect(try await VictimLink.query(on: app.db).filter(\.$tokenHash == secret).count() == 0)

            let page = try await app.testing().sendRequest(.GET, leaflet)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("SN/0000001/26"))
            #expect(page.body.string.contains("PC Pc.Hart"))
            #expect(page.body.string.contains("href=\"\(leaflet)?lang=cy\""), "switching language keeps the link")
            let link = try #require(
                try await VictimLink.query(on: app.db).filter(\.$victim.$id == victimID)
                    .filter(\.$purposeCode == "leaflet").first())
            #expect(link.openCount == 1 && link.firstOpenedAt != nil && link.channel == .email)
            #expect(link.officerID == officer.id)
            // The public leaflet never shows a case; a made-up or malformed link shows nothing.
            #expect(!(try await app.testing().sendRequest(.GET, "/leaflet")).body.string.contains("SN/0000001/26"))
            #expect(
                try await app.testing().sendRequest(.GET, "/l/" + String(repeating: "A", count: 43)).status == .notFound
            )
            #expect(try await app.testing().sendRequest(.GET, "/l/short").status == .notFound)
            // Expired: gone.
            link.expiresAt = Date().addingTimeInterval(-1)
            try await link.save(on: app.db)
            #expect(try await app.testing().sendRequest(.GET, leaflet).status == .gone)
        }
    }

    @Test func anOfficersQRCodeDecodesToTheVictimsLeafletAndCountsAsAScan() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let created = try await world.crime("SN/0000002/26", officer: officer)
            let victimID = created.victims[0].victimID
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/victims/\(victimID)")
            let page = try await browser.post("/victims/\(victimID)/qr/leaflet", [])
            #expect(page.status == .ok)
            #expect(page.headers.first(name: .cacheControl) == "no-store")
            let html = page.body.string
            #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            let base64 = try #require(
                html.range(of: #"data:image/png;base64,[A-Za-z0-9+/=]+"#, options: .regularExpression).map {
                    String(html[$0].dropFirst("data:image/png;base64,".count))
                })
            let png = try #require(Data(base64Encoded: base64))
            let decoded = try QRCodeTests().decode([UInt8](png), suffix: "png")
            let path = try #require(URL(string: decoded)?.path)
            #expect(path.hasPrefix("/l/"))
            let opened = try await app.testing().sendRequest(.GET, path)
            #expect(opened.status == .ok && opened.body.string.contains("SN/0000002/26"))
            let link = try #require(
                try await VictimLink.query(on: app.db).filter(\.$channelCode == "qr").first())
            #expect(link.officerID == officer.id && link.openCount == 1)
            #expect(try await world.auditCount("create", "victim_link", link.id) == 1)
            // The victim's page lists it, opened.
            let victimPage = try await browser.get("/victims/\(victimID)")
            #expect(victimPage.body.string.contains("QR code shown"))
            #expect(victimPage.body.string.contains("First opened"))
        }
    }

    @Test func aSuccessfulCallInvitesFeedbackByTextMessageOnceAndAVoicemailDoesNot() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let created = try await world.crime("SN/0000003/26", officer: officer)
            let victimID = created.victims[0].victimID
            let person = try #require(try await Person.find(created.victims[0].personID, on: app.db))
            person.preferredContact = "phone"
            person.language = "cy"
            try await person.save(on: app.db)
            let context = world.context(officer)
            let phone = try await world.phone(ofVictim: victimID)
            func contact(_ outcome: ContactOutcome) async throws {
                _ = try await ContactService.record(
                    victimID: victimID,
                    .init(
                        at: Instant.format(Date().addingTimeInterval(-60)), method: "phone", outcome: outcome.rawValue,
                        identityVerified: "yes", welfareChecked: "yes", safeToSpeak: "yes", contactPointID: phone),
                    requireConfirmation: false, confirmed: true, context: context, on: app.db)
            }
            try await contact(.voicemailLeft)
            #expect(try await FeedbackInvitation.query(on: app.db).count() == 0)
            try await contact(.spokeToVictim)
            let invitation = try #require(try await FeedbackInvitation.query(on: app.db).first())
            #expect(invitation.channelCode == "sms" && invitation.officerID == officer.id)
            #expect(abs(invitation.expiresAt.timeIntervalSince(invitation.createdAt) - 14 * 86_400) < 5)
            let provider = CapturingProvider()
            try await Self.deliver(app, provider)
            let form = try #require(provider.path("/f/"))
            // The text names neither the offence nor the victim: only the fixed line and the link.
            let text = try #require(provider.messages.first { $0.bodyText.contains("/f/") })
            #expect(text.channel == .sms && text.recipient == "07700 900123")
            #expect(text.bodyText == SafetyGate.smsBody(link: app.config.publicURL + form))

            let shown = try await app.testing().sendRequest(.GET, form)
            #expect(shown.status == .ok)
            #expect(shown.body.string.contains("lang=\"cy\""))
            #expect(shown.body.string.contains("Dywedwch wrthym sut wnaethon ni"))
            var browser = Browser(app)
            let incomplete = try await browser.post(form, [("satisfaction", "4")], withCSRF: false)
            #expect(incomplete.status == .unprocessableEntity)
            #expect(incomplete.body.string.contains("Dywedwch a gawsoch eich trin yn deg a gyda pharch"))
            let answers = [
                ("satisfaction", "4"), ("fair", "yes"), ("informed", "partly"), ("understood", "no"),
                ("comment", "Kind and quick"), ("lang", "cy"),
            ]
            #expect(try await browser.post(form, answers, withCSRF: false).status == .ok)
            let again = try await browser.post(form, answers, withCSRF: false)
            #expect(again.status == .conflict)
            #expect(try await FeedbackResponse.query(on: app.db).count() == 1)
            let response = try #require(try await FeedbackResponse.query(on: app.db).first())
            #expect(response.satisfaction == 4 && response.keptInformed == "partly" && response.language == "cy")
            #expect(try await FeedbackInvitation.find(invitation.id, on: app.db)?.respondedAt != nil)
            // A repeated record of the same contact does not invite twice.
            let contactID = try #require(try await Contact.query(on: app.db).filter(\.$successful == true).first()?.id)
            try await FeedbackService.invite(
                victimID: victimID, source: .contact, sourceID: contactID, by: context.actor, links: .init(),
                on: app.db)
            #expect(try await FeedbackInvitation.query(on: app.db).count() == 1)
        }
    }

    @Test func feedbackIsNeverSentWhereTheSuspectMaySeeMessagesAndExpiredLinksAreGone() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let created = try await world.crime("SN/0000004/26", flags: ["domestic_abuse"], officer: officer)
            let victimID = created.victims[0].victimID
            let victim = try #require(try await Victim.find(victimID, on: app.db))
            victim.suspectMaySeeMessages = true
            try await victim.save(on: app.db)
            let person = try #require(try await Person.find(created.victims[0].personID, on: app.db))
            person.preferredContact = "sms"
            try await person.save(on: app.db)
            _ = try await ContactService.record(
                victimID: victimID,
                .init(
                    at: Instant.format(Date().addingTimeInterval(-60)), method: "in_person",
                    outcome: ContactOutcome.spokeToVictim.rawValue, identityVerified: "yes", welfareChecked: "yes",
                    safeToSpeak: "yes"),
                requireConfirmation: false, confirmed: true, context: world.context(officer), on: app.db)
            let invitation = try #require(try await FeedbackInvitation.query(on: app.db).first())
            #expect(invitation.channelCode == "qr", "nothing sent: the officer shows a QR code instead")
            #expect(
                try await OutboundMessage.query(on: app.db).filter(\.$purpose == "feedback").count() == 0)
            // The officer shows it; once expired, the form says so and takes nothing.
            let issued = try await FeedbackService.issueForQRCode(
                invitationID: invitation.id!, context: world.context(officer), on: app.db)
            invitation.expiresAt = Date().addingTimeInterval(-1)
            try await invitation.save(on: app.db)
            let expired = try await app.testing().sendRequest(.GET, "/f/\(issued.secret)")
            #expect(expired.status == .gone)
            var browser = Browser(app)
            let late = try await browser.post(
                "/f/\(issued.secret)",
                [("satisfaction", "5"), ("fair", "yes"), ("informed", "yes"), ("understood", "yes")],
                withCSRF: false)
            #expect(late.status == .gone)
            #expect(try await FeedbackResponse.query(on: app.db).count() == 0)
        }
    }

    @Test func theCasePageNeedsTheDateOfBirthLocksAfterFiveWrongTriesAndRecordsWhatTheVictimAsks() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let created = try await world.crime("SN/0000005/26", officer: officer)
            let victimID = created.victims[0].victimID
            let provider = CapturingProvider()
            try await Self.deliver(app, provider)
            let track = try #require(provider.path("/track/"))
            var victim = Browser(app)
            let first = try await victim.get(track)
            #expect(first.status == .ok)
            #expect(!first.body.string.contains("SN/0000005/26"), "the link alone shows nothing of the case")
            #expect(first.body.string.contains("What is your date of birth?"))
            for _ in 1...4 {
                let wrong = try await victim.post(
                    track + "/verify", [("method", "dob"), ("dobDay", "1"), ("dobMonth", "1"), ("dobYear", "1990")],
                    withCSRF: false)
                #expect(wrong.status == .unprocessableEntity)
                #expect(wrong.body.string.contains("does not match"))
            }
            let fifth = try await victim.post(
                track + "/verify", [("method", "dob"), ("dobDay", "1"), ("dobMonth", "1"), ("dobYear", "1990")],
                withCSRF: false)
            #expect(fifth.status == .tooManyRequests)
            // Locked: even the right answer waits.
            let right = [("method", "dob"), ("dobDay", "12"), ("dobMonth", "4"), ("dobYear", "1985")]
            #expect(try await victim.post(track + "/verify", right, withCSRF: false).status == .tooManyRequests)
            let link = try #require(
                try await VictimLink.query(on: app.db).filter(\.$purposeCode == "track").first())
            link.lockedUntil = nil
            try await link.save(on: app.db)
            let signedIn = try await victim.post(track + "/verify", right, withCSRF: false)
            #expect(signedIn.status == .seeOther)
            #expect(victim.cookies["vc_case"] != nil)
            let page = try await victim.get(track)
            let html = page.body.string
            #expect(html.contains("Your case SN/0000005/26") && html.contains("PC Pc.Hart"))
            #expect(html.contains("When you will next hear from us"))
            #expect(try await world.auditCount("view", "victim", victimID) >= 1)
            let csrf = try #require(
                html.range(of: #"name="_csrf" value="[0-9a-f]{32}""#, options: .regularExpression).map {
                    String(html[$0].suffix(33).dropLast())
                })
            // Without the form token nothing changes.
            #expect(
                try await victim.post(track + "/call-back", [("callBackTimes", "after 6pm")], withCSRF: false).status
                    == .forbidden)
            #expect(
                try await victim.post(
                    track + "/call-back", [("callBackTimes", "Weekdays after 6pm"), ("_csrf", csrf)], withCSRF: false
                ).status == .ok)
            #expect(
                try await victim.post(
                    track + "/contact",
                    [("preferredContact", "email"), ("preferredTimes", "Mornings"), ("_csrf", csrf)],
                    withCSRF: false
                ).status == .ok)
            #expect(
                try await victim.post(track + "/messages", [("optOut", "yes"), ("_csrf", csrf)], withCSRF: false).status
                    == .ok)
            let person = try #require(try await Person.find(created.victims[0].personID, on: app.db))
            #expect(person.messagesOptOut && person.preferredContact == "email" && person.preferredTimes == "Mornings")
            #expect(try await CaseRequest.query(on: app.db).count() == 3)
            // The officer sees what was asked and marks it seen.
            var officerBrowser = Browser(app)
            try await officerBrowser.signIn("pc.hart")
            let victimPage = try await officerBrowser.get("/victims/\(victimID)").body.string
            #expect(victimPage.contains("Asked for a call back") && victimPage.contains("Weekdays after 6pm"))
            #expect(victimPage.contains("Opted out of messages") && victimPage.contains("(3 new)"))
            let request = try #require(
                try await CaseRequest.query(on: app.db).filter(\.$kindCode == "call_back").first())
            try await officerBrowser.post("/victims/\(victimID)/requests/\(request.id!)/acknowledge", [])
            #expect(try await CaseRequest.find(request.id, on: app.db)?.acknowledgedByName == "Pc.Hart")
            // Signing out ends the session.
            #expect(try await victim.post(track + "/sign-out", [("_csrf", csrf)], withCSRF: false).status == .seeOther)
            #expect(!(try await victim.get(track)).body.string.contains("SN/0000005/26"))
        }
    }

    @Test func aOneTimeCodeGoesByTheSafeChannelAndOpensTheCasePage() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000006/26")
            let provider = CapturingProvider()
            try await Self.deliver(app, provider)
            let track = try #require(provider.path("/track/"))
            var victim = Browser(app)
            let asked = try await victim.post(track + "/code", [], withCSRF: false)
            #expect(asked.status == .ok && asked.body.string.contains("We are sending a code by email"))
            try await Self.deliver(app, provider)
            let message = try #require(provider.messages.last)
            #expect(message.subject == "Your code")
            let code = try #require(
                message.bodyText.range(of: #"\b[0-9]{6}\b"#, options: .regularExpression).map {
                    String(message.bodyText[$0])
                })
            let stored = try #require(
                try await OutboundMessage.query(on: app.db).filter(\.$purpose == "one_time_code").first())
            #expect(!stored.bodyText.contains(code))
            #expect(
                try await victim.post(
                    track + "/verify", [("method", "code"), ("code", "000000" == code ? "111111" : "000000")],
                    withCSRF: false
                )
                .status == .unprocessableEntity)
            #expect(
                try await victim.post(track + "/verify", [("method", "code"), ("code", code)], withCSRF: false).status
                    == .seeOther)
            #expect(try await victim.get(track).body.string.contains("SN/0000006/26"))
            // The code works once.
            var other = Browser(app)
            #expect(
                try await other.post(track + "/verify", [("method", "code"), ("code", code)], withCSRF: false).status
                    == .unprocessableEntity)
            // No safe channel, no code.
            let person = try #require(try await Person.find(created.victims[0].personID, on: app.db))
            person.messagesOptOutValue = true
            try await person.save(on: app.db)
            let refused = try await other.post(track + "/code", [], withCSRF: false)
            #expect(refused.status == .conflict && refused.body.string.contains("cannot send you a code safely"))
        }
    }

    @Test func theReportShowsProvisionAndFeedbackAndHidesSmallGroups() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            _ = try await world.user("sgt.lee", .supervisor, rank: "PS")
            for n in 1...6 {
                let created = try await world.crime("SN/000010\(n)/26", officer: officer)
                _ = try await ContactService.record(
                    victimID: created.victims[0].victimID,
                    .init(
                        at: Instant.format(Date().addingTimeInterval(-60)), method: "phone",
                        outcome: ContactOutcome.spokeToVictim.rawValue, identityVerified: "yes", welfareChecked: "yes",
                        safeToSpeak: "yes",
                        contactPointID: try await world.phone(ofVictim: created.victims[0].victimID)),
                    requireConfirmation: false, confirmed: true, context: world.context(officer), on: app.db)
            }
            let provider = CapturingProvider()
            try await Self.deliver(app, provider)
            // Two of the six victims open their leaflet; one answers the feedback.
            for message in provider.messages.filter({ $0.bodyText.contains("/l/") }).prefix(2) {
                let path = try #require(message.bodyText.range(of: "/l/[A-Za-z0-9_-]{43}", options: .regularExpression))
                _ = try await app.testing().sendRequest(.GET, String(message.bodyText[path]))
            }
            var browser = Browser(app)
            try await browser.signIn("sgt.lee")
            let page = try await browser.get("/reports/communications")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("<th scope=\"row\">PC Pc.Hart</th><td>6</td><td>6 (100%)</td><td>2 (33%)</td>"))
            #expect(html.contains("Response rate by age band"))
            // Six invitations, no answers yet; in one age band, fewer than five would be hidden.
            #expect(html.contains("<th scope=\"row\">35 to 44</th><td>6</td><td>0</td><td>0%</td>"))
            var anonymous = Browser(app)
            #expect(try await anonymous.get("/reports/communications").status != .ok)
            var pc = Browser(app)
            try await pc.signIn("pc.hart")
            #expect(try await pc.get("/reports/communications").status == .forbidden)
        }
    }
}
