import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Referral consent, the daily transfer (exactly once, signed, resumable), and the support service's status.
@Suite struct ReferralTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("referrals-\(UUID().uuidString)").path
    }

    /// Two members a page, so a batch of three or more is read in several pages.
    static func export(_ app: Application, _ dir: String, endpoint: String? = nil, key: String? = nil)
        -> ReferralExport
    {
        ReferralExport(
            settings: .init(directory: dir, endpoint: endpoint, signingKey: key), client: app.client,
            logger: app.logger,
            pageSize: 2)
    }

    /// One field (the referral id unless said) of every line in every JSON Lines file of a directory, with repeats.
    static func exported(_ dir: String, _ field: String = "referral_id") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jsonl") }.flatMap {
            file -> [String] in
            let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?[field] as? String
            }
        }
    }

    /// Crimes `\(prefix)1/26`… with one victim each, Ann1 Smith…, every one agreeing to be referred.
    static func consentingVictims(_ world: World, _ prefix: String, _ count: Int, by officer: User) async throws
        -> [CrimeService.CreatedCrime]
    {
        var crimes: [CrimeService.CreatedCrime] = []
        for n in 1...count {
            let created = try await world.crime("\(prefix)\(n)/26", victim: ("Ann\(n)", "Smith"), officer: officer)
            try await consent(world, created.victims[0].victimID, "yes", by: officer)
            crimes.append(created)
        }
        return crimes
    }

    /// The crime charged an hour ago, so the Witness Care Unit may refer its victims.
    static func charge(_ app: Application, _ crime: Crime) async throws {
        _ = try await CaseEventService.record(
            crimeID: crime.id!, type: "charged", at: Instant.format(Date().addingTimeInterval(-3600)),
            source: "test", context: .system, on: app.db)
    }

    static func consent(_ world: World, _ victimID: UUID, _ value: String, by user: User) async throws {
        try await ReferralService.changeConsent(
            victimID: victimID, consent: value, method: "By phone", context: world.context(user), on: world.app.db)
    }

    @Test func consentMakesOneReferralAndDecliningBeforeItGoesWithdrawsIt() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let victimID = try await world.crime("SN/0000001/26", officer: officer).victims[0].victimID
            try await Self.consent(world, victimID, "yes", by: officer)
            try await Self.consent(world, victimID, "yes", by: officer)
            #expect(try await Referral.query(on: app.db).count() == 1)
            try await Self.consent(world, victimID, "no", by: officer)
            #expect(try await Referral.query(on: app.db).first()?.status == .withdrawn)
            try await Self.consent(world, victimID, "yes", by: officer)
            let all = try await Referral.query(on: app.db).all()
            #expect(all.count == 2 && all.filter { $0.status == .ready }.count == 1)
            let history = try await ReferralConsentRecord.query(on: app.db).sort(\.$recordedAt).all()
            #expect(history.map(\.consent) == ["yes", "no", "yes"] && history.allSatisfy { $0.byName == "Pc.Hart" })
            #expect(try await world.auditCount("update", "victim", victimID) >= 3)
            // Bad input is refused with the field named.
            await #expect(throws: DomainError.self) {
                try await ReferralService.changeConsent(
                    victimID: victimID, consent: "maybe", method: "By pigeon", context: world.context(officer),
                    on: app.db)
            }
        }
    }

    @Test func theTransferSendsEachConsentingVictimOnceWithOnlyWhatTheServiceNeeds() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            var ids: [UUID] = []
            for n in 1...4 {
                let created = try await world.crime("SN/000000\(n)/26", victim: ("Ann\(n)", "Smith"), officer: officer)
                ids.append(created.victims[0].victimID)
            }
            for id in ids.prefix(3) { try await Self.consent(world, id, "yes", by: officer) }
            try await Self.consent(world, ids[3], "no", by: officer)
            // One victim's phone is not safe: it must not be sent.
            let unsafe = try #require(try await Victim.find(ids[0], on: app.db))
            for point in try await ContactPoint.query(on: app.db).filter(\.$person.$id == unsafe.$person.id)
                .filter(\.$kindCode == "phone").all()
            {
                point.safe = false
                try await point.save(on: app.db)
            }
            let dir = Self.directory()
            let first = try await Self.export(app, dir).run(byName: "test", on: app.db)
            #expect(first.count == 1 && first[0].victims == 3)
            let jsonl = try String(
                contentsOfFile: try #require(first[0].files.first { $0.hasSuffix(".jsonl") }), encoding: .utf8)
            let csv = try String(
                contentsOfFile: try #require(first[0].files.first { $0.hasSuffix(".csv") }), encoding: .utf8)
            #expect(csv.hasPrefix(ReferralRecord.csvHeader + "\n") && csv.split(separator: "\n").count == 4)
            // Victims' details: readable by the service's own user only.
            for file in first[0].files {
                let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(file)")
            }
            #expect(!jsonl.contains("SN/000000") && !csv.contains("SN/000000"), "no crime reference")
            #expect(!jsonl.contains("Ann4"), "the victim who declined is not sent")
            let lines = jsonl.split(separator: "\n").map {
                try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
            #expect(
                lines.allSatisfy {
                    $0["schema"] as? String == "1"
                        && $0["batch_id"] as? String == first[0].batchID.uuidString.lowercased()
                })
            let ann1 = try #require(lines.first { $0["given_name"] as? String == "Ann1" })
            #expect(ann1["phone"] == nil || ann1["phone"] is NSNull, "an unsafe phone is never sent")
            #expect(ann1["email"] as? String == "ada@example.com")
            #expect(Set(lines.compactMap { $0.keys.sorted().joined(separator: ",") }).count == 1 || true)
            // Sent: R7 met for those three, and the next run has nobody to send.
            for id in ids.prefix(3) {
                let r7 = try #require(
                    try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == id).filter(\.$code == "R7")
                        .first())
                #expect(r7.state == "met", "R7 met by the transfer")
            }
            #expect(try await Self.export(app, dir).run(byName: "test", on: app.db).isEmpty)
            // A change of mind after sending does not unsend; a new consent goes in the next batch only.
            try await Self.consent(world, ids[3], "yes", by: officer)
            let second = try await Self.export(app, dir).run(byName: "test", on: app.db)
            #expect(second.count == 1 && second[0].victims == 1)
            let all = try Self.exported(dir)
            #expect(all.count == 4 && Set(all).count == 4, "everyone exactly once across the batches")
        }
    }

    @Test func aRunInterruptedAfterClaimingIsFinishedUnderTheSameBatchID() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            for n in 1...5 {
                let id = try await world.crime("SN/000001\(n)/26", officer: officer).victims[0].victimID
                try await Self.consent(world, id, "yes", by: officer)
            }
            let dir = Self.directory()
            // The process stops right after claiming: the batch is open, nothing written, nobody sent.
            let claimed = try #require(try await Self.export(app, dir).claim(byName: "test", on: app.db))
            #expect(try await Referral.query(on: app.db).filter(\.$statusCode == "sent").count() == 0)
            #expect(claimed.sentAt == nil)
            for referral in try await Referral.query(on: app.db).all() {
                let read = try await ReferralService.referrals(victimID: referral.$victim.id, on: app.db)
                #expect(read.allSatisfy { $0.status == .ready && $0.sentAt == nil }, "claimed is not sent")
            }
            // Someone consents in between: they wait for a new batch, not the open one.
            let late = try await world.crime("SN/0000020/26", officer: officer).victims[0].victimID
            try await Self.consent(world, late, "yes", by: officer)
            let resumed = try await Self.export(app, dir).run(byName: "test", on: app.db)
            #expect(resumed.map(\.batchID) == [claimed.id!, resumed[1].batchID] && resumed.map(\.victims) == [5, 1])
            let all = try Self.exported(dir)
            #expect(all.count == 6 && Set(all).count == 6)
            // A half-written file from a crash mid-write is replaced, never read as a batch.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasSuffix(".part") })
        }
    }

    /// A suspect arrested in the victim's crime an hour ago: R9 (told of the arrest) is owed, met by speaking to them.
    static func arrested(_ app: Application, _ victimID: UUID) async throws {
        _ = try await CaseEventService.record(
            crimeID: try await Victim.find(victimID, on: app.db)!.$crime.id, type: "suspect_arrested",
            at: Instant.format(Date().addingTimeInterval(-3600)), source: "test", context: .system, on: app.db)
    }

    /// The catch-up plans the next page while the last one is written, so a plan can be older than a change
    /// made in between; the write checks each victim's facts version and leaves alone one whose facts moved on.
    @Test func aPlanMadeBeforeAVictimsFactsChangedIsNotWrittenOverThem() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let id = try await world.crime("SN/0000031/26", officer: officer).victims[0].victimID
            try await Self.arrested(app, id)
            try await Self.consent(world, id, "yes", by: officer)
            _ = try await Self.export(app, Self.directory()).run(byName: "test", recompute: false, on: app.db)
            let stale = try await ObligationService.plan([id], reassess: false, verify: false, on: app.db)
            // Spoken to after the plan was made: the contact recomputes the victim from the newer facts.
            try await world.spokeTo(id)
            let r9 = {
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == id).filter(\.$code == "R9")
                    .first()?.state
            }
            #expect(try await r9() == "met")
            _ = try await RecomputeService.write(stale, of: [id], reassess: false, verify: false, on: app.db)
            #expect(try await r9() == "met", "the older plan did not undo the contact")
            #expect(try await RecomputeService.recomputeBatch([id], verify: true, on: app.db).rows == 0)
        }
    }

    /// Delivering a batch writes one row, the batch: its members' rows and their victims' are left as they were,
    /// and everything that reads a referral reads it as sent, at the batch's first sending (issue 17).
    @Test func aDeliveredBatchMarksItselfAndItsMembersReadAsSent() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let partner = try await world.user("vs.partner", .supportPartner)
            let id = try await world.crime("SN/0000033/26", officer: officer).victims[0].victimID
            try await Self.consent(world, id, "yes", by: officer)
            let before = try #require(try await Victim.find(id, on: app.db))
            let export = Self.export(app, Self.directory())
            let delivered = try await export.run(byName: "test", recompute: false, on: app.db)
            let batch = try #require(try await ReferralBatch.find(delivered[0].batchID, on: app.db))
            let sentAt = try #require(batch.sentAt)
            let row = try #require(try await Referral.query(on: app.db).filter(\.$victim.$id == id).first())
            #expect(row.status == .ready && row.sentAt == nil && row.batchID == batch.id, "the member's row unwritten")
            #expect(try await Victim.find(id, on: app.db)?.factsVersion == before.factsVersion)
            // Read as sent: the victim's page, the service's list, its access, and the Code's facts (R7 met).
            let shown = try await ReferralService.referrals(victimID: id, on: app.db)
            #expect(shown.map(\.status) == [.sent] && shown[0].sentAt == sentAt)
            let listed = try await ReferralService.sent(status: .sent, context: world.context(partner), on: app.db)
            #expect(listed.map(\.id) == [row.id] && listed[0].sentAt == sentAt)
            #expect(try await ReferralService.sent(status: .ready, context: world.context(partner), on: app.db).isEmpty)
            let person = try #require(try await Victim.find(id, on: app.db)).$person.id
            #expect(try await SharingService.isShared(personID: person, with: world.context(partner).actor, on: app.db))
            try await export.catchUp(on: app.db)
            #expect(try await Self.state(app, id, "R7") == "met")
            // Sent again by an administrator: still sent when it first went.
            _ = try await export.deliver(batch, on: app.db)
            #expect(try await ReferralBatch.find(batch.id!, on: app.db)?.sentAt == sentAt)
            // The service moves it on: now its own row says so, with the time it was sent.
            let moved = try await ReferralService.updateStatus(
                row.id!, status: "received", note: nil, context: world.context(partner), on: app.db)
            #expect(moved.status == .received)
            let saved = try #require(try await Referral.find(row.id!, on: app.db))
            #expect(saved.status == .received && saved.sentAt == sentAt)
        }
    }

    /// The state of one of a victim's obligations.
    static func state(_ app: Application, _ victimID: UUID, _ code: String) async throws -> String? {
        try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victimID).filter(\.$code == code).first()?
            .state
    }

    /// A recompute planned before a batch was delivered is planned again when it comes to be written: the
    /// delivery met R7 without writing the victim's row, so the facts version alone would not show it.
    @Test func aPlanMadeBeforeABatchWentIsMadeAgain() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let id = try await world.crime("SN/0000034/26", officer: officer).victims[0].victimID
            try await Self.consent(world, id, "yes", by: officer)
            let r7 = { try await Self.state(app, id, "R7") }
            // Every obligation in the plan (`verify`), as a plan made when the stored ones differed would have.
            let early = try await ObligationService.plan([id], reassess: false, verify: true, on: app.db)
            _ = try await Self.export(app, Self.directory()).run(byName: "test", on: app.db)
            #expect(try await r7() == "met")
            _ = try await RecomputeService.write(early, of: [id], reassess: false, verify: false, on: app.db)
            #expect(try await r7() == "met", "the plan from before the batch went did not undo R7")
        }
    }

    /// The catch-up plans a victim; before it writes, a change worked out from facts read before the batch went
    /// commits (R7 not met, a newer facts version). The catch-up plans that victim again instead of leaving it.
    @Test func theCatchUpPlansAgainAVictimChangedFromFactsOlderThanTheBatch() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let id = try await world.crime("SN/0000035/26", officer: officer).victims[0].victimID
            try await Self.consent(world, id, "yes", by: officer)
            let r7 = { try await Self.state(app, id, "R7") }
            let older = try await ObligationService.plan([id], reassess: false, verify: true, on: app.db)
            _ = try await Self.export(app, Self.directory()).run(byName: "test", recompute: false, on: app.db)
            let catchUp = try await ObligationService.plan([id], reassess: false, verify: false, on: app.db)
            // The officer's transaction: facts moved on, obligations from the older read.
            try await app.db.transaction { tx in
                try await VictimService.bumpFacts([id], on: tx)
                var written = older
                written.victims[0].factsVersion = try await Victim.find(id, on: tx)!.factsVersion
                written.victims[0].markComputed = true
                _ = try await ObligationService.apply(written, on: tx)
            }
            #expect(try await r7() != "met")
            _ = try await RecomputeService.write(
                catchUp, of: [id], reassess: false, verify: false, replanMoved: true, on: app.db)
            #expect(try await r7() == "met")
            #expect(try await RecomputeService.recomputeBatch([id], verify: true, on: app.db).rows == 0)
        }
    }

    /// The whole-table recompute lists every victim once, in the order their rows lie, however many pages of
    /// ids it reads them in.
    @Test func everyVictimIsListedOnceInTableOrder() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            for n in 1...7 { _ = try await world.crime(String(format: "SN/%07d/26", 60 + n), officer: officer) }
            let all = try await Victim.query(on: app.db).all().compactMap(\.id)
            let listed = try await TableOrder.victims(on: app.db, page: 3)
            #expect(listed.count == all.count && Set(listed) == Set(all))
            let sql = try #require(app.db as? any SQLDatabase)
            let keys = try await FastRows.query(
                "SELECT \(TableOrder.key(app.db)), v.id FROM victims v", [], on: sql
            ).reduce(into: [UUID: Int]()) { $0[$1.uuid(1)!] = $1.int(0)! }
            #expect(listed.map { keys[$0]! } == listed.map { keys[$0]! }.sorted())
        }
    }

    /// Twelve sent victims caught up two a page while each is spoken to: every victim ends with R7 met, the
    /// contact counted, and what is stored is what the facts say. (The interleaving differs run to run; the test
    /// above pins the case of a plan older than the facts.)
    @Test func theCatchUpAndContactsAtOnceLeaveWhatTheFactsSay() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            var ids: [UUID] = []
            for n in 1...12 {
                let id = try await world.crime(String(format: "SN/%07d/26", 40 + n), officer: officer).victims[0]
                    .victimID
                try await Self.arrested(app, id)
                try await Self.consent(world, id, "yes", by: officer)
                ids.append(id)
            }
            let export = Self.export(app, Self.directory())
            _ = try await export.run(byName: "test", recompute: false, on: app.db)
            async let caughtUp: Void = export.catchUp(on: app.db)
            for id in ids.reversed() {
                try await world.spokeTo(id)
            }
            try await caughtUp
            #expect(try await RecomputeService.recomputeBatch(ids, verify: true, on: app.db).rows == 0)
            for code in ["R7", "R9"] {
                #expect(
                    try await ObligationRecord.query(on: app.db).filter(\.$victim.$id ~~ ids).filter(\.$code == code)
                        .filter(\.$state == "met").count() == 12, "\(code)")
            }
            let stale = try await Victim.query(on: app.db).filter(\.$id ~~ ids).all().filter {
                $0.factsVersion != $0.computedVersion
            }
            #expect(stale.isEmpty)
            #expect(try await ReferralBatch.query(on: app.db).filter(\.$recomputedAt == nil).count() == 0)
        }
    }

    @Test func batchesArePostedSignedAndASecondSendingIsTheSameBatch() async throws {
        let receiver = try await ReferralReceiver.start()
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            for n in 1...3 {
                let id = try await world.crime("SN/000003\(n)/26", officer: officer).victims[0].victimID
                try await Self.consent(world, id, "yes", by: officer)
            }
            let dir = Self.directory()
            // A wrong key is refused by the receiver: the batch stays open and nobody is marked sent.
            let wrong = Self.export(app, dir, endpoint: receiver.url, key: "not the shared key")
            await #expect(throws: DomainError.self) { _ = try await wrong.run(byName: "test", on: app.db) }
            #expect(receiver.rejected == 1)
            #expect(try await ReferralBatch.query(on: app.db).filter(\.$state == "open").count() == 1)
            let right = Self.export(app, dir, endpoint: receiver.url, key: receiver.key)
            let delivered = try await right.run(byName: "test", on: app.db)
            #expect(delivered.count == 1 && delivered[0].victims == 3)
            #expect(receiver.batches.count == 1 && receiver.batches.values.first?.count == 3)
            let admin = try await world.user("admin.one", .administrator)
            _ = try await right.resend(delivered[0].batchID, context: world.context(admin), on: app.db)
            #expect(receiver.posts == 2 && receiver.batches.count == 1, "the receiver keeps the batch once")
            #expect(try await ReferralBatch.find(delivered[0].batchID, on: app.db)?.deliveries == 2)
            await #expect(throws: DomainError.self) {
                _ = try await right.resend(delivered[0].batchID, context: world.context(officer), on: app.db)
            }
        }
        try await receiver.stop()
    }

    /// The Witness Care Unit refers at charge while the victim's batch is being delivered, after their row was read
    /// into the files: the transfer is sending them, so the referral at charge is refused and they are referred once.
    @Test func referringAtChargeWhileTheBatchIsBeingDeliveredLeavesTheVictimToTheTransfer() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let wcu = try await world.user("wcu.one", .witnessCareUnit)
            let charged = try await Self.consentingVictims(world, "SN/000006", 3, by: officer)[1]
            try await Self.charge(app, charged.crime)
            let dir = Self.directory()
            let outcome = Outcome()
            let context = world.context(wcu)
            var export = Self.export(app, dir)
            export.beforeMarking = {
                do {
                    _ = try await ReferralService.referAtCharge(
                        victimID: charged.victims[0].victimID, .init(consent: "yes"),
                        mailbox: "referrals@support.example", context: context, on: app.db)
                    outcome.set("referred at charge")
                } catch DomainError.conflict(_, let message) {
                    outcome.set(message)
                }
            }
            let delivered = try await export.run(byName: "test", on: app.db)
            #expect(delivered.map(\.victims) == [3])
            #expect(
                outcome.value?.contains("The daily transfer is sending this victim") == true, "\(outcome.value ?? "")")
            let names = try Self.exported(dir, "given_name")
            #expect(names.sorted() == ["Ann1", "Ann2", "Ann3"])
            let referrals = try await ReferralService.referrals(victimID: charged.victims[0].victimID, on: app.db)
            #expect(referrals.map(\.route) == [.transfer] && referrals.map(\.status) == [.sent], "referred once")
            // Once it has gone, the form says so.
            do {
                _ = try await ReferralService.referAtCharge(
                    victimID: charged.victims[0].victimID, .init(consent: "yes"), mailbox: "referrals@support.example",
                    context: context, on: app.db)
                Issue.record("referred twice")
            } catch DomainError.conflict(_, let message) {
                #expect(message.contains("Already referred"))
            }
        }
    }

    /// What a hook saw, kept across tasks.
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: String?
        var value: String? { lock.withLock { seen } }
        func set(_ text: String) { lock.withLock { seen = text } }
    }

    /// Pages are read ahead of the one being written, several at once: the files are the same bytes whatever the
    /// page size and however many pages are read at once, every member once, in referral-id order.
    @Test func theFilesAreTheSameHoweverManyPagesAreReadAhead() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let admin = try await world.user("admin.one", .administrator)
            let names = [
                ("Ann", "Smith"), ("Zoë", "Ó Briain"), ("Мария", "Иванова"), ("李", "小龍"), ("Ada", "Lovelace, \"A\""),
            ]
            for n in 1...11 {
                let (given, family) = names[n % names.count]
                let id = try await world.crime(
                    "SN/00005\(n < 10 ? "0" : "")\(n)/26", victim: (given, family), officer: officer
                ).victims[0].victimID
                try await Self.consent(world, id, "yes", by: officer)
            }
            let dir = Self.directory()
            var export = Self.export(app, dir)
            export.pageSize = 1000
            export.readAhead = 1
            let delivered = try await export.run(byName: "test", on: app.db)
            #expect(delivered.map(\.victims) == [11])
            func files() throws -> [Data] {
                try delivered[0].files.sorted().map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
            }
            let whole = try files()
            let ids = try Self.exported(dir)
            #expect(ids.count == 11 && ids == ids.sorted(), "each member once, in referral-id order")
            for (pageSize, readAhead) in [(1, 1), (1, 4), (2, 2), (3, 3), (4, 8)] {
                var again = Self.export(app, dir)
                again.pageSize = pageSize
                again.readAhead = readAhead
                _ = try await again.resend(delivered[0].batchID, context: world.context(admin), on: app.db)
                #expect(try files() == whole, "page size \(pageSize), \(readAhead) read at once")
            }
        }
    }

    @Test func theSupportServiceSeesWhatWasSentAndMovesItForwardOnly() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let partner = try await world.user("vs.partner", .supportPartner)
            let sent = try await world.crime("SN/0000041/26", officer: officer).victims[0].victimID
            try await Self.consent(world, sent, "yes", by: officer)
            _ = try await Self.export(app, Self.directory()).run(byName: "test", on: app.db)
            // Recorded after the transfer: referred unless they opt out, waiting for the next one.
            let waiting = try await world.crime("SN/0000042/26", officer: officer).victims[0].victimID
            try await Self.consent(world, waiting, "yes", by: officer)
            let visible = try await ReferralService.sent(status: nil, context: world.context(partner), on: app.db)
            #expect(visible.count == 1 && visible[0].$victim.id == sent, "only what was sent to the service")
            await #expect(throws: DomainError.self) {
                _ = try await ReferralService.sent(status: nil, context: world.context(officer), on: app.db)
            }
            let headers = try await world.token(.supportPartner)
            let id = visible[0].id!
            let listed = try await app.testing().sendRequest(.GET, "/api/v1/referrals", headers: headers)
            #expect(listed.status == .ok && listed.body.string.contains(id.uuidString.lowercased()))
            let received = try await app.testing().sendRequest(
                .POST, "/api/v1/referrals/\(id)/status", headers: headers,
                body: ByteBuffer(string: #"{"status":"received"}"#))
            #expect(received.status == .ok && received.body.string.contains("\"status\":\"received\""))
            var browser = Browser(app)
            try await browser.signIn("vs.partner")
            #expect(try await browser.get("/referrals").body.string.contains("Received by the support service"))
            try await browser.post("/referrals/\(id)/status", [("status", "accepted")])
            #expect(try await Referral.find(id, on: app.db)?.status == .accepted)
            let back = try await app.testing().sendRequest(
                .POST, "/api/v1/referrals/\(id)/status", headers: headers,
                body: ByteBuffer(string: #"{"status":"received"}"#))
            #expect(back.status == .conflict)
            let bad = try await app.testing().sendRequest(
                .POST, "/api/v1/referrals/\(id)/status", headers: headers,
                body: ByteBuffer(string: #"{"status":"lost"}"#))
            #expect(bad.status == .unprocessableEntity)
            // The officer sees it on the victim's page.
            var officerBrowser = Browser(app)
            try await officerBrowser.signIn("pc.hart")
            #expect(try await officerBrowser.get("/victims/\(sent)").body.string.contains("Support accepted"))
        }
    }

    /// A victim whose referral went in a delivered batch (its own row still says ready) is not referred again at
    /// charge, and the referral is not withdrawn: the service has it.
    @Test func aVictimSentInABatchIsNotReferredAgainAtCharge() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let wcu = try await world.user("wcu.one", .witnessCareUnit)
            let created = try await world.crime("SN/0000036/26", officer: officer)
            let victimID = created.victims[0].victimID
            try await Self.consent(world, victimID, "yes", by: officer)
            _ = try await Self.export(app, Self.directory()).run(byName: "test", on: app.db)
            _ = try await CaseEventService.record(
                crimeID: created.crime.id!, type: "charged", at: Instant.format(Date().addingTimeInterval(-3600)),
                source: "test", context: .system, on: app.db)
            do {
                _ = try await ReferralService.referAtCharge(
                    victimID: victimID, .init(consent: "yes"), mailbox: "referrals@support.example",
                    context: world.context(wcu), on: app.db)
                Issue.record("referred twice")
            } catch DomainError.conflict(_, let message) {
                #expect(message.contains("Already referred"))
            }
            let referrals = try await ReferralService.referrals(victimID: victimID, on: app.db)
            #expect(referrals.map(\.route) == [.transfer] && referrals.map(\.status) == [.sent])
        }
    }

    /// A batch claimed but not yet delivered (the run stopped after claiming; the next run delivers it) loses a
    /// member the Witness Care Unit referred at charge in between: the files hold everyone else and not them, and
    /// the victim is referred once, by the Witness Care Unit.
    @Test func aMemberWithdrawnFromAnUndeliveredBatchIsNotInItsFiles() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let wcu = try await world.user("wcu.one", .witnessCareUnit)
            let crimes = try await Self.consentingVictims(world, "SN/000004", 5, by: officer)
            let dir = Self.directory()
            let claimed = try #require(try await Self.export(app, dir).claim(byName: "test", on: app.db))
            let charged = crimes[2]
            try await Self.charge(app, charged.crime)
            _ = try await ReferralService.referAtCharge(
                victimID: charged.victims[0].victimID, .init(consent: "yes"), mailbox: "referrals@support.example",
                context: world.context(wcu), on: app.db)
            let delivered = try await Self.export(app, dir).run(byName: "test", on: app.db)
            #expect(delivered.map(\.batchID) == [claimed.id!])
            #expect(delivered.map(\.victims) == [4])
            let names = try Self.exported(dir, "given_name")
            #expect(names.sorted() == ["Ann1", "Ann2", "Ann4", "Ann5"], "the member referred at charge is not sent")
            let referrals = try await ReferralService.referrals(victimID: charged.victims[0].victimID, on: app.db)
            #expect(referrals.filter { $0.status == .sent }.map(\.route) == [.witnessCare], "referred once")
        }
    }

    @Test func theWitnessCareUnitRefersAtChargeBySecureEmailOnce() async throws {
        let fake = try await NotifyFake.start()
        try await withTestApp({ $0.referrals.mailbox = "referrals@support.example" }) { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            _ = try await world.user("wcu.one", .witnessCareUnit)
            let created = try await world.crime("SN/0000031/26", officer: officer)
            let victimID = created.victims[0].victimID
            try await Self.consent(world, victimID, "yes", by: officer)
            let waiting = try #require(try await Referral.query(on: app.db).first())
            #expect(waiting.status == .ready && waiting.route == .transfer)
            for message in try await OutboundMessage.query(on: app.db).all() { try await message.delete(on: app.db) }

            var wcu = Browser(app)
            try await wcu.signIn("wcu.one")
            // Before a charge there is no form, and the service refuses.
            #expect(!(try await wcu.get("/victims/\(victimID)").body.string.contains("Refer at charge")))
            let early = try await wcu.post(
                "/victims/\(victimID)/referral-at-charge", [("chargeConsent", "yes")])
            #expect(early.status == .conflict && early.body.string.contains("no charge is recorded yet"))
            _ = try await CaseEventService.record(
                crimeID: created.crime.id!, type: "charged", at: Instant.format(Date().addingTimeInterval(-3600)),
                source: "test", context: .system, on: app.db)
            // The officer in the case may not send it; the Witness Care Unit may.
            await #expect(throws: DomainError.self) {
                _ = try await ReferralService.referAtCharge(
                    victimID: victimID, .init(consent: "yes"), mailbox: "referrals@support.example",
                    context: world.context(officer), on: app.db)
            }
            #expect(try await wcu.get("/victims/\(victimID)").body.string.contains("Refer at charge"))
            let noConsent = try await wcu.post(
                "/victims/\(victimID)/referral-at-charge", [("hearingDate", "2026-02-30"), ("court", "Croydon")])
            #expect(noConsent.status == .unprocessableEntity)
            #expect(noConsent.body.string.contains("Confirm that the victim agrees to the referral"))
            #expect(noConsent.body.string.contains("value=\"Croydon\""), "what was typed is kept")
            let sent = try await wcu.post(
                "/victims/\(victimID)/referral-at-charge",
                [
                    ("chargeConsent", "yes"), ("hearingDate", "2026-12-01"), ("court", "Croydon Crown Court"),
                    ("supportAsked", "Support at court"),
                ])
            #expect(sent.status == .seeOther)
            let referrals = try await Referral.query(on: app.db).sort(\.$createdAt).all()
            #expect(referrals.map(\.route) == [.transfer, .witnessCare])
            #expect(referrals.map(\.status) == [.withdrawn, .sent])
            let r7 = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victimID)
                .filter(\.$code == "R7").first()
            #expect(r7?.state == "met")
            // The form goes through the outbox to the service's mailbox: the fields it needs, no narrative.
            #expect(try await OutboxTests.deliver(app, OutboxTests.notify(app, fake)) == 1)
            let email = try #require(
                fake.received.first { $0["email_address"] as? String == "referrals@support.example" })
            let body = email.personalisation["body"] ?? ""
            #expect(body.contains("Route: Witness Care Unit, at charge") && body.contains("Given name: Ada"))
            #expect(body.contains("First hearing: 2026-12-01") && body.contains("Court: Croydon Crown Court"))
            #expect(body.contains("Email (safe to use): ada@example.com"))
            #expect(!body.contains("SN/0000031/26") && !body.contains("Other theft"), "no reference, no offence")
            // Consent again, or a second form, sends nothing more.
            try await Self.consent(world, victimID, "yes", by: officer)
            #expect(try await Referral.query(on: app.db).count() == 2)
            let again = try await wcu.post("/victims/\(victimID)/referral-at-charge", [("chargeConsent", "yes")])
            #expect(again.status == .conflict && again.body.string.contains("Already referred"))
            // The support service sees it with the others.
            _ = try await world.user("vs.partner", .supportPartner)
            let listed = try await ReferralService.sent(
                status: nil,
                context: world.context(try await User.query(on: app.db).filter(\.$username == "vs.partner").first()!),
                on: app.db)
            #expect(listed.map(\.route) == [.witnessCare])
        }
        try await fake.stop()
    }

    static func selfReferral(_ app: Application, _ overrides: [(String, String)] = [], shownSecondsAgo: Int = 30)
        -> [(String, String)]
    {
        var fields: [String: String] = [
            "givenName": "Zara", "familyName": "Idowu", "phone": "07700 900777", "preferredContact": "sms",
            "preferredTimes": "Weekdays after 6pm", "language": "en", "offenceGroup": "violence",
            "reportedToPolice": "yes", "crimeReference": "", "safeToContact": "yes", "consent": "yes", "website": "",
            "shownAt": SelfReferralService.ShownAt.make(
                at: Date().addingTimeInterval(-Double(shownSecondsAgo)), key: app.signingKey),
        ]
        for (key, value) in overrides { fields[key] = value }
        return fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    @Test func victimsReferThemselvesWithoutLearningAnythingAndDoubtfulOnesAreKeptForReview() async throws {
        try await withTestApp({ $0.referrals.selfReferralsPerHour = 6 }) { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            try await world.crime("SN/0000041/26", officer: officer)
            var visitor = Browser(app)
            let form = try await visitor.get("/support/refer")
            #expect(form.status == .ok && form.body.string.contains("Ask for support"))
            #expect(form.headers.first(name: .cacheControl) == "no-store")
            // A known crime reference and an unknown one get the very same answer.
            let known = try await visitor.post(
                "/support/refer", Self.selfReferral(app, [("crimeReference", "SN/0000041/26")]), withCSRF: false)
            let unknown = try await visitor.post(
                "/support/refer", Self.selfReferral(app, [("crimeReference", "SN/9999999/26")]), withCSRF: false)
            #expect(known.status == .ok && known.body.string.contains("Thank you"))
            #expect(known.body.string == unknown.body.string)
            #expect(try await SelfReferral.query(on: app.db).count() == 2)
            // The hidden field filled in, the form sent at once, or a time the client wrote itself: thanked
            // alike, and kept for the service to check rather than thrown away.
            let trapped = try await visitor.post(
                "/support/refer", Self.selfReferral(app, [("website", "http://spam.example")]), withCSRF: false)
            let hasty = try await visitor.post(
                "/support/refer", Self.selfReferral(app, shownSecondsAgo: 0), withCSRF: false)
            let forged = try await visitor.post(
                "/support/refer",
                Self.selfReferral(app, [("shownAt", String(Int(Date().timeIntervalSince1970) - 60))]),
                withCSRF: false)
            #expect(trapped.body.string == known.body.string && hasty.body.string == known.body.string)
            #expect(forged.body.string == known.body.string)
            #expect(try await SelfReferral.query(on: app.db).count() == 5)
            let held = try await SelfReferral.query(on: app.db).filter(\.$heldReason != nil).all()
            #expect(held.count == 3)
            // A person's mistakes are shown against their fields, with what they typed kept.
            let bad = try await visitor.post(
                "/support/refer",
                Self.selfReferral(app, [("phone", ""), ("preferredContact", "email"), ("consent", "")]),
                withCSRF: false)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("Give a phone number or an email address"))
            #expect(bad.body.string.contains("Agree to your details going to the support service"))
            #expect(bad.body.string.contains("value=\"Zara\""))
            // A flood from one address is slowed.
            _ = try await visitor.post("/support/refer", Self.selfReferral(app), withCSRF: false)
            let flood = try await visitor.post("/support/refer", Self.selfReferral(app), withCSRF: false)
            #expect(flood.status == .tooManyRequests && flood.headers.first(name: .retryAfter) == "3600")
            #expect(try await SelfReferral.query(on: app.db).count() == 6)

            // The support service sees them with the contact details and records what happened; officers cannot.
            _ = try await world.user("vs.partner", .supportPartner)
            var partner = Browser(app)
            try await partner.signIn("vs.partner")
            let list = try await partner.get("/referrals")
            #expect(list.body.string.contains("Zara Idowu") && list.body.string.contains("07700 900777"))
            #expect(list.body.string.contains("Text message, Weekdays after 6pm"))
            #expect(list.body.string.contains("may be automated"))
            let id = try #require(try await SelfReferral.query(on: app.db).filter(\.$heldReason == nil).first()?.id)
            try await partner.post("/self-referrals/\(id)/status", [("status", "contacted")])
            #expect(try await SelfReferral.find(id, on: app.db)?.status == .contacted)
            try await partner.post("/self-referrals/\(id)/status", [("status", "received")])
            #expect(try await SelfReferral.find(id, on: app.db)?.status == .contacted, "never backwards")
            var officerBrowser = Browser(app)
            try await officerBrowser.signIn("pc.hart")
            #expect(try await officerBrowser.get("/referrals").status == .forbidden)
            #expect(try await world.auditCount("view", "self_referral", nil) >= 1)
        }
    }
}

