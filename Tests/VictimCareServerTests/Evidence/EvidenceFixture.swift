import Crypto
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// A crime with an interview ready to take a recording, and a tus client over VaporTesting.
struct EvidenceFixture {
    let app: Application
    let world: World
    let crimeID: UUID
    let victimID: UUID
    let linkID: UUID
    let interviewID: UUID
    let officer: User
    let token: HTTPHeaders

    /// Small segments, so a few hundred KiB cross many segment boundaries.
    static func configure(_ config: inout AppConfig) {
        config.evidence.segmentSize = 64 * 1024
        config.evidence.lockSeconds = 10
        config.evidence.maxMegabytes = 4
    }

    static func make(_ app: Application, reference: String = "SN/5150001/26") async throws -> EvidenceFixture {
        let world = try await World(app)
        let officer = try await world.user("evidence.officer", .officer)
        let created = try await world.crime(reference, officer: officer)
        let crimeID = try created.crime.requireID()
        let victim = created.victims[0]
        let link = try #require(
            try await CrimePerson.query(on: app.db).filter(\.$crime.$id == crimeID)
                .filter(\.$person.$id == victim.personID).first())
        let interview = try await InterviewService.create(
            crimeID: crimeID, linkID: link.id!.uuidString,
            InterviewDraft(
                kind: "victim_account", place: "home", interviewers: "PC Evidence", consent: true),
            context: world.context(officer), on: app.db)
        let token = try await world.token(.officer)
        return EvidenceFixture(
            app: app, world: world, crimeID: crimeID, victimID: victim.victimID, linkID: link.id!,
            interviewID: interview.id!, officer: officer, token: token)
    }

    static func metadata(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    func tusHeaders(_ extra: [(String, String)] = [], auth: HTTPHeaders? = nil) -> HTTPHeaders {
        var headers = auth ?? token
        headers.remove(name: .contentType)
        headers.add(name: "Tus-Resumable", value: "1.0.0")
        for (name, value) in extra { headers.add(name: name, value: value) }
        return headers
    }

    /// Creates an upload; returns the response and its id.
    func create(length: Int?, type: String = "video/webm", interview: UUID? = nil, auth: HTTPHeaders? = nil)
        async throws -> (TestingHTTPResponse, UUID?)
    {
        var extra = [
            (
                "Upload-Metadata",
                Self.metadata([
                    ("interview", (interview ?? interviewID).uuidString), ("filename", "interview one.webm"),
                    ("filetype", type),
                ])
            )
        ]
        extra.append(length.map { ("Upload-Length", String($0)) } ?? ("Upload-Defer-Length", "1"))
        let response = try await app.testing().sendRequest(.POST, "/uploads", headers: tusHeaders(extra, auth: auth))
        let id = response.headers.first(name: .location).flatMap {
            UUID(uuidString: String($0.split(separator: "/").last ?? ""))
        }
        return (response, id)
    }

    func patch(
        _ id: UUID, offset: Int, _ bytes: [UInt8], checksum: String? = nil, length: Int? = nil, auth: HTTPHeaders? = nil
    ) async throws -> TestingHTTPResponse {
        var extra = [("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", String(offset))]
        if let checksum { extra.append(("Upload-Checksum", checksum)) }
        if let length { extra.append(("Upload-Length", String(length))) }
        return try await app.testing().sendRequest(
            .PATCH, "/uploads/\(id)", headers: tusHeaders(extra, auth: auth), body: ByteBuffer(bytes: bytes))
    }

    func head(_ id: UUID) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(.HEAD, "/uploads/\(id)", headers: tusHeaders())
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: Data(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    static func checksum(_ algorithm: String, _ bytes: [UInt8]) -> String {
        let digest =
            algorithm == "sha1" ? Data(Insecure.SHA1.hash(data: Data(bytes))) : Data(SHA256.hash(data: Data(bytes)))
        return "\(algorithm) \(digest.base64EncodedString())"
    }

    static func randomBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// Uploads `bytes` whole in chunks of `chunk`; returns the item id.
    func upload(_ bytes: [UInt8], chunk: Int = 50_000) async throws -> UUID {
        let (created, id) = try await create(length: bytes.count)
        #expect(created.status == .created)
        let upload = try #require(id)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            let response = try await patch(upload, offset: offset, Array(bytes[offset..<end]))
            #expect(response.status == .noContent, "\(response.body.string)")
            offset = end
        }
        return upload
    }
}
