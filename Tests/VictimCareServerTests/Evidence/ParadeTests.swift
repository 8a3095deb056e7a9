import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 15, item 8: remote identification parades under PACE Code D, Annex A, through the service and the
/// pages: who may run one, what a set must hold, the solicitor's single-use review, and the witness's single-use
/// viewing that will not take an answer before the whole set has been seen twice.
@Suite struct ParadeTests {
    /// A 2-second head-and-shoulders stand-in made by ffmpeg.
    static func clip() async throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "foil-\(UUID().uuidString).webm"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, _, errors) = try await MediaService.run(
            MediaService.ffmpeg,
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=2", "-c:v", "libvpx",
                "-deadline", "realtime", path,
            ])
        #expect(status == 0, "\(errors)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static let suspect = ParadeService.FoilDraft(
        ageBand: "26-35", sex: "male", ethnicity: "white-north-european", build: "slim", hair: "short brown")

    struct Setup {
        let f: EvidenceFixture
        let inspector: User
        let suspectItem: UUID
        let clip: [UInt8]
    }

    /// A crime with a suspect and their recorded clip, an independent inspector, and `foils` resembling clips
    /// (plus two that do not resemble the suspect).
    static func setup(_ app: Application, foils: Int = 8) async throws -> Setup {
        let f = try await EvidenceFixture.make(app)
        let inspector = try await f.world.user("insp.ward", .officer, rank: "Inspector")
        let suspect = try await CrimeService.linkPerson(
            crimeID: f.crimeID, personID: nil,
            draft: PersonDraft(givenName: "Marek", familyName: "Nowak", dateOfBirth: "1994-02-01"), role: "suspect",
            context: f.world.context(f.officer), on: app.db)
        let interview = try await InterviewService.create(
            crimeID: f.crimeID, linkID: suspect.id!.uuidString,
            InterviewDraft(
                kind: "suspect_under_caution", place: "station_room", interviewers: "PC Evidence", consent: true),
            context: f.world.context(f.officer), on: app.db)
        let clip = try await Self.clip()
        let (_, id) = try await f.create(length: clip.count, type: "video/webm", interview: interview.id!)
        let item = try #require(id)
        #expect(try await f.patch(item, offset: 0, clip).status == .noContent)
        let vault = try app.evidenceVault
        // The suspect's clip is read (its length is what a witness must watch for) and given a playable copy.
        while try await MediaService.runNext(
            settings: app.config.evidence, vault: vault, logger: app.logger, on: app.db)
        {
        }
        let context = f.world.context(inspector)
        for index in 0..<(foils + 2) {
            var draft = Self.suspect
            if index >= foils { draft.sex = "female" }
            if index % 3 == 1 { draft.ageBand = "36-45" }
            _ = try await ParadeService.addFoil(
                draft, contentType: "video/webm", bytes: ByteBuffer(bytes: clip), context: context, vault: vault,
                settings: app.config.evidence, on: app.db)
        }
        return Setup(f: f, inspector: inspector, suspectItem: item, clip: clip)
    }

    @Test func theIdentificationOfficerIsAnInspectorOrAboveAndNotInvestigating() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app)
            func attempt(_ user: User) async throws -> String? {
                do {
                    _ = try await ParadeService.create(
                        crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect,
                        context: s.f.world.context(user), on: app.db)
                    return nil
                } catch DomainError.invalid(let errors) {
                    return errors.map(\.message).joined(separator: " ")
                }
            }
            // The officer in the case: investigating, and a constable.
            #expect(try await attempt(s.f.officer)?.contains("inspector or above") == true)
            let sergeant = try await s.f.world.user("ps.lee", .officer, rank: "Sergeant")
            #expect(try await attempt(sergeant)?.contains("inspector or above") == true)
            // An inspector who recorded a case event on the crime is part of the investigation.
            let involved = try await s.f.world.user("insp.cole", .officer, rank: "Inspector")
            let event = CaseEvent()
            event.$crime.id = s.f.crimeID
            event.typeCode = "suspect_arrested"
            event.at = Date()
            event.recordedByID = involved.id
            event.recordedByName = involved.displayName
            event.source = "test"
            try await event.create(on: app.db)
            #expect(try await attempt(involved)?.contains("not be involved in the investigation") == true)
            #expect(try await Parade.query(on: app.db).count() == 0)
            // The page says so before the officer fills anything in.
            var browser = Browser(app)
            _ = try await browser.signIn("ps.lee")
            let page = try await browser.get("/crimes/\(s.f.crimeID)/parades/new")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("must be an inspector or above"))
            #expect(try await attempt(s.inspector) == nil)
        }
    }

    @Test func aSetHoldsTheSuspectAndEightResemblingFoilsInARecordedRandomOrder() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app, foils: 7)
            let context = s.f.world.context(s.inspector)
            do {
                _ = try await ParadeService.create(
                    crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect, context: context, on: app.db)
                Issue.record("seven foils made a set")
            } catch DomainError.invalid(let errors) {
                #expect(errors.contains { $0.message.contains("At least 8 other people") })
            }
            // A clip of someone else's recording (the victim's) is not the suspect's.
            let victimClip = try await s.f.upload(Array(s.clip))
            await #expect(throws: DomainError.self) {
                _ = try await ParadeService.create(
                    crimeID: s.f.crimeID, suspectItemID: victimClip, Self.suspect, context: context, on: app.db)
            }
            _ = try await ParadeService.addFoil(
                Self.suspect, contentType: "video/webm", bytes: ByteBuffer(bytes: s.clip), context: context,
                vault: try app.evidenceVault, settings: app.config.evidence, on: app.db)
            let parade = try await ParadeService.create(
                crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect, context: context, on: app.db)
            let (clips, _) = try await ParadeService.clips(parade.id!, on: app.db)
            #expect(clips.map(\.row.position) == Array(1...9))
            #expect(clips.filter(\.row.isSuspect).count == 1)
            // Every foil resembles the suspect: none of the two women in the library.
            #expect(clips.compactMap(\.foil).allSatisfy { $0.sex == "male" })
            let suspectAt = try #require(clips.first { $0.row.isSuspect }).row.position
            let created = try #require(try await CustodyLog.entries(parade.id!, on: app.db).first)
            #expect(created.action == "parade-created")
            #expect(created.detail.contains("at position \(suspectAt)"))
            #expect(created.detail.contains("\(suspectAt)=suspect"))
            // The suspect's recording and each foil record that they were used.
            #expect(try await CustodyLog.entries(s.suspectItem, on: app.db).last?.action == "used-in-parade")
            for foil in clips.compactMap(\.foil) {
                #expect(
                    try await CustodyLog.entries(foil.id!, on: app.db).map(\.action) == [
                        "foil-added", "used-in-parade",
                    ])
            }
            // The page plays each clip with ranges.
            var browser = Browser(app)
            _ = try await browser.signIn("insp.ward")
            let page = try await browser.get("/crimes/\(s.f.crimeID)/parades/\(parade.id!)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("/clips/9"))
            // The victims it lists to invite as witnesses are named on it: each is audited as seen, by this viewer.
            let victimPerson = try #require(try await Victim.find(s.f.victimID, on: app.db)).$person.id
            let seen = try await AuditEntry.query(on: app.db).filter(\.$action == "view")
                .filter(\.$recordType == "person").filter(\.$recordID == victimPerson)
                .filter(\.$summary == "named on video identification \(parade.id!)").all()
            #expect(seen.map(\.actorName) == ["Insp.Ward"])
            var headers = HTTPHeaders()
            headers.add(name: .cookie, value: browser.cookie ?? "")
            headers.add(name: .range, value: "bytes=0-99")
            let part = try await app.testing().sendRequest(
                .GET, "/crimes/\(s.f.crimeID)/parades/\(parade.id!)/clips/1", headers: headers)
            #expect(part.status == .partialContent)
            #expect(Array(part.body.readableBytesView) == Array(s.clip.prefix(100)))
        }
    }

    @Test func theSolicitorSeesTheSetOnceAndTheirObjectionIsKeptWithWhatChanged() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app, foils: 10)
            let context = s.f.world.context(s.inspector)
            let parade = try await ParadeService.create(
                crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect, context: context, on: app.db)
            // Witnesses wait for the solicitor.
            await #expect(throws: DomainError.self) {
                _ = try await ParadeService.inviteWitness(
                    crimeID: s.f.crimeID, paradeID: parade.id!, victimID: s.f.victimID, channel: "email",
                    representative: "", context: context, on: app.db)
            }
            var browser = Browser(app)
            _ = try await browser.signIn("insp.ward")
            _ = try await browser.get("/crimes/\(s.f.crimeID)/parades/\(parade.id!)")
            // Only the identification officer who made the set gives out the link.
            var other = Browser(app)
            _ = try await other.signIn("evidence.officer")
            _ = try await other.get("/crimes/\(s.f.crimeID)/parades/\(parade.id!)")
            #expect(
                try await other.post("/crimes/\(s.f.crimeID)/parades/\(parade.id!)/solicitor-link", []).status
                    == .forbidden)
            let issued = try await browser.post("/crimes/\(s.f.crimeID)/parades/\(parade.id!)/solicitor-link", [])
            let body = issued.body.string
            let range = try #require(body.range(of: "/parade-review/[A-Za-z0-9_-]{43}", options: .regularExpression))
            let path = String(body[range])
            let review = try await app.testing().sendRequest(.GET, path)
            #expect(review.status == .ok)
            #expect(review.body.string.contains("\(path)/clips/9"))
            let (clips, _) = try await ParadeService.clips(parade.id!, on: app.db)
            let foilAt = try #require(clips.first { !$0.row.isSuspect })
            let name = "Zofia Wiśniewska, Wiśniewska & Co (Kraków)"
            let objection = String(repeating: "The foil's hair is much longer than my client's. ", count: 150)
            func send(_ fields: [(String, String)]) async throws -> TestingHTTPResponse {
                try await app.testing().sendRequest(
                    .POST, path, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: ByteBuffer(
                        string: fields.map { "\(Browser.encode($0.0))=\(Browser.encode($0.1))" }.joined(separator: "&"))
                )
            }
            // An objection with no reason is an inline error, and the link still works.
            let missing = try await send([("name", name), ("objects", "yes")])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("Say what you object to and why."))
            let answer = [
                ("name", name), ("objects", "yes"), ("text", objection), ("positions[]", String(foilAt.row.position)),
            ]
            #expect(try await send(answer).status == .ok)
            // The same form sent twice: the link is spent.
            #expect(try await send(answer).status == .gone)
            #expect(try await app.testing().sendRequest(.GET, path).status == .gone)
            let kept = try #require(try await ParadeObjection.query(on: app.db).first())
            #expect(kept.text == objection.trimmingCharacters(in: .whitespaces) && kept.byName == name)
            #expect(kept.positions == String(foilAt.row.position))
            // The officer replaces the clip objected to; the old one is kept, marked replaced.
            let answered = try await browser.post(
                "/crimes/\(s.f.crimeID)/parades/\(parade.id!)/objections/\(kept.id!)",
                [("response", "Agreed: replaced with a closer match."), ("replace[]", String(foilAt.row.position))])
            #expect(answered.status == .seeOther)
            let (now, replaced) = try await ParadeService.clips(parade.id!, on: app.db)
            #expect(now.count == 9 && replaced.count == 1)
            #expect(replaced[0].row.foilID == foilAt.row.foilID)
            let fresh = try #require(now.first { $0.row.position == foilAt.row.position })
            #expect(fresh.row.foilID != foilAt.row.foilID && fresh.foil?.sex == "male")
            let saved = try #require(try await ParadeObjection.find(kept.id, on: app.db))
            #expect(saved.changes?.contains("replaced by \(fresh.row.foilID!.uuidString.lowercased())") == true)
            #expect(try await Parade.find(parade.id, on: app.db)?.state == .ready)
            let chain = try await CustodyLog.entries(parade.id!, on: app.db)
            #expect(
                chain.map(\.action) == [
                    "parade-created", "solicitor-invited", "solicitor-viewed", "solicitor-answered",
                    "objection-answered",
                ])
            #expect(chain[3].actorName == "Solicitor: \(name)" && chain[3].actorRole == "outside-link")
            #expect(CustodyLog.check(chain).isEmpty)
        }
    }

    /// A set ready for witnesses (no solicitor, with the reason) and a witness's link, as the email carried it.
    static func invited(_ app: Application, _ s: Setup, representative: String) async throws -> (Parade, String) {
        let context = s.f.world.context(s.inspector)
        let parade = try await ParadeService.create(
            crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect, context: context, on: app.db)
        try await ParadeService.recordNoSolicitor(
            crimeID: s.f.crimeID, paradeID: parade.id!, reason: "The suspect declined legal advice in writing.",
            context: context, on: app.db)
        let provider = CapturingProvider()
        try await VictimLinksTests.deliver(app, provider)
        _ = try await ParadeService.inviteWitness(
            crimeID: s.f.crimeID, paradeID: parade.id!, victimID: s.f.victimID, channel: "email",
            representative: representative, context: context, on: app.db)
        try await VictimLinksTests.deliver(app, provider)
        let message = try #require(provider.messages.last)
        #expect(message.subject == "Your video identification")
        return (parade, try #require(provider.path("/id/")))
    }

    /// Lets the clip now playing have played for its length (the server will not count a clip ended sooner).
    static func letItPlay(_ app: Application) async throws {
        let sql = try #require(app.db as? any SQLDatabase)
        try await sql.raw("UPDATE parade_viewings SET playing_since = \(bind: Date().addingTimeInterval(-5))").run()
    }

    @Test func theWitnessCannotAnswerBeforeSeeingEveryClipTwiceAndTheLinkWorksOnceInOneBrowser() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app)
            let (parade, path) = try await Self.invited(app, s, representative: "Ms Ortiz, duty solicitor")
            // Opening the link (a mail scanner does) takes nothing: Start does.
            let first = try await app.testing().sendRequest(.GET, path)
            #expect(first.status == .ok)
            #expect(first.body.string.contains("I am ready: start"))
            #expect(first.headers.setCookie?[WitnessController.cookie] == nil)
            #expect(try await app.testing().sendRequest(.GET, "\(path)/clips/1").status == .conflict)
            let started = try await app.testing().sendRequest(.POST, "\(path)/start")
            #expect(started.status == .seeOther)
            let cookie = try #require(started.headers.setCookie?[WitnessController.cookie]?.string)
            var headers: HTTPHeaders = ["Cookie": "\(WitnessController.cookie)=\(cookie)", "X-Viewing": "1"]
            let taken = try await app.testing().sendRequest(.GET, path, headers: headers)
            #expect(taken.status == .ok && taken.body.string.contains("id=\"viewing\""))
            #expect(taken.headers.first(name: "Permissions-Policy")?.contains("camera=()") == true)
            // Another device with the same link is refused.
            #expect(try await app.testing().sendRequest(.GET, path).status == .gone)
            #expect(try await app.testing().sendRequest(.POST, "\(path)/start").status == .gone)
            func event(_ position: Int, _ name: String) async throws -> TestingHTTPResponse {
                try await app.testing().sendRequest(.POST, "\(path)/clips/\(position)/\(name)", headers: headers)
            }
            func answer(_ fields: [(String, String)]) async throws -> TestingHTTPResponse {
                var h = headers
                h.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
                return try await app.testing().sendRequest(
                    .POST, path, headers: h,
                    body: ByteBuffer(string: fields.map { "\($0.0)=\(Browser.encode($0.1))" }.joined(separator: "&")))
            }
            let form = [("answer", "identified"), ("position", "4"), ("mediaSeen", "no")]
            let notSure = [("answer", "not_sure"), ("position", ""), ("mediaSeen", "yes")]
            #expect(try await answer(form).status == .conflict)
            // An end reported without a start, or sooner than the clip lasts, is not counted.
            #expect(try await event(1, "ended").status == .conflict)
            #expect(try await event(1, "started").status == .ok)
            #expect(try await event(1, "ended").status == .conflict)
            // Without the header a page on another site could not send, nothing is counted.
            headers.remove(name: "X-Viewing")
            #expect(try await event(1, "started").status == .forbidden)
            headers.add(name: "X-Viewing", value: "1")
            for pass in 1...2 {
                for position in 1...9 {
                    #expect(try await event(position, "started").status == .ok)
                    try await Self.letItPlay(app)
                    let ended = try await event(position, "ended")
                    let result = try ended.content.decode(WitnessController.EventResult.self)
                    #expect(result.unlocked == (pass == 2 && position == 9))
                }
                if pass == 1 { #expect(try await answer(form).status == .conflict) }
            }
            // The answer: the media question is required, the number must be one of the clips.
            let noMedia = try await answer([("answer", "identified"), ("position", "12")])
            #expect(noMedia.status == .unprocessableEntity)
            #expect(noMedia.body.string.contains("Choose the number of the clip, 1 to 9."))
            // An empty number box with "not sure" is a complete answer's shape (checked here without sending it).
            #expect(
                try await answer(notSure.map { ($0.0, $0.0 == "mediaSeen" ? "" : $0.1) }).status == .unprocessableEntity
            )
            #expect(try await answer(form + [("mediaDetail", "Nie, nic nie widziałem.")]).status == .ok)
            let viewing = try #require(try await ParadeViewing.query(on: app.db).first())
            #expect(viewing.answer == "identified" && viewing.answerPosition == 4 && viewing.mediaSeen == "no")
            #expect(viewing.mediaDetail == "Nie, nic nie widziałem.")
            #expect(viewing.recordingInterviewID == nil)
            // Spent: the same browser cannot open it again or answer twice.
            #expect(try await app.testing().sendRequest(.GET, path, headers: headers).status == .gone)
            #expect(try await answer(form).status == .gone)
            let actions = try await CustodyLog.entries(parade.id!, on: app.db).map(\.action)
            #expect(
                actions == [
                    "parade-created", "parade-ready", "witness-invited", "viewing-opened", "viewing-pass",
                    "viewing-pass", "viewing-answered",
                ])
            // The officer's page shows the answer.
            var browser = Browser(app)
            _ = try await browser.signIn("insp.ward")
            let page = try await browser.get("/crimes/\(s.f.crimeID)/parades/\(parade.id!)").body.string
            #expect(page.contains("Identified number 4"))
            #expect(page.contains("2 times"))
        }
    }

    @Test func withNoRepresentativeTheViewingIsRecordedIntoItsOwnInterviewAndNowhereElse() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app)
            let (_, path) = try await Self.invited(app, s, representative: "")
            let started = try await app.testing().sendRequest(.POST, "\(path)/start")
            let cookie = try #require(started.headers.setCookie?[WitnessController.cookie]?.string)
            let first = try await app.testing().sendRequest(
                .GET, path, headers: ["Cookie": "\(WitnessController.cookie)=\(cookie)"])
            #expect(first.headers.first(name: "Permissions-Policy")?.contains("camera=(self)") == true)
            let viewing = try #require(try await ParadeViewing.query(on: app.db).first())
            let interviewID = try #require(viewing.recordingInterviewID)
            #expect(try await Interview.find(interviewID, on: app.db)?.kindCode == "video_identification")
            func create(_ interview: UUID, viewingHeader: Bool = true) async throws -> TestingHTTPResponse {
                var headers: HTTPHeaders = [
                    "Tus-Resumable": "1.0.0", "Upload-Length": String(s.clip.count),
                    "Upload-Metadata": EvidenceFixture.metadata([
                        ("interview", interview.uuidString), ("filetype", "video/webm"),
                    ]), "Cookie": "\(WitnessController.cookie)=\(cookie)",
                ]
                if viewingHeader { headers.add(name: "X-Viewing", value: "1") }
                return try await app.testing().sendRequest(.POST, "/uploads", headers: headers)
            }
            // The cookie alone is not enough; and it opens its own interview only.
            #expect(try await create(interviewID, viewingHeader: false).status == .unauthorized)
            #expect(try await create(s.f.interviewID).status == .forbidden)
            let created = try await create(interviewID)
            #expect(created.status == .created)
            let location = try #require(created.headers.first(name: .location))
            let patched = try await app.testing().sendRequest(
                .PATCH, location,
                headers: [
                    "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0",
                    "Cookie": "\(WitnessController.cookie)=\(cookie)", "X-Viewing": "1",
                ], body: ByteBuffer(bytes: s.clip))
            #expect(patched.status == .noContent)
            let item = try #require(
                try await EvidenceItem.query(on: app.db).filter(\.$interview.$id == interviewID).first())
            #expect(item.state == .complete && item.sha256 == EvidenceFixture.sha256(s.clip))
            #expect(item.source == "browser")
            let chain = try await CustodyLog.entries(item.id!, on: app.db)
            #expect(chain.first?.actorRole == "outside-link")
            // A witness actor is granted nothing by the policy.
            #expect(!AccessPolicy.grants(ParadeService.witnessActor(viewing), .viewEvidence))
            // Twelve uploads started at once from the link: the attempts are counted before any is saved, so at most
            // the day's five (this one included) are made, whatever the order they arrive in.
            let burst = await withTaskGroup(of: HTTPStatus?.self) { group in
                for _ in 0..<12 { group.addTask { try? await create(interviewID).status } }
                var statuses: [HTTPStatus?] = []
                for await status in group { statuses.append(status) }
                return statuses
            }
            #expect(burst.allSatisfy { $0 == .created || $0 == .conflict }, "\(burst)")
            let made = try await EvidenceItem.query(on: app.db).filter(\.$interview.$id == interviewID).count()
            #expect(made <= UploadService.viewingAttemptsPerDay, "\(made) uploads made")
        }
    }

    @Test func theSafetyGateDecidesWhetherTheWitnessLinkMayGo() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app)
            let context = s.f.world.context(s.inspector)
            let parade = try await ParadeService.create(
                crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect, context: context, on: app.db)
            try await ParadeService.recordNoSolicitor(
                crimeID: s.f.crimeID, paradeID: parade.id!, reason: "No solicitor could be reached in 3 days.",
                context: context, on: app.db)
            let victim = try #require(try await Victim.find(s.f.victimID, on: app.db))
            for point in try await ContactPoint.query(on: app.db).filter(\.$person.$id == victim.$person.id).all() {
                point.safe = false
                try await point.save(on: app.db)
            }
            var browser = Browser(app)
            _ = try await browser.signIn("insp.ward")
            _ = try await browser.get("/crimes/\(s.f.crimeID)/parades/\(parade.id!)")
            let refused = try await browser.post(
                "/crimes/\(s.f.crimeID)/parades/\(parade.id!)/viewings",
                [("victim", s.f.victimID.uuidString), ("channel", "email"), ("representative", "")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("not marked safe"))
            #expect(try await ParadeViewing.query(on: app.db).count() == 0)
            #expect(try await VictimLink.query(on: app.db).filter(\.$purposeCode == "identification").count() == 0)
        }
    }

    @Test func verifyChecksTheFoilsMediaAndEachSetsChain() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let s = try await Self.setup(app)
            let parade = try await ParadeService.create(
                crimeID: s.f.crimeID, suspectItemID: s.suspectItem, Self.suspect,
                context: s.f.world.context(s.inspector), on: app.db)
            let vault = try app.evidenceVault
            var summary = try await EvidenceVerification.run(
                all: true, hours: 24, vault: vault, logger: app.logger, on: app.db)
            #expect(summary.findings.isEmpty)
            // Ten foils and one set, beside the recordings.
            #expect(try await ParadeFoil.query(on: app.db).count() == 10)
            let foil = try #require(try await ParadeFoil.query(on: app.db).sort(\.$createdAt).first())
            let path = (vault.store as! FileEvidenceStore).segmentPath(foil.id!)
            var stored = try Data(contentsOf: URL(fileURLWithPath: path))
            stored[40] ^= 0x01
            try stored.write(to: URL(fileURLWithPath: path))
            let sql = try #require(app.db as? any SQLDatabase)
            // Who the suspect was, rewritten in the set's first entry.
            try await sql.raw(
                "UPDATE custody_entries SET detail = 'suspect at position 1' WHERE item_id = \(bind: parade.id!) AND seq = 1"
            ).run()
            summary = try await EvidenceVerification.run(
                all: true, hours: 24, vault: vault, logger: app.logger, on: app.db)
            #expect(summary.findings.count == 2)
            #expect(
                summary.findings.first { $0.item == foil.id }?.problems.contains { $0.contains("segment 0") } == true)
            #expect(
                summary.findings.first { $0.item == parade.id }?.problems.contains { $0.contains("entry 1") } == true)
            #expect(try await CustodyLog.entries(parade.id!, on: app.db).last?.action == "verification-failed")
        }
    }

    @Test func theFoilLibraryTakesVideoOnlyThroughItsForm() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            _ = try await f.world.user("insp.ward", .officer, rank: "Inspector")
            var browser = Browser(app)
            _ = try await browser.signIn("insp.ward")
            #expect(try await browser.get("/parades/foils").status == .ok)
            let fields = [
                ("ageBand", "26-35"), ("sex", "male"), ("ethnicity", "black"), ("build", "heavy"),
                ("hair", "shaved"), ("marks", "Scar over the left eyebrow; tattoo «Ψ» on the neck"),
            ]
            // A document renamed as a video is refused, with the description kept in the form.
            let fake = try await browser.upload(
                "/parades/foils", fields: fields, file: ("clip", "clip.webm", Data("not a video".utf8)),
                fileType: "video/webm")
            #expect(fake.status == .unprocessableEntity)
            #expect(fake.body.string.contains("not a video ffprobe can read"))
            #expect(fake.body.string.contains("tattoo «Ψ» on the neck"))
            let clip = try await Self.clip()
            let added = try await browser.upload(
                "/parades/foils", fields: fields, file: ("clip", "clip.webm", Data(clip)), fileType: "video/webm")
            #expect(added.status == .seeOther)
            let foil = try #require(try await ParadeFoil.query(on: app.db).first())
            #expect(foil.sha256 == EvidenceFixture.sha256(clip) && foil.marks.contains("«Ψ»"))
            #expect(abs((foil.durationSeconds ?? 0) - 2) < 0.3)
            // Read back through the vault, exactly.
            let vault = try app.evidenceVault
            var read: [UInt8] = []
            for try await chunk in vault.read(foil.sealed, range: 0...Int64(clip.count - 1)) { read += chunk }
            #expect(read == clip)
            // A role that does not run identifications cannot add to the library.
            _ = try await f.world.user("analyst", .forceAnalyst)
            var analyst = Browser(app)
            _ = try await analyst.signIn("analyst")
            #expect(try await analyst.get("/parades/foils").status == .forbidden)
        }
    }
}
