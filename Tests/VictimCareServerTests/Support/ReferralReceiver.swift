import Crypto
import Foundation
import Vapor

/// The support service's end of the daily transfer, on a real port: checks each batch's HMAC signature with the
/// shared key, and keeps each batch id once (a batch sent again is acknowledged, not stored twice).
final class ReferralReceiver: @unchecked Sendable {
    let key = "shared-secret-\(UUID().uuidString)"
    private let lock = NSLock()
    private var _batches: [String: [String]] = [:]
    private var _posts = 0
    private var _rejected = 0
    private var app: Application!
    private(set) var port = 0

    var url: String { "http://127.0.0.1:\(port)/referrals" }
    var batches: [String: [String]] { lock.withLock { _batches } }
    var posts: Int { lock.withLock { _posts } }
    var rejected: Int { lock.withLock { _rejected } }

    static func start() async throws -> ReferralReceiver {
        let receiver = ReferralReceiver()
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        app.routes.defaultMaxBodySize = "64mb"
        app.post("referrals") { req async throws -> Response in receiver.handle(req) }
        try await app.server.start()
        receiver.app = app
        receiver.port = app.http.server.shared.localAddress?.port ?? 0
        return receiver
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private func handle(_ req: Request) -> Response {
        let buffer = req.body.data ?? ByteBuffer()
        let body = Data(buffer.readableBytesView)
        let expected = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        guard req.headers.first(name: "X-VictimCare-Signature") == "sha256=" + expected,
            let batch = req.headers.first(name: "X-VictimCare-Batch"),
            req.headers.first(name: "X-VictimCare-Schema") == "1"
        else {
            lock.withLock { _rejected += 1 }
            return Response(status: .unauthorized)
        }
        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n").map(String.init)
        let duplicate = lock.withLock {
            _posts += 1
            if _batches[batch] != nil { return true }
            _batches[batch] = lines
            return false
        }
        return Response(status: duplicate ? .ok : .created)
    }
}
