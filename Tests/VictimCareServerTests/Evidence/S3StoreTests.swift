import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 15: the S3-compatible store. The signer gives botocore's signatures on botocore's own vectors
/// (`scripts/sigv4-vectors.py`); against a real S3-speaking server (moto's, started by `make test` and named
/// by `TEST_S3_ENDPOINT`) uploads complete, resume and read by ranges as they do on disk.
@Suite struct S3StoreTests {
    struct Vectors: Decodable {
        struct Vector: Decodable {
            var method: String
            var path: String
            var query: [[String]]
            var headers: [[String]]
            var payload_sha256: String
            var amz_date: String
            var authorization: String
        }
        var access_key: String
        var secret_key: String
        var region: String
        var vectors: [Vector]
    }

    @Test func theSignerMatchesBotocore() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sigv4-botocore.json")
        let fixture = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        let signer = SigV4(accessKey: fixture.access_key, secretKey: fixture.secret_key, region: fixture.region)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        #expect(fixture.vectors.count >= 8)
        for v in fixture.vectors {
            let signed = signer.sign(
                method: v.method, path: v.path,
                query: v.query.map { ($0[0].removingPercentEncoding!, $0[1].removingPercentEncoding!) },
                headers: v.headers.map { ($0[0], $0[1]) }, payloadHash: v.payload_sha256,
                date: try #require(formatter.date(from: v.amz_date)))
            #expect(signed.authorization == v.authorization, "\(v.method) \(v.path)\n\(signed.canonicalRequest)")
        }
    }

    static let endpoint = ProcessInfo.processInfo.environment["TEST_S3_ENDPOINT"].flatMap(URL.init(string:))

    static func configure(_ bucket: String) -> (inout AppConfig) -> Void {
        { config in
            EvidenceFixture.configure(&config)
            config.evidence.maxMegabytes = 64
            config.evidence.s3 = .init(
                endpoint: endpoint!, bucket: bucket, region: "eu-west-2", accessKey: "testing", secretKey: "testing")
        }
    }

    @Test(.enabled(if: endpoint != nil, "TEST_S3_ENDPOINT names moto's S3 server"))
    func uploadsResumeAndRangesWorkOnARealS3Server() async throws {
        let bucket = "vc-\(UUID().uuidString.prefix(8).lowercased())"
        try await withTestApp(Self.configure(bucket)) { app in
            let store = try #require(try app.evidenceVault.store as? S3EvidenceStore)
            try await store.s3.createBucket()
            let f = try await EvidenceFixture.make(app)
            // 5 MiB segments (the store's minimum): 11.5 MiB crosses two part boundaries.
            let bytes = EvidenceFixture.randomBytes(11 * 1024 * 1024 + 512 * 1024, seed: 21)
            let (_, maybeID) = try await f.create(length: bytes.count)
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, Array(bytes[0..<(6 * 1024 * 1024)])).status == .noContent)
            // A writer cut off after storing a record past the offset: the next one repairs and carries on.
            let vault = try app.evidenceVault
            let session = try await vault.resume(try #require(try await EvidenceItem.find(id, on: app.db)))
            try await session.append(ByteBuffer(bytes: bytes[(6 * 1024 * 1024)..<(10 * 1024 * 1024 + 7)]))
            session.close()
            let other = EvidenceVault(store: vault.store, keys: vault.keys, hashers: EvidenceVault.HasherCache())
            let done = try await UploadService.patch(
                id, .init(offset: 6 * 1024 * 1024, contentLength: nil, checksum: nil, length: nil),
                body: NoBytesThen(ByteBuffer(bytes: bytes[(6 * 1024 * 1024)...])), context: f.world.context(f.officer),
                settings: app.config.evidence, vault: other, on: app.db)
            #expect(done.state == .complete)
            #expect(done.sha256 == EvidenceFixture.sha256(bytes))
            #expect(done.segmentSize == 5 * 1024 * 1024)
            // One object now; the upload's records are gone.
            #expect(try await store.s3.list(prefix: store.recordPrefix(id)).isEmpty)
            #expect(try await store.size(id) == Int64(bytes.count + 3 * SegmentCipher.overhead))
            #expect(await vault.verify(done) == nil)
            for range in [0...9, (5 * 1024 * 1024 - 3)...(5 * 1024 * 1024 + 3), 100...(bytes.count - 1)] {
                let data = try await vault.read(done, range: Int64(range.lowerBound)...Int64(range.upperBound))
                    .reduce(Data(), +)
                #expect(Array(data) == Array(bytes[range]))
            }
            // Terminating an upload removes its objects.
            let (_, other2) = try await f.create(length: 100)
            let abandoned = try #require(other2)
            #expect(try await f.patch(abandoned, offset: 0, Array(bytes[0..<50])).status == .noContent)
            #expect(
                try await app.testing().sendRequest(.DELETE, "/uploads/\(abandoned)", headers: f.tusHeaders()).status
                    == .noContent)
            #expect(try await store.s3.list(prefix: store.recordPrefix(abandoned)).isEmpty)
        }
    }

    @Test(.enabled(if: endpoint != nil, "TEST_S3_ENDPOINT names moto's S3 server"))
    func anOutageFailsTheUploadWith503AndLosesNothing() async throws {
        let bucket = "vc-\(UUID().uuidString.prefix(8).lowercased())"
        try await withTestApp(Self.configure(bucket)) { app in
            let store = try #require(try app.evidenceVault.store as? S3EvidenceStore)
            try await store.s3.createBucket()
            let f = try await EvidenceFixture.make(app)
            let bytes = EvidenceFixture.randomBytes(200_000, seed: 22)
            let (_, maybeID) = try await f.create(length: bytes.count)
            let id = try #require(maybeID)
            #expect(try await f.patch(id, offset: 0, Array(bytes[0..<100_000])).status == .noContent)
            // The bucket goes away (an outage, a wrong policy): the store refuses, the upload says 503.
            try await store.s3.deleteEverything()
            let failed = try await f.patch(id, offset: 100_000, Array(bytes[100_000...]))
            #expect(failed.status == .serviceUnavailable)
            #expect(try await EvidenceItem.find(id, on: app.db)?.received == 100_000)
        }
    }
}
