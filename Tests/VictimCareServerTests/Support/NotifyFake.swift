import Foundation
import Vapor

/// A local HTTP server speaking GOV.UK Notify's v2 API, checking each request's JWT as Notify does: HS256 signed
/// with the API key's secret, `iss` the service id, `iat` within 30 seconds of now. It can be told to fail.
final class NotifyFake: @unchecked Sendable {
    struct Received {
        var path: String
        var json: [String: Any]
    }

    let serviceID = UUID().uuidString.lowercased()
    let secret = UUID().uuidString.lowercased()
    var apiKey: String { "victimcare_test-\(serviceID)-\(secret)" }
    private(set) var app: Application!
    private(set) var port = 0
    private let lock = Locked()
    private var _received: [Received] = []
    private var _failures: [Int] = []
    private var _rejectedTokens = 0

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var received: [Received] { lock.withLock { _received } }
    var rejectedTokens: Int { lock.withLock { _rejectedTokens } }

    /// The next requests answer these statuses (then 201 again).
    func fail(with statuses: [Int]) { lock.withLock { _failures = statuses } }

    static func start() async throws -> NotifyFake {
        let fake = NotifyFake()
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        for kind in ["email", "sms", "letter"] {
            app.post("v2", "notifications", .constant(kind)) { req async throws -> Response in
                try fake.handle(req, kind: kind)
            }
        }
        try await app.server.start()
        fake.app = app
        fake.port = app.http.server.shared.localAddress?.port ?? 0
        return fake
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private func handle(_ req: Request, kind: String) throws -> Response {
        guard let token = req.headers.bearerAuthorization?.token, verify(token) else {
            lock.withLock { _rejectedTokens += 1 }
            return Self.json(
                403, ["status_code": 403, "errors": [["error": "AuthError", "message": "Invalid token"]]])
        }
        if let status = lock.withLock({ _failures.isEmpty ? nil : _failures.removeFirst() }) {
            return Self.json(
                status, ["status_code": status, "errors": [["error": "Fake", "message": "told to fail"]]])
        }
        let body = Data((req.body.string ?? "").utf8)
        guard let json = try JSONSerialization.jsonObject(with: body) as? [String: Any], json["template_id"] != nil
        else {
            return Self.json(
                400, ["status_code": 400, "errors": [["error": "BadRequestError", "message": "bad body"]]])
        }
        lock.withLock { _received.append(Received(path: req.url.path, json: json)) }
        return Self.json(201, ["id": UUID().uuidString.lowercased(), "reference": json["reference"] ?? NSNull()])
    }

    private func verify(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.decode(parts[0]), let claims = Self.decode(parts[1]),
            let signature = Self.base64URLData(parts[2])
        else { return false }
        guard header["alg"] as? String == "HS256" else { return false }
        let valid = HMAC<SHA256>.isValidAuthenticationCode(
            signature, authenticating: Data((parts[0] + "." + parts[1]).utf8),
            using: SymmetricKey(data: Data(secret.utf8)))
        guard valid, claims["iss"] as? String == serviceID, let iat = claims["iat"] as? Double else { return false }
        return abs(Date().timeIntervalSince1970 - iat) <= 30
    }

    private static func base64URLData(_ s: String) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }

    private static func decode(_ s: String) -> [String: Any]? {
        base64URLData(s).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    private static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(
            status: HTTPResponseStatus(statusCode: status), headers: ["Content-Type": "application/json"],
            body: .init(data: data))
    }
}

/// A mutex with a closure form.
final class Locked: @unchecked Sendable {
    private let lock = NSLock()

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
