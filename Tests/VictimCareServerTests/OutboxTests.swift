import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// The outbox against a local server speaking GOV.UK Notify's API (with its JWT checks), the safety gate's
/// refusals, and the pages officers and administrators use.
@Suite struct OutboxTests {
    static func notify(_ app: Application, _ fake: NotifyFake, key: String? = nil) -> NotifyMessageProvider {
        NotifyMessageProvider(
            baseURL: fake.baseURL, key: NotifyAPIKey(key ?? fake.apiKey)!, emailTemplateID: "email-template",
            smsTemplateID: "sms-template", letterTemplateID: nil, client: app.client)
    }

    @discardableResult
    static func deliver(
        _ app: Application, _ provider: any MessageProvider, settings: OutboxService.Settings = .init()
    ) async throws -> Int {
        try await OutboxService.deliverDue(
            provider: provider, composer: app.messaging.composer, settings: settings, logger: app.logger, on: app.db)
    }

    static func messages(_ app: Application, _ victimID: UUID) async throws -> [OutboundMessage] {
        try await OutboundMessage.query(on: app.db).filter(\.$victim.$id == victimID).sort(\.$purpose).all()
    }

    /// Makes every waiting message due now, as if its backoff had passed.
    static func makeDue(_ app: Application) async throws {
        try await (app.db as! any SQLDatabase).raw(
            "UPDATE messages SET next_attempt_at = \(bind: Date().addingTimeInterval(-1))"
        ).run()
    }

