import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 15: the tus 1.0 server (core, creation, defer-length, checksum, termination, expiration), durable
/// offsets, ranges, and the refusals tus names.
@Suite struct TusUploadTests {
    @Test func discoveryNamesVersionExtensionsAndLimits() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let response = try await app.testing().sendRequest(.OPTIONS, "/uploads")
            #expect(response.status == .noContent)
            #expect(response.headers.first(name: "Tus-Version") == "1.0.0")
            let extensions = Set((response.headers.first(name: "Tus-Extension") ?? "").split(separator: ","))
            #expect(
                extensions.isSuperset(of: [
                    "creation", "checksum", "termination", "expiration", "creation-defer-length",
                ]))
            #expect(response.headers.first(name: "Tus-Checksum-Algorithm") == "sha1,sha256")
            #expect(response.headers.first(name: "Tus-Max-Size") == String(4 * 1024 * 1024))
        }
    }

    @Test func aWholeUploadIsStoredEncryptedHashedAndServedByRange() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(300_001)
            // Chunks that do not line up with the 64 KiB segments.
            let id = try await f.upload(bytes, chunk: 70_001)
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(item.state == .complete)
            #expect(item.sha256 == EvidenceFixture.sha256(bytes))
            #expect(item.received == 300_001)
            // At rest it is not the plaintext: no 64-byte run of the recording appears in the stored file.
            let stored = try Data(
                contentsOf: URL(fileURLWithPath: (try app.evidenceVault.store as! FileEvidenceStore).segmentPath(id)))
            #expect(stored.count == 300_001 + 5 * SegmentCipher.overhead)
            #expect(stored.range(of: Data(bytes[1000..<1064])) == nil)
            #expect(try await app.evidenceVault.store.readTail(id) == nil)
            // The chain: started, then completed with the hash.
            let custody = try await CustodyLog.entries(id, on: app.db)
            #expect(custody.map(\.action) == ["upload-started", "uploaded"])
            #expect(custody[1].detail.contains(EvidenceFixture.sha256(bytes)))
            #expect(CustodyLog.check(custody).isEmpty)

            // Playback, whole and by ranges (inside one segment, across several, the suffix, the last byte).
            var browser = Browser(app)
            #expect(try await browser.signIn("evidence.officer").status == .seeOther)
            let whole = try await browser.get("/evidence/\(id)/media")
            #expect(whole.status == .ok)
            #expect(Array(whole.body.readableBytesView) == bytes)
            #expect(whole.headers.first(name: "Accept-Ranges") == "bytes")
            for (header, range) in [
                ("bytes=10-20", 10...20), ("bytes=65530-200000", 65530...200_000), ("bytes=-100", 299_901...300_000),
                ("bytes=300000-", 300_000...300_000), ("bytes=299990-999999", 299_990...300_000),
            ] {
                browser.headers.replaceOrAdd(name: .range, value: header)
                let part = try await browser.get("/evidence/\(id)/media")
                #expect(part.status == .partialContent, "\(header)")
                #expect(Array(part.body.readableBytesView) == Array(bytes[range]), "\(header)")
                #expect(
                    part.headers.first(name: "Content-Range")
                        == "bytes \(range.lowerBound)-\(range.upperBound)/300001")
            }
            browser.headers.replaceOrAdd(name: .range, value: "bytes=300001-")
            #expect(try await browser.get("/evidence/\(id)/media").status == .rangeNotSatisfiable)
            browser.headers.remove(name: .range)
            // A complete recording is evidence: tus termination does not remove it.
            let delete = try await app.testing().sendRequest(.DELETE, "/uploads/\(id)", headers: f.tusHeaders())
            #expect(delete.status == .forbidden)
            #expect(try await EvidenceItem.find(id, on: app.db)?.state == .complete)
        }
    }

    @Test func refusalsAreTheOnesTusNamesAndMoveNothing() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            // No Tus-Resumable: 412 with the version the server speaks.
            var plain = f.token
            plain.remove(name: .contentType)
            let noVersion = try await app.testing().sendRequest(.POST, "/uploads", headers: plain)
            #expect(noVersion.status == .preconditionFailed)
            #expect(noVersion.headers.first(name: "Tus-Version") == "1.0.0")
            // Too big, and not a recording.
            #expect(try await f.create(length: 4 * 1024 * 1024 + 1).0.status == .payloadTooLarge)
            #expect(try await f.create(length: 10, type: "text/html").0.status == .unsupportedMediaType)
            // An interview that does not exist.
            #expect(try await f.create(length: 10, interview: UUID()).0.status == .notFound)

            let bytes = EvidenceFixture.randomBytes(100_000, seed: 7)
            let (created, maybeID) = try await f.create(length: bytes.count)
            #expect(created.status == .created)
            #expect(created.headers.first(name: "Upload-Expires") != nil)
            let id = try #require(maybeID)
            let first = Array(bytes[0..<40_000])
            #expect(
                try await f.patch(id, offset: 0, first, checksum: EvidenceFixture.checksum("sha1", first)).status
                    == .noContent)
            // A wrong checksum: 460, and the offset stays.
            let second = Array(bytes[40_000..<80_000])
            var wrong = second
            wrong[5] ^= 0xFF
            let mismatch = try await f.patch(
                id, offset: 40_000, wrong, checksum: EvidenceFixture.checksum("sha256", second))
            #expect(mismatch.status.code == 460)
            #expect(try await f.head(id).headers.first(name: "Upload-Offset") == "40000")
            // An unknown algorithm: 400.
            #expect(try await f.patch(id, offset: 40_000, second, checksum: "md5 AAAA").status == .badRequest)
            // The wrong offset: 409.
            #expect(try await f.patch(id, offset: 39_000, second).status == .conflict)
            // Past the declared length: 413, and the offset stays.
            #expect(
                try await f.patch(id, offset: 40_000, Array(repeating: 1, count: 60_001)).status == .payloadTooLarge)
            #expect(try await f.head(id).headers.first(name: "Upload-Offset") == "40000")
            // A declared length that would overflow: 413, not a crash.
            do {
                _ = try await UploadService.patch(
                    id, .init(offset: 40_000, contentLength: Int64.max, checksum: nil, length: nil), body: NoBytes(),
                    context: f.world.context(f.officer), settings: app.config.evidence, vault: try app.evidenceVault,
                    on: app.db)
                Issue.record("an impossible Content-Length was taken")
            } catch let error as UploadService.TusError {
                #expect(error.status == .payloadTooLarge)
            }
            // An empty file is not a recording.
            #expect(try await f.create(length: 0).0.status == .badRequest)
            // Wrong content type: 415.
            var headers = f.tusHeaders([("Content-Type", "application/json"), ("Upload-Offset", "40000")])
            #expect(
                try await app.testing().sendRequest(
                    .PATCH, "/uploads/\(id)", headers: headers, body: ByteBuffer(bytes: second)
                )
                .status == .unsupportedMediaType)
            // The rest, after the refusals, makes the exact file.
            #expect(
                try await f.patch(id, offset: 40_000, second, checksum: EvidenceFixture.checksum("sha256", second))
                    .status == .noContent)
            #expect(try await f.patch(id, offset: 80_000, Array(bytes[80_000...])).status == .noContent)
            #expect(try await EvidenceItem.find(id, on: app.db)?.sha256 == EvidenceFixture.sha256(bytes))
            // Termination of an unfinished upload removes its bytes; then it is gone (410).
            let (_, other) = try await f.create(length: 1000)
            let abandoned = try #require(other)
            #expect(try await f.patch(abandoned, offset: 0, Array(bytes[0..<500])).status == .noContent)
            headers = f.tusHeaders()
            #expect(
                try await app.testing().sendRequest(.DELETE, "/uploads/\(abandoned)", headers: headers).status
                    == .noContent)
            #expect(try await f.head(abandoned).status == .gone)
            #expect(
                !FileManager.default.fileExists(
                    atPath: (try app.evidenceVault.store as! FileEvidenceStore).segmentPath(abandoned)))
            #expect(try await f.patch(abandoned, offset: 500, Array(bytes[500..<1000])).status == .gone)
        }
    }

    @Test func aDeferredLengthUploadEndsWithItsLength() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(150_000, seed: 3)
            let (created, maybeID) = try await f.create(length: nil)
            #expect(created.headers.first(name: "Upload-Defer-Length") == "1")
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, Array(bytes[0..<100_000])).status == .noContent)
            #expect(try await EvidenceItem.find(id, on: app.db)?.state == .uploading)
            #expect(try await f.patch(id, offset: 100_000, Array(bytes[100_000...])).status == .noContent)
            // The recording ends: an empty PATCH names the length.
            let last = try await f.patch(id, offset: 150_000, [], length: 150_000)
            #expect(last.status == .noContent, "\(last.body.string)")
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(item.state == .complete)
            #expect(item.sha256 == EvidenceFixture.sha256(bytes))
        }
    }

    /// A PATCH cut off after its bytes reached the store but before its offset moved, then the upload taken up
    /// by another node (no running hash), then an expired lock from a killed writer: every byte ends up
    /// exactly once.
    @Test func anUploadResumesAfterACrashOnAnotherNode() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(260_000, seed: 11)
            let (_, maybeID) = try await f.create(length: bytes.count)
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, Array(bytes[0..<100_000])).status == .noContent)
            // The crash: bytes 100,000..<230,000 reach the store (two whole segments and a tail) but the process
            // dies before the offset moves, holding the lock.
            let vault = try app.evidenceVault
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            let session = try await vault.resume(item)
            try await session.append(ByteBuffer(bytes: bytes[100_000..<230_000]))
            _ = try await session.commit()
            session.close()
            let sql = app.db as! any SQLDatabase
            try await sql.raw(
                "UPDATE evidence_items SET lock_token = 'dead', lock_until = \(bind: Date().addingTimeInterval(3600)) WHERE id = \(bind: id)"
            ).run()
            // Another node: the same store and keys, no running hash.
            let other = EvidenceVault(store: vault.store, keys: vault.keys, hashers: EvidenceVault.HasherCache())
            #expect(try await f.head(id).headers.first(name: "Upload-Offset") == "100000")
            // The dead writer's hold stands until it lapses: 423, and nothing moves.
            #expect(try await f.patch(id, offset: 100_000, Array(bytes[100_000..<180_000])).status.code == 423)
            #expect(try await f.head(id).headers.first(name: "Upload-Offset") == "100000")
            // It lapses (EVIDENCE_LOCK_SECONDS after the writer's last byte); the client carries on.
            try await sql.raw(
                "UPDATE evidence_items SET lock_until = \(bind: Date().addingTimeInterval(-1)) WHERE id = \(bind: id)"
            ).run()
            let resumed = try await UploadService.patch(
                id, .init(offset: 100_000, contentLength: nil, checksum: nil, length: nil),
                body: NoBytesThen(ByteBuffer(bytes: bytes[100_000...])), context: f.world.context(f.officer),
                settings: app.config.evidence, vault: other, on: app.db)
            #expect(resumed.state == .complete)
            #expect(resumed.sha256 == EvidenceFixture.sha256(bytes))
            #expect(await other.verify(resumed) == nil)
        }
    }

    @Test func twoWritersAtOnceCannotBothMoveTheOffset() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(200_000, seed: 5)
            let (_, maybeID) = try await f.create(length: bytes.count)
            let id = try #require(maybeID)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for seed in 0..<8 {
                    group.addTask {
                        // Each sends different bytes at offset 0; only one may land.
                        var chunk = Array(bytes[0..<120_000])
                        chunk[0] = UInt8(seed)
                        return try await f.patch(id, offset: 0, chunk).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 204 }.count == 1, "\(statuses)")
            #expect(statuses.allSatisfy { [204, 409, 423].contains($0) }, "\(statuses)")
            let item = try #require(try await EvidenceItem.find(id, on: app.db))
            #expect(item.received == 120_000)
            var rest = bytes
            // Whichever landed, the first byte is that writer's; finish and compare with what was sent.
            let landed = try await app.evidenceVault.read(item, range: 0...0).reduce(Data(), +)
            rest[0] = landed[0]
            #expect(try await f.patch(id, offset: 120_000, Array(rest[120_000...])).status == .noContent)
            #expect(try await EvidenceItem.find(id, on: app.db)?.sha256 == EvidenceFixture.sha256(rest))
        }
    }

    @Test func aRetriedCreationWithItsKeyReturnsTheUploadItMade() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            func create(_ key: String, auth: HTTPHeaders? = nil) async throws -> (HTTPStatus, String?) {
                let headers = f.tusHeaders(
                    [
                        ("Upload-Length", "100"),
                        (
                            "Upload-Metadata",
                            EvidenceFixture.metadata([
                                ("interview", f.interviewID.uuidString), ("filetype", "video/webm"),
                                ("attempt", key),
                            ])
                        ),
                    ], auth: auth)
                let response = try await app.testing().sendRequest(.POST, "/uploads", headers: headers)
                return (response.status, response.headers.first(name: .location))
            }
            // The answer to the first request was lost; the browser asks again with the same key.
            let first = try await create("3f9c0a1b2c3d4e5f60718293a4b5c6d7")
            #expect(first.0 == .created)
            let again = try await create("3f9c0a1b2c3d4e5f60718293a4b5c6d7")
            #expect(again.0 == .created)
            #expect(again.1 == first.1)
            // Several retries at once still make one upload.
            let racing = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<6 { group.addTask { try await create("a1a1a1a1b2b2b2b2").1 } }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(racing.count == 1 && racing.first! != nil)
            #expect(try await EvidenceItem.query(on: app.db).count() == 2)
            // A new attempt (a new key) is a new upload; someone else's key is not theirs to reuse.
            #expect(try await create("new-attempt-key").1 != first.1)
            let colleague = try await f.world.token(.officer)
            #expect(try await create("3f9c0a1b2c3d4e5f60718293a4b5c6d7", auth: colleague).0 == .conflict)
            #expect(try await create(String(repeating: "k", count: 65)).0 == .badRequest)
            #expect(try await EvidenceItem.query(on: app.db).count() == 3)
        }
    }

    @Test func onlyThoseWhoMayEditTheCrimeUpload() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            let east = try await f.world.token(.officer, unit: f.world.ce)
            let analyst = try await f.world.token(.forceAnalyst)
            let prosecutor = try await f.world.token(.prosecutor)
            #expect(try await f.create(length: 10, auth: analyst).0.status == .forbidden)
            #expect(try await f.create(length: 10, auth: prosecutor).0.status == .forbidden)
            // Another unit's officer: only with a reason stated with the request, which is audited.
            #expect(try await f.create(length: 10, auth: east).0.status == .forbidden)
            var withReason = east
            withReason.add(name: "X-Access-Reason", value: "Interviewing the victim for the other unit today")
            let (created, id) = try await f.create(length: 10, auth: withReason)
            #expect(created.status == .created)
            #expect(try await f.world.auditCount("change_with_reason", "crime", f.crimeID) == 1)
            // Someone else's upload, by id, without the right: refused.
            #expect(try await f.patch(try #require(id), offset: 0, [1, 2, 3], auth: analyst).status == .forbidden)
            // No credentials at all.
            let anonymous = try await app.testing().sendRequest(
                .HEAD, "/uploads/\(id!)", headers: ["Tus-Resumable": "1.0.0"])
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func theBrowserUploadsWithItsSessionAndFormToken() async throws {
        try await withTestApp(EvidenceFixture.configure) { app in
            let f = try await EvidenceFixture.make(app)
            var browser = Browser(app)
            #expect(try await browser.signIn("evidence.officer").status == .seeOther)
            let page = try await browser.get("/interviews/\(f.interviewID)/record")
            #expect(page.status == .ok)
            #expect(page.headers.first(name: "Permissions-Policy")?.contains("camera=(self)") == true)
            #expect(
                try await browser.get("/crimes/\(f.crimeID)").headers.first(name: "Permissions-Policy")?
                    .contains("camera=()") == true)
            var headers: HTTPHeaders = [
                "Tus-Resumable": "1.0.0", "Upload-Defer-Length": "1",
                "Upload-Metadata": EvidenceFixture.metadata([
                    ("interview", f.interviewID.uuidString), ("filetype", "video/webm"), ("source", "browser"),
                ]),
                "Cookie": browser.cookie ?? "",
            ]
            // Without the form token: refused.
            #expect(try await app.testing().sendRequest(.POST, "/uploads", headers: headers).status == .forbidden)
            headers.add(name: "X-CSRF-Token", value: try #require(browser.csrf))
            let created = try await app.testing().sendRequest(.POST, "/uploads", headers: headers)
            #expect(created.status == .created)
            let item = try #require(try await EvidenceItem.query(on: app.db).first())
            #expect(item.source == "browser")
            #expect(item.uploadedByName == f.officer.displayName)
        }
    }
}

/// A body of one buffer.
struct NoBytesThen: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer
    init(_ buffer: ByteBuffer) { self.buffer = buffer }
    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async throws -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}
