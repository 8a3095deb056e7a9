import Foundation
import Vapor

@testable import VictimCareServer

/// The app serving on a real loopback port, for tests that need what only a real connection has: a peer
/// address, requests genuinely in flight together.
struct LiveServer {
    let app: Application
    let base: String

    static func run(_ app: Application, _ body: (LiveServer) async throws -> Void) async throws {
        // A browser-like client that shows redirects instead of following them.
        app.http.client.configuration.redirectConfiguration = .disallow
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = app.http.server.shared.localAddress?.port ?? 0
        do {
            try await body(LiveServer(app: app, base: "http://127.0.0.1:\(port)"))
        } catch {
            await app.server.shutdown()
            throw error
        }
        await app.server.shutdown()
    }

    func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> ClientResponse {
        try await app.client.get(URI(string: base + path), headers: headers)
    }

    func postForm(_ path: String, _ fields: [(String, String)], headers: HTTPHeaders = [:]) async throws
        -> ClientResponse
    {
        var headers = headers
        headers.contentType = .urlEncodedForm
        let body = fields.map { "\(Browser.encode($0.0))=\(Browser.encode($0.1))" }.joined(separator: "&")
        return try await app.client.post(URI(string: base + path), headers: headers) { request in
            request.body = ByteBuffer(string: body)
        }
    }
}
