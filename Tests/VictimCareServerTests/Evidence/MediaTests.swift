import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 15: ffprobe reads what was uploaded; ffmpeg makes a playable copy and a poster beside the untouched
/// original; a file that is not media is said to be unreadable, never shown as a recording that plays.
@Suite struct MediaTests {
    /// A real recording made by ffmpeg from its test sources (3 s of picture and tone).
    static func sample(_ format: String, codecs: [String]) async throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "sample-\(UUID().uuidString).\(format)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, _, errors) = try await MediaService.run(
            MediaService.ffmpeg,
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=3", "-f", "lavfi", "-i",
                "sine=frequency=440:duration=3",
            ] + codecs + ["-shortest", path])
        #expect(status == 0, "\(errors)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func aRecordingIsProbedGivenAPlayableCopyAndAPosterAndTheOriginalIsUntouched() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            // MPEG-4 part 2 in Matroska: browsers do not play it, so the copy is transcoded.
            let bytes = try await Self.sample("mkv", codecs: ["-c:v", "mpeg4", "-c:a", "mp3"])
            let (_, maybeID) = try await f.create(length: bytes.count, type: "video/x-matroska")
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, bytes).status == .noContent)
            let vault = try app.evidenceVault
            #expect(
                try await MediaService.runNext(
                    settings: app.config.evidence, vault: vault, logger: app.logger, on: app.db))
            #expect(
                try await MediaService.runNext(
                    settings: app.config.evidence, vault: vault, logger: app.logger, on: app.db) == false)
            let original = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(original.mediaState == "done")
            #expect(abs((original.durationSeconds ?? 0) - 3) < 0.2)
            #expect(original.mediaInfo?.contains("mpeg4") == true)
            #expect(original.sha256 == EvidenceFixture.sha256(bytes))
            let derived = try await EvidenceItem.query(on: app.db).filter(\.$derivedFrom == id).all()
            let rendition = try #require(derived.first { $0.kind == "rendition" })
            #expect(rendition.contentType == "video/webm")
            #expect(abs((rendition.durationSeconds ?? 0) - 3) < 0.5)
            #expect(derived.contains { $0.kind == "poster" && $0.contentType == "image/jpeg" })
            let actions = try await CustodyLog.entries(id, on: app.db).map(\.action)
            #expect(actions.suffix(2) == ["probed", "rendition-made"])
            // The API lists the recordings made, not the copies made from them.
            let listed = try await app.testing().sendRequest(
                .GET, "/api/v1/interviews/\(f.interviewID)", headers: f.token)
            #expect(listed.status == .ok)
            struct Listed: Decodable {
                struct Recording: Decodable { var id: UUID }
                var recordings: [Recording]
            }
            #expect(try listed.content.decode(Listed.self).recordings.map(\.id) == [id])
            // The page plays the copy, with the poster; the download is the original.
            var browser = Browser(app)
            #expect(try await browser.signIn("evidence.officer").status == .seeOther)
            let page = try await browser.get("/interviews/\(f.interviewID)").body.string
            #expect(page.contains("/evidence/\(rendition.id!)/media"))
            #expect(page.contains("poster=\"/evidence/"))
            #expect(page.contains("0:03"))
            let download = try await browser.get("/evidence/\(id)/download")
            #expect(Array(download.body.readableBytesView) == bytes)
            // The bundle carries the original only.
            let bundle = try await browser.get("/interviews/\(f.interviewID)/bundle")
            #expect(bundle.status == .ok)
            let tar = Data(bundle.body.readableBytesView)
            let line = "\(EvidenceFixture.sha256(bytes))  media/\(id.uuidString.lowercased()).webm"
            #expect(tar.range(of: Data(line.utf8)) != nil)
            #expect(tar.range(of: Data("\(rendition.sha256!)  media/".utf8)) == nil)
            #expect(tar.range(of: Data(bytes)) != nil)
        }
    }

    @Test func aBrowserWebMIsRemuxedNotTranscoded() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = try await Self.sample(
                "webm", codecs: ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"])
            let (_, maybeID) = try await f.create(length: bytes.count, type: "video/webm")
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, bytes).status == .noContent)
            #expect(
                try await MediaService.runNext(
                    settings: app.config.evidence, vault: try app.evidenceVault, logger: app.logger, on: app.db))
            let chain = try await CustodyLog.entries(id, on: app.db)
            #expect(chain.last?.detail.contains("-c copy") == true)
        }
    }

    @Test func aFileThatIsNotMediaIsUnreadableAndSaysSo() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(50_000, seed: 99)
            let (_, maybeID) = try await f.create(length: bytes.count, type: "video/mp4")
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, bytes).status == .noContent)
            #expect(
                try await MediaService.runNext(
                    settings: app.config.evidence, vault: try app.evidenceVault, logger: app.logger, on: app.db))
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(item.mediaState == "unreadable")
            #expect(try await EvidenceItem.query(on: app.db).filter(\.$derivedFrom == id).count() == 0)
            var browser = Browser(app)
            #expect(try await browser.signIn("evidence.officer").status == .seeOther)
            #expect(
                try await browser.get("/interviews/\(f.interviewID)").body.string.contains(
                    "truncated, corrupt or not a recording"))
        }
    }
}