    @Test func aCrimeWithASafeEmailGetsTheConfirmationAndLeafletAndTheirDutiesAreMet() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let created = try await world.crime("SN/0000001/26", officer: officer)
            let victimID = created.victims[0].victimID
            let queued = try await Self.messages(app, victimID)
            #expect(queued.map(\.purpose) == ["confirmation", "leaflet"])
            #expect(queued.allSatisfy { $0.status == .queued })
            #expect(try await Self.deliver(app, Self.notify(app, fake)) == 2)
            let sent = try await Self.messages(app, victimID)
            #expect(sent.allSatisfy { $0.status == .sent && $0.provider == "notify" && $0.providerReference != nil })
            let emails = fake.received
            #expect(emails.count == 2 && emails.allSatisfy { $0.path == "/v2/notifications/email" })
            #expect(emails.allSatisfy { $0["email_address"] as? String == "ada@example.com" })
            let confirmation = try #require(
                emails.first { ($0.personalisation["subject"] ?? "").contains("SN/0000001/26") })
            let body = confirmation.personalisation["body"] ?? ""
            #expect(body.contains("Dear Ada,") && body.contains("Crime reference: SN/0000001/26"))
            #expect(body.contains("Officer in the case: PC Pc.Hart, "))
            #expect(body.contains("12. To complain."), "the leaflet's twelve rights")
            let r4r5 = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victimID)
                .filter(\.$code ~~ ["R4", "R5"]).all()
            #expect(r4r5.count == 2 && r4r5.allSatisfy { $0.state == "met" })
            #expect(r4r5.first { $0.code == "R4" }?.metBy?.hasPrefix("Written confirmation given") == true)
            #expect(r4r5.first { $0.code == "R5" }?.metBy?.hasPrefix("Information leaflet given") == true)
            // Delivering again sends nothing more.
            #expect(try await Self.deliver(app, Self.notify(app, fake)) == 0)
            #expect(fake.received.count == 2)
        }
        try await fake.stop()
    }

    @Test func messagesAreInTheVictimsLanguageRightToLeftWhereItIs() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000001/26", victim: ("Amira", "Haddad"))
            let person = try #require(try await Person.find(created.victims[0].personID, on: app.db))
            person.language = "ar"
            try await person.save(on: app.db)
            try await Self.deliver(app, Self.notify(app, fake))
            let sent = try await Self.messages(app, created.victims[0].victimID)
            #expect(sent.allSatisfy { $0.language == "ar" && $0.status == .sent })
            let html = try #require(sent.first { $0.purpose == "confirmation" }?.bodyHTML)
            #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
            #expect(html.contains("الرقم المرجعي للجريمة") && html.contains("SN/0000001/26"))
            #expect(fake.received.contains { ($0.personalisation["subject"] ?? "").hasPrefix("بلاغك عن الجريمة") })
        }
        try await fake.stop()
    }

    @Test func theSameIdempotencyKeyIsOneMessage() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000001/26")
            let victimID = created.victims[0].victimID
            let ask = OutboxService.Ask(
                victimID: victimID, channel: .email, purpose: .leaflet, idempotencyKey: "retry-me")
            let first = try await OutboxService.enqueue(ask, context: .system, on: app.db)
            let second = try await OutboxService.enqueue(ask, context: .system, on: app.db)
            #expect(first.id == second.id)
            // The automatic confirmation and leaflet, and this one.
            #expect(try await Self.messages(app, victimID).count == 3)
            try await Self.deliver(app, Self.notify(app, fake))
            try await Self.makeDue(app)
            try await Self.deliver(app, Self.notify(app, fake))
            #expect(fake.received.count == 3)
        }
        try await fake.stop()
    }

    @Test func temporaryFailuresAreRetriedWithBackoffThenDeadLettered() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            let victimID = try await world.crime("SN/0000001/26").victims[0].victimID
            let settings = OutboxService.Settings(maxAttempts: 3)
            fake.fail(with: [500, 429, 500, 500, 500, 500])
            try await Self.deliver(app, Self.notify(app, fake), settings: settings)
            var messages = try await Self.messages(app, victimID)
            #expect(messages.allSatisfy { $0.status == .queued && $0.attempts == 1 && $0.nextAttemptAt > Date() })
            #expect(messages.allSatisfy { ($0.lastError ?? "").contains("Notify answered") })
            // Not due yet: nothing is tried.
            #expect(try await Self.deliver(app, Self.notify(app, fake), settings: settings) == 0)
            try await Self.makeDue(app)
            try await Self.deliver(app, Self.notify(app, fake), settings: settings)
            try await Self.makeDue(app)
            try await Self.deliver(app, Self.notify(app, fake), settings: settings)
            messages = try await Self.messages(app, victimID)
            #expect(messages.allSatisfy { $0.status == .dead && $0.attempts == 3 })
            #expect(fake.received.isEmpty)
            // An administrator puts one back once Notify is well again; it goes.
            var admin = Browser(app)
            try await world.user("admin.one", .administrator)
            try await admin.signIn("admin.one")
            let page = try await admin.get("/admin/outbox").body.string
            #expect(page.contains("Dead letters") && page.contains("Notify answered 500"))
            let retried = try await admin.post("/admin/outbox/\(messages[0].id!)/retry", [])
            #expect(retried.status == .seeOther)
            try await Self.deliver(app, Self.notify(app, fake), settings: settings)
            #expect(fake.received.count == 1)
            var officer = Browser(app)
            try await world.user("pc.hart", .officer)
            try await officer.signIn("pc.hart")
            #expect(try await officer.get("/admin/outbox").status == .forbidden)
        }
        try await fake.stop()
    }

    @Test func aPermanentRefusalOrABadKeyIsADeadLetterAtOnce() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            let victimID = try await world.crime("SN/0000001/26").victims[0].victimID
            let wrongKey = "victimcare_test-\(fake.serviceID)-\(UUID().uuidString.lowercased())"
            try await Self.deliver(app, Self.notify(app, fake, key: wrongKey))
            let messages = try await Self.messages(app, victimID)
            #expect(messages.allSatisfy { $0.status == .dead && $0.attempts == 1 })
            #expect(fake.rejectedTokens == 2, "the fake checks the signature")
            #expect(fake.received.isEmpty)
        }
        try await fake.stop()
    }

    @Test func theSafetyGateRefusalsSendNothing() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            // An email not marked safe; a victim who opted out; a text message with no phone number recorded.
            let unsafe = try await world.crime("SN/0000001/26", victim: ("Una", "Safe"))
            try await ContactPoint.query(on: app.db).filter(\.$person.$id == unsafe.victims[0].personID)
                .set(\.$safe, to: false).update()
            let optedOut = try await world.crime("SN/0000002/26", victim: ("Otto", "Out"))
            let person = try #require(try await Person.find(optedOut.victims[0].personID, on: app.db))
            person.messagesOptOutValue = true
            try await person.save(on: app.db)
            let noPhone = try await world.crime("SN/0000003/26", victim: ("Nora", "Phone"))
            try await ContactPoint.query(on: app.db).filter(\.$person.$id == noPhone.victims[0].personID)
                .filter(\.$kindCode == "phone").delete()
            // The automatic messages were asked for before these changes: each is stopped when it comes to be sent.
            #expect(try await OutboundMessage.query(on: app.db).count() == 6)
            #expect(try await Self.deliver(app, Self.notify(app, fake)) == 6, "all six claimed; four stopped")
            let stopped = try await OutboundMessage.query(on: app.db).all()
            #expect(stopped.filter { $0.status == .refused }.count == 4)
            #expect(
                stopped.filter { $0.status == .sent }.map(\.$victim.id) == [noPhone.victims[0].victimID] + [
                    noPhone.victims[0].victimID
                ])
            #expect(fake.received.count == 2, "only the victim whose email is safe got hers")
            // Asked for afterwards, each is refused at once, with its own reason, and never sent.
            try await OutboundMessage.query(on: app.db).delete()
            for (victim, channel, key) in [
                (unsafe.victims[0].victimID, MessageChannel.email, "u1"),
                (optedOut.victims[0].victimID, .email, "o1"), (noPhone.victims[0].victimID, .sms, "n1"),
            ] {
                let message = try await OutboxService.enqueue(
                    .init(victimID: victim, channel: channel, purpose: .leaflet, idempotencyKey: key), context: .system,
                    on: app.db)
                #expect(message.status == .refused)
            }
            let refused = try await OutboundMessage.query(on: app.db).all()
            #expect(Set(refused.compactMap(\.reason)).count == 3, "each with its own reason")
            #expect(try await Self.deliver(app, Self.notify(app, fake)) == 0)
            #expect(fake.received.count == 2)
        }
        try await fake.stop()
    }

    /// The outbox loads a claimed batch's facts a table at a time; each message must see what it would have
    /// loaded alone, whichever of its person's contact points is safe.
    @Test func aBatchsFactsAreTheOnesEachMessageWouldLoadAlone() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let plain = try await world.crime("SN/0000001/26", victim: ("Ada", "Lovelace"), officer: officer)
            let unsafe = try await world.crime("SN/0000002/26", victim: ("Una", "Safe"))
            try await ContactPoint.query(on: app.db).filter(\.$person.$id == unsafe.victims[0].personID)
                .set(\.$safe, to: false).update()
            // A second email, safe, recorded after the unsafe one: the safe one is used.
            let second = ContactPoint()
            second.$person.id = unsafe.victims[0].personID
            second.kindCode = "email"
            second.value = "una.safe@example.org"
            second.safe = true
            try await second.create(on: app.db)
            let other = try await world.crime("SN/0000003/26", flags: ["domestic_abuse"], victim: ("Дарья", "Смирнова"))
            for (victim, key) in [(plain, "p"), (unsafe, "u"), (other, "o")] {
                _ = try await OutboxService.enqueue(
                    .init(victimID: victim.victims[0].victimID, channel: .sms, purpose: .feedback, idempotencyKey: key),
                    context: .system, on: app.db)
            }
            let messages = try await OutboundMessage.query(on: app.db).all()
            #expect(messages.count >= 6)
            let batch = try await GateFacts.load(batch: messages, on: app.db)
            #expect(batch.count == messages.count)
            for message in messages {
                let alone = try await GateFacts.load(
                    victimID: message.$victim.id, channel: message.channel, on: app.db)
                let together = try #require(batch[message.id!])
                #expect(together.contactPointID == alone.contactPointID, "\(message.purpose) \(message.channel)")
                #expect(together.recipient == alone.recipient && together.contactPointSafe == alone.contactPointSafe)
                #expect(together.crimeID == alone.crimeID && together.personID == alone.personID)
                #expect(together.language == alone.language && together.optedOut == alone.optedOut)
                #expect(together.suspectRisk == alone.suspectRisk && together.cleared == alone.cleared)
                #expect(together.sensitiveWords == alone.sensitiveWords)
                #expect(together.related?.officer?.id == alone.crime.$officerInCase.id)
                #expect(together.related?.unit?.id == alone.crime.$commandUnit.id)
                #expect(together.related?.link?.id == message.linkID)
            }
            let una = try #require(
                messages.first { $0.$victim.id == unsafe.victims[0].victimID && $0.channel == .email })
            #expect(batch[una.id!]?.recipient == "una.safe@example.org")
            // A message whose victim is gone is left out of the batch (alone, it fails as before).
            let gone = try #require(messages.first { $0.$victim.id == other.victims[0].victimID })
            try await Victim.query(on: app.db).filter(\.$id == other.victims[0].victimID).delete()
            #expect(try await GateFacts.load(batch: messages, on: app.db)[gone.id!] == nil)
        }
    }

    /// A message whose turn comes after the batch's facts are `freshFacts` old reads its own again (here every
    /// message, with `freshFacts` 0): that path still sends, and still stops a victim who opted out.
    @Test func lateInABatchAMessageReadsItsVictimsFactsAgain() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            let kept = try await world.crime("SN/0000001/26", victim: ("Ada", "Lovelace"))
            let optedOut = try await world.crime("SN/0000002/26", victim: ("Otto", "Out"))
            let person = try #require(try await Person.find(optedOut.victims[0].personID, on: app.db))
            person.messagesOptOutValue = true
            try await person.save(on: app.db)
            var settings = OutboxService.Settings()
            settings.freshFacts = 0
            #expect(try await Self.deliver(app, Self.notify(app, fake), settings: settings) == 4)
            let all = try await OutboundMessage.query(on: app.db).all()
            #expect(all.filter { $0.$victim.id == kept.victims[0].victimID }.allSatisfy { $0.status == .sent })
            #expect(all.filter { $0.$victim.id == optedOut.victims[0].victimID }.allSatisfy { $0.status == .refused })
            #expect(fake.received.count == 2)
        }
        try await fake.stop()
    }

    @Test func theDateHeaderIsWhatAFormatterWrites() {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var state: UInt64 = 11
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let date = Date(timeIntervalSince1970: Double(state >> 33) - 200_000_000)  // 1963 to 2102
            #expect(MIMEMessage.rfc5322Date(date) == f.string(from: date))
        }
        #expect(
            ByteSearch.contains("abc\r\n.def", Array("\r\n.".utf8)) && !ByteSearch.contains("ab", Array("abc".utf8)))
    }

    @Test func aSecretIsBlankedWhereverItIsByByte() {
        let secret = "Ab-_0123456789abcdefghijklmnopqrstuvwxyzABC"
        let text = "Dear Дарья, محمد 李: https://x/l/\(secret)\nagain \(secret)\(secret) end 👩🏽‍⚕️"
        let out = MessageComposer.Composed.replacing(secret, in: text, with: "[removed]")
        #expect(out == text.replacingOccurrences(of: secret, with: "[removed]"))
        #expect(!out.contains(secret) && out.components(separatedBy: "[removed]").count == 4)
        #expect(MessageComposer.Composed.replacing("zzz", in: text, with: "[removed]") == text)
    }

    @Test func domesticAbuseMessagesWaitUntilAnOfficerRecordsTheyAreSafe() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            try await world.user("ps.cole", .supervisor)
            var draft = CrimeDraft()
            draft.reference = "SN/0000009/26"
            draft.offenceCode = "008/01"
            draft.occurredFrom = Instant.format(Date().addingTimeInterval(-7200))
            draft.reportedAt = Instant.format(Date().addingTimeInterval(-3600))
            draft.channel = "telephone"
            draft.flags = ["domestic_abuse"]
            draft.commandUnit = "SN"
            var needs = NeedsAssessmentService.Draft()
            needs.suspectHasAccess = "yes"
            let created = try await CrimeService.create(
                draft,
                victims: [
                    VictimDraft(
                        person: PersonDraft(
                            givenName: "Dana", familyName: "Held", dateOfBirth: "1990-01-01", phone: "07700 900456",
                            email: "dana@example.com", emailSafe: "yes"), needs: needs)
                ], context: .system, on: app.db)
            let victimID = created.victims[0].victimID
            // Contact points of a domestic abuse victim are not assumed safe; this one was said to be.
            let held = try await Self.messages(app, victimID)
            #expect(held.count == 2 && held.allSatisfy { $0.status == .held })
            #expect(try await Self.deliver(app, Self.notify(app, fake)) == 0)
            var officer = Browser(app)
            try await officer.signIn("pc.hart")
            let page = try await officer.get("/victims/\(victimID)").body.string
            #expect(page.contains("Held: not sent until messaging is recorded as safe"))
            #expect(page.contains("Record that messaging is safe"))
            let cleared = try await officer.post("/victims/\(victimID)/messaging-safe", [])
            #expect(cleared.status == .seeOther)
            #expect(try await Self.messages(app, victimID).allSatisfy { $0.status == .queued })
            #expect(try await Self.deliver(app, Self.notify(app, fake)) == 2)
            #expect(fake.received.count == 2)
            let after = try await officer.get("/victims/\(victimID)").body.string
            #expect(after.contains("Recorded as safe to message by") && after.contains(">Sent<"))
            #expect(try await world.auditCount("update", "victim", victimID) >= 1)
        }
        try await fake.stop()
    }

    @Test func theEmailIsWellFormedMIME() throws {
        let raw = MIMEMessage.build(
            from: "no-reply@victimcare.example", to: "ada@example.com", subject: "Eich adroddiad trosedd — SN/1/26",
            text: "Annwyl Ada,\n.\nline", html: "<p>Annwyl Ada</p>", language: "cy", messageID: "m1@victimcare.example",
            boundary: "b1")
        let (head, _) = try #require(raw.range(of: "\r\n\r\n").map { (raw[..<$0.lowerBound], raw[$0.upperBound...]) })
        #expect(head.contains("Subject: =?UTF-8?B?"))
        #expect(head.contains("Content-Language: cy"))
        #expect(head.contains("Content-Type: multipart/alternative; boundary=\"b1\""))
        #expect(raw.components(separatedBy: "\r\n").allSatisfy { $0.count <= 998 })
        #expect(raw.contains("--b1\r\nContent-Type: text/plain; charset=utf-8") && raw.hasSuffix("--b1--"))
        #expect(MIMEMessage.dotStuffed(".a\r\nb\r\n..c") == "..a\r\nb\r\n...c")
    }

    @Test func notifyTokensAreSignedAsNotifySpecifies() throws {
        let key = try #require(
            NotifyAPIKey("my_key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"))
        #expect(key.serviceID == "26785a09-ab16-4eb0-8407-a37497a57506")
        #expect(key.secret == "3d844edf-8d35-48ac-975b-e847b4f122b0")
        #expect(NotifyAPIKey("too-short") == nil)
        let token = try NotifyJWT.token(for: key, issuedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3 && !token.contains("=") && !token.contains("+") && !token.contains("/"))
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Data(key.secret.utf8)))
        #expect(Secrets.base64URL(Data(expected)) == parts[2])
    }
}

extension NotifyFake.Received {
    subscript(key: String) -> Any? { json[key] }
    var personalisation: [String: String] { json["personalisation"] as? [String: String] ?? [:] }
}