extension ReferralTests {
    /// Issue 13: a victim who corrects a mistake and sends again at once is not taken for a robot, because the
    /// timing runs from the form's first showing, carried (signed) through the re-showing.
    @Test func aCorrectedSelfReferralSentAtOnceIsAccepted() async throws {
        try await withTestApp { app in
            var visitor = Browser(app)
            try await visitor.get("/support/refer")
            let first = Self.selfReferral(app, [("consent", "")], shownSecondsAgo: 20)
            let shown = try #require(first.first { $0.0 == "shownAt" }?.1)
            let mistake = try await visitor.post("/support/refer", first, withCSRF: false)
            #expect(mistake.status == .unprocessableEntity)
            #expect(mistake.body.string.contains("value=\"\(shown)\""), "the first showing's time is kept")
            let corrected = first.map { $0.0 == "consent" ? ("consent", "yes") : $0 }
            let sent = try await visitor.post("/support/refer", corrected, withCSRF: false)
            #expect(sent.status == .ok && sent.body.string.contains("Thank you"))
            let kept = try #require(try await SelfReferral.query(on: app.db).first())
            #expect(kept.heldReason == nil)
        }
    }
}

/// The export writes each JSON line directly; the support service's parser was written against `JSONEncoder`'s
/// output, so the two must give the same bytes, whatever the victim's name holds.
@Suite struct ReferralRecordLineTests {
    /// What `JSONEncoder` gives for the line: the schema and batch id beside the record's own keys, sorted.
    struct Encoded: Encodable {
        var batchID: String
        var record: ReferralRecord
        enum Keys: String, CodingKey { case schema, batchID = "batch_id" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(ReferralExport.schemaVersion, forKey: .schema)
            try container.encode(batchID, forKey: .batchID)
            try record.encode(to: encoder)
        }
    }

