import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 15: the chain of custody, tamper detection, key rotation, sharing with prosecutors, the interview
/// record's rules.
@Suite struct EvidenceCustodyTests {
    @Test func verifyFindsAFlippedByteAndAnEditedEntryAndSaysWhere() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(200_000, seed: 9)
            let id = try await f.upload(bytes)
            let other = try await f.upload(EvidenceFixture.randomBytes(10_000, seed: 10))
            let vault = try app.evidenceVault
            var summary = try await EvidenceVerification.run(
                all: true, hours: 24, vault: vault, logger: app.logger, on: app.db)
            #expect(summary.checked == 2)
            #expect(summary.findings.isEmpty)

            // One byte of the stored media flipped, in the third segment.
            let path = (vault.store as! FileEvidenceStore).segmentPath(id)
            var stored = try Data(contentsOf: URL(fileURLWithPath: path))
            let position = 2 * (64 * 1024 + SegmentCipher.overhead) + 500
            stored[position] ^= 0x01
            try stored.write(to: URL(fileURLWithPath: path))
            // One custody entry of the other item edited in the database.
            let sql = app.db as! any SQLDatabase
            try await sql.raw(
                "UPDATE custody_entries SET detail = 'nothing happened' WHERE item_id = \(bind: other) AND seq = 2"
            ).run()
            summary = try await EvidenceVerification.run(
                all: true, hours: 24, vault: vault, logger: app.logger, on: app.db)
            #expect(summary.findings.count == 2)
            let media = try #require(summary.findings.first { $0.item == id })
            #expect(media.problems.contains { $0.contains("segment 2") && $0.contains("fails authentication") })
            let chain = try #require(summary.findings.first { $0.item == other })
            #expect(chain.problems.contains { $0.contains("entry 2") && $0.contains("changed") })
            // Each failure is itself in the chain; nothing was repaired.
            #expect(try await CustodyLog.entries(id, on: app.db).last?.action == "verification-failed")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path))[position] == stored[position])
            // The last entries removed: the item remembers its chain's head.
            try await sql.raw(
                "DELETE FROM custody_entries WHERE item_id = \(bind: other) AND seq = (SELECT MAX(seq) FROM custody_entries WHERE item_id = \(bind: other))"
            ).run()
            summary = try await EvidenceVerification.run(
                all: true, hours: 24, vault: vault, logger: app.logger, on: app.db)
            #expect(
                summary.findings.first { $0.item == other }?.problems.contains { $0.contains("are missing") } == true)
            // A line break in a detail cannot move text between fields.
            let flat = try await CustodyLog.append(
                .retentionReviewed, item: other, detail: "kept\nofficer", actor: .system, on: app.db)
            #expect(flat.detail == "kept officer")
            // A deleted entry in the middle is a gap.
            try await sql.raw("DELETE FROM custody_entries WHERE item_id = \(bind: id) AND seq = 2").run()
            let problems = CustodyLog.check(try await CustodyLog.entries(id, on: app.db))
            #expect(problems.contains { $0.contains("entry 2 is missing") })
        }
    }

    @Test func verifyFindsATruncatedFile() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let id = try await f.upload(EvidenceFixture.randomBytes(150_000, seed: 2))
            let vault = try app.evidenceVault
            let handle = try FileHandle(
                forUpdating: URL(fileURLWithPath: (vault.store as! FileEvidenceStore).segmentPath(id)))
            try handle.truncate(atOffset: 100_000)
            try handle.close()
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(await vault.verify(item)?.contains("truncated") == true)
        }
    }

    @Test func theChainHashIsTheDocumentedOne() {
        // The computation docs/evidence-bundle.md gives for `printf … | sha256sum`.
        let item = UUID(uuidString: "0B0B0B0B-0000-4000-8000-000000000001")!
        let at = Date(timeIntervalSince1970: 1_764_504_000.123)
        let hash = CustodyLog.hash(
            previous: CustodyLog.genesis, item: item, seq: 1, at: at, action: "uploaded", actorID: nil,
            actorName: "PC Evidence", actorRole: "officer", detail: "10 bytes")
        let text =
            "\(CustodyLog.genesis)\n0b0b0b0b-0000-4000-8000-000000000001\n1\n1764504000123\nuploaded\n\nPC Evidence\nofficer\n10 bytes"
        #expect(hash == SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined())
    }

    @Test func rotatingTheMasterKeyRewrapsWithoutTouchingMedia() throws {
        let old = try EvidenceKeys.masterKey(base64: Data(repeating: 1, count: 32).base64EncodedString())
        let new = try EvidenceKeys.masterKey(base64: Data(repeating: 2, count: 32).base64EncodedString())
        let before = EvidenceKeys(current: old, previous: [])
        let (key, wrapped, keyID) = try before.newDataKey()
        #expect(keyID == old.id)
        let item = UUID()
        let record = try SegmentCipher.seal(Data("the interview".utf8), key: key, item: item, index: 0)
        let during = EvidenceKeys(current: new, previous: [old])
        let (rewrapped, newID) = try during.rewrap(wrapped, keyID: keyID)
        #expect(newID == new.id)
        // After rotation the old key is no longer needed: the new one alone opens the same segment.
        let after = EvidenceKeys(current: new, previous: [])
        let opened = try SegmentCipher.open(
            record, key: try after.unwrap(rewrapped, keyID: newID), item: item, index: 0)
        #expect(String(decoding: opened, as: UTF8.self) == "the interview")
        #expect(throws: (any Error).self) { try after.unwrap(wrapped, keyID: keyID) }
        // A segment moved to another position or item does not open.
        #expect(throws: (any Error).self) { try SegmentCipher.open(record, key: key, item: item, index: 1) }
        #expect(throws: (any Error).self) { try SegmentCipher.open(record, key: key, item: UUID(), index: 0) }
    }

    @Test func sharingWithAProsecutorIsNamedTimedRevocableAndOnTheRecord() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(90_000, seed: 4)
            let id = try await f.upload(bytes)
            _ = try await f.world.user("cps.one", .prosecutor)
            _ = try await f.world.user("cps.two", .prosecutor)
            var cps = Browser(app)
            #expect(try await cps.signIn("cps.one").status == .seeOther)
            // Nothing shared: the interview and its media are refused.
            #expect(try await cps.get("/interviews/\(f.interviewID)").status == .forbidden)
            #expect(try await cps.get("/evidence/\(id)/media").status == .forbidden)
            #expect(!(try await cps.get("/shared").body.string.contains("/interviews/\(f.interviewID)")))

            var officer = Browser(app)
            #expect(try await officer.signIn("evidence.officer").status == .seeOther)
            try await officer.get("/interviews/\(f.interviewID)")
            // Not a prosecutor: refused inline.
            let wrong = try await officer.post(
                "/interviews/\(f.interviewID)/shares", [("username", "evidence.officer")])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains("No active prosecutor has that username"))
            #expect(
                try await officer.post("/interviews/\(f.interviewID)/shares", [("username", "cps.one"), ("days", "7")])
                    .status == .seeOther)
            // Shared to view only: the page, its list and playback open; download does not.
            #expect(try await cps.get("/shared").body.string.contains("/interviews/\(f.interviewID)"))
            let page = try await cps.get("/interviews/\(f.interviewID)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Cps.One"))  // the watermark names the viewer
            #expect(!page.body.string.contains("/evidence/\(id)/download"))
            // Watching only: streamed by ranges, never the file in one request.
            #expect(try await cps.get("/evidence/\(id)/media").status == .forbidden)
            cps.headers.replaceOrAdd(name: .range, value: "bytes=0-")
            let played = try await cps.get("/evidence/\(id)/media")
            #expect(played.status == .partialContent)
            #expect(Array(played.body.readableBytesView) == bytes)
            cps.headers.remove(name: .range)
            #expect(try await cps.get("/evidence/\(id)/download").status == .forbidden)
            // Another prosecutor sees nothing.
            var other = Browser(app)
            #expect(try await other.signIn("cps.two").status == .seeOther)
            #expect(try await other.get("/evidence/\(id)/media").status == .forbidden)
            // Revoked: refused at once.
            let share = try #require(try await EvidenceShare.query(on: app.db).first())
            try await officer.get("/interviews/\(f.interviewID)")
            #expect(
                try await officer.post("/interviews/\(f.interviewID)/shares/\(share.id!)/revoke", []).status
                    == .seeOther)
            #expect(try await cps.get("/evidence/\(id)/media").status == .forbidden)
            #expect(try await cps.get("/interviews/\(f.interviewID)").status == .forbidden)
            let actions = try await CustodyLog.entries(id, on: app.db).map(\.action)
            #expect(actions.contains("shared"))
            #expect(actions.contains("played"))
            #expect(actions.contains("viewed"))
            #expect(actions.last == "share-revoked")
            #expect(CustodyLog.check(try await CustodyLog.entries(id, on: app.db)).isEmpty)
        }
    }

    @Test func anExpiredShareOpensNothing() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let id = try await f.upload(EvidenceFixture.randomBytes(1000, seed: 1))
            let cps = try await f.world.user("cps.one", .prosecutor)
            let share = try await InterviewService.share(
                interviewID: f.interviewID, username: "cps.one", days: "1", mayDownload: true,
                context: f.world.context(f.officer), settings: app.config.evidence, on: app.db)
            #expect(
                try await InterviewService.itemForPlayback(
                    id, download: true, context: f.world.context(cps), on: app.db
                )
                .0.id == id)
            share.expiresAt = Date().addingTimeInterval(-1)
            try await share.save(on: app.db)
            await #expect(throws: DomainError.self) {
                try await InterviewService.itemForPlayback(
                    id, download: false, context: f.world.context(cps), on: app.db)
            }
        }
    }

    @Test func anInterviewFollowsWhoIsInterviewedAndAnABEMeetsTheVideoInterviewPrompt() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let context = f.world.context(f.officer)
            // An adult victim the engine has not found eligible: no ABE, with the reason on the field.
            do {
                _ = try await InterviewService.create(
                    crimeID: f.crimeID, linkID: f.linkID.uuidString,
                    InterviewDraft(kind: "abe", place: "station_room", interviewers: "PC A", consent: true),
                    context: context, on: app.db)
                Issue.record("an ABE interview of a victim not eligible was accepted")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["kind"])
            }
            // A victim of 11: eligible (s.16), so an ABE; abroad needs saying where; consent needed.
            let child = try await CrimeService.linkPerson(
                crimeID: f.crimeID, personID: nil,
                draft: PersonDraft(givenName: "Zofia", familyName: "Wiśniewska", dateOfBirth: "2015-02-01"),
                role: "victim", context: context, on: app.db)
            do {
                _ = try await InterviewService.create(
                    crimeID: f.crimeID, linkID: child.id!.uuidString,
                    InterviewDraft(kind: "abe", place: "abroad", interviewers: "PC A", consent: false),
                    context: context, on: app.db)
                Issue.record("an interview abroad with no place and no consent was accepted")
            } catch DomainError.invalid(let problems) {
                #expect(Set(problems.map(\.field)) == ["placeDetail", "consent"])
            }
            let abe = try await InterviewService.create(
                crimeID: f.crimeID, linkID: child.id!.uuidString,
                InterviewDraft(
                    kind: "abe", place: "abroad", placeDetail: "British Embassy, Warsaw", interviewers: "PC A",
                    interpreter: "Polish interpreter", consent: true),
                context: context, on: app.db)
            let victim = try #require(
                try await Victim.query(on: app.db).filter(\.$crime.$id == f.crimeID)
                    .filter(\.$person.$id == child.$person.id).first())
            #expect(
                try await VictimAction.query(on: app.db).filter(\.$victim.$id == victim.id!)
                    .filter(\.$kind == "special_measures_considered").count() == 0)
            let (_, upload) = try await f.create(length: 5000, interview: abe.id!)
            #expect(
                try await f.patch(try #require(upload), offset: 0, EvidenceFixture.randomBytes(5000)).status
                    == .noContent)
            #expect(
                try await VictimAction.query(on: app.db).filter(\.$victim.$id == victim.id!)
                    .filter(\.$kind == "special_measures_considered").count() == 1)
            let saved = try #require(try await Interview.find(abe.id!, on: app.db))
            #expect(saved.startedAt != nil && saved.endedAt != nil)
            // A suspect gives only an interview under caution.
            #expect(InterviewKind.allowed(for: .suspect) == [.suspectUnderCaution])
        }
    }

    @Test func theFormShowsErrorsInlineAndKeepsWhatWasTyped() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            var browser = Browser(app)
            #expect(try await browser.signIn("evidence.officer").status == .seeOther)
            #expect(try await browser.get("/crimes/\(f.crimeID)/interviews/new").status == .ok)
            let long = String(repeating: "Interviewer with a long name, ", count: 20)
            let response = try await browser.post(
                "/crimes/\(f.crimeID)/interviews",
                [
                    ("person", f.linkID.uuidString), ("kind", "victim_account"), ("place", "hospital"),
                    ("interviewers", long),
                ])
            #expect(response.status == .unprocessableEntity)
            #expect(response.body.string.contains("Say where: hospital."))
            #expect(response.body.string.contains("Record that the person agreed"))
            #expect(response.body.string.contains(long.prefix(60)))
            let ok = try await browser.post(
                "/crimes/\(f.crimeID)/interviews",
                [
                    ("person", f.linkID.uuidString), ("kind", "victim_account"), ("place", "hospital"),
                    ("placeDetail", "Royal London Hospital, ward 9"), ("interviewers", long), ("consent", "yes"),
                ])
            #expect(ok.status == .seeOther)
            let page = try await browser.get(ok.headers.first(name: .location)!)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Royal London Hospital"))
            // Bookmarks: a bad time is an inline error; a good one is listed.
            let bad = try await browser.post(
                ok.headers.first(name: .location)! + "/bookmarks", [("at", "soon"), ("note", "Disclosure")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("minutes:seconds"))
            let good = try await browser.post(
                ok.headers.first(name: .location)! + "/bookmarks",
                [("at", "12:05"), ("note", "Disclosure of the second incident")])
            #expect(good.status == .seeOther)
            #expect(try await browser.get(ok.headers.first(name: .location)!).body.string.contains("12:05"))
            #expect(try await browser.get("/crimes/\(f.crimeID)").body.string.contains("/interviews/"))
        }
    }

    @Test func deletionAtReviewNeedsTheRightPersonAReasonAndAClosedUnsharedCase() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let id = try await f.upload(EvidenceFixture.randomBytes(70_000, seed: 12))
            let lead = try await f.world.user("sn.lead", .commandUnitLead)
            let eastLead = try await f.world.user("ce.lead", .commandUnitLead, unit: f.world.ce)
            _ = try await f.world.user("cps.one", .prosecutor)
            let vault = try app.evidenceVault
            let reason = "Case closed in 2019, retention review found no further policing purpose"
            func delete(_ user: User, reason: String = reason, confirmed: Bool = true) async throws {
                try await RetentionService.delete(
                    itemID: id, reason: reason, confirmed: confirmed, context: f.world.context(user), vault: vault,
                    on: app.db)
            }
            // Not the officer, not another unit's lead.
            await #expect(throws: DomainError.self) { try await delete(f.officer) }
            await #expect(throws: DomainError.self) { try await delete(eastLead) }
            // The case is open.
            do {
                try await delete(lead)
                Issue.record("deleted from an open case")
            } catch DomainError.conflict(_, let message) {
                #expect(message.contains("still open"))
            }
            let crime = try #require(try await Crime.find(f.crimeID, on: app.db))
            crime.statusCode = CrimeStatus.closed.rawValue
            try await crime.save(on: app.db)
            // Shared with a prosecutor.
            let share = try await InterviewService.share(
                interviewID: f.interviewID, username: "cps.one", days: "3", mayDownload: false,
                context: f.world.context(f.officer), settings: app.config.evidence, on: app.db)
            do {
                try await delete(lead)
                Issue.record("deleted while shared")
            } catch DomainError.conflict(_, let message) {
                #expect(message.contains("shared"))
            }
            try await InterviewService.revoke(
                interviewID: f.interviewID, shareID: share.id!, context: f.world.context(f.officer), on: app.db)
            // A reason too short, or no confirmation.
            do {
                try await delete(lead, reason: "old")
                Issue.record("a three-letter reason was taken")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["reason"])
            }
            await #expect(throws: DomainError.self) { try await delete(lead, confirmed: false) }
            // Before its review date a lead may not; an administrator may, with the reason.
            do {
                try await delete(lead)
                Issue.record("deleted before its review date")
            } catch DomainError.conflict(_, let message) {
                #expect(message.contains("not due until"))
            }
            let admin = try await f.world.user("records.admin", .administrator)
            try await delete(admin)
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(item.state == .deleted)
            #expect(!FileManager.default.fileExists(atPath: (vault.store as! FileEvidenceStore).segmentPath(id)))
            let chain = try await CustodyLog.entries(id, on: app.db)
            #expect(chain.last?.action == "deleted")
            #expect(chain.last?.detail.contains(reason) == true)
            #expect(chain.last?.actorName == admin.displayName)
            #expect(CustodyLog.check(chain).isEmpty)
            // The tombstone verifies; nothing plays.
            let summary = try await EvidenceVerification.run(
                all: true, hours: 24, vault: vault, logger: app.logger, on: app.db)
            #expect(summary.findings.isEmpty)
            await #expect(throws: DomainError.self) {
                try await InterviewService.itemForPlayback(
                    id, download: false, context: f.world.context(f.officer), on: app.db)
            }
        }
    }
}