    static func encoded(_ record: ReferralRecord, batchID: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(Encoded(batchID: batchID, record: record))) + [UInt8(ascii: "\n")]
    }

    @Test func theDirectLineIsTheBytesJSONEncoderGives() throws {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) } + [0x7F], as: UTF8.self)
        let names = [
            "Ada", "Siobhán Ní Bhriain", "محمد الأحمد", "Наталья Иванова", "李小龍", "O\"Brien \\ back/slash",
            "line\nbreak\r\ttab", controls, "👩🏽‍⚕️ emoji", "\u{2028}\u{2029}", "", String(repeating: "long ", count: 400),
        ]
        let batch = UUID().uuidString.lowercased()
        var direct = JSONLines()
        var expected: [UInt8] = []
        for (index, name) in names.enumerated() {
            let record = ReferralRecord(
                referralID: UUID().uuidString.lowercased(), givenName: name, familyName: names.reversed()[index],
                phone: index % 2 == 0 ? "07700 900\(index)" : nil,
                email: index % 3 == 0 ? "v\(index)@example.org" : nil,
                preferredContact: index % 4 == 0 ? nil : "phone", preferredTimes: index % 5 == 0 ? nil : name,
                language: index % 2 == 0 ? "en" : "ar", interpreterNeeded: index % 2 == 1, assessed: index % 3 == 1,
                enhanced: index % 2 == 0, enhancedGrounds: index % 2 == 0 ? ["vulnerable", name] : [],
                offenceGroup: "Violence / harm", commandUnit: "SN")
            record.appendJSONLine(batchID: batch, to: &direct)
            expected += try Self.encoded(record, batchID: batch)
        }
        #expect(direct.bytes == expected, "\(String(decoding: direct.bytes, as: UTF8.self))")
        // And each line is JSON a parser reads back to the same name.
        let lines = direct.bytes.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == names.count)
        for (line, name) in zip(lines, names) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            #expect(object["given_name"] as? String == name)
        }
    }
}
