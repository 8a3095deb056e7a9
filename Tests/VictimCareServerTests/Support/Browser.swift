import Foundation
import NIOHTTP1
import Testing
import Vapor
import VaporTesting

/// A minimal browser over VaporTesting: keeps the session cookie, reads the CSRF token from each page
/// and posts forms with it, as a real browser would.
struct Browser {
    let app: Application
    /// Cookies by name, as the server set them (the staff session, the victim's case page session).
    var cookies: [String: String] = [:]
    var cookie: String? {
        cookies.isEmpty
            ? nil : cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }
    var csrf: String?
    var headers: HTTPHeaders = [:]

    init(_ app: Application) {
        self.app = app
    }

    @discardableResult
    mutating func get(_ path: String) async throws -> TestingHTTPResponse {
        var headers = self.headers
        if let cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        let response = try await app.testing().sendRequest(.GET, path, headers: headers)
        absorb(response)
        return response
    }

    @discardableResult
    mutating func post(_ path: String, _ form: [(String, String)], withCSRF: Bool = true) async throws
        -> TestingHTTPResponse
    {
        var headers = self.headers
        if let cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        headers.contentType = .urlEncodedForm
        var fields = form
        if withCSRF, let csrf { fields.append(("_csrf", csrf)) }
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let response = try await app.testing().sendRequest(
            .POST, path, headers: headers, body: ByteBuffer(string: body))
        absorb(response)
        return response
    }

    /// Posts a multipart form, as a browser sends a file upload: fields first (the CSRF token leading), then
    /// the file.
    @discardableResult
    mutating func upload(
        _ path: String, fields: [(String, String)], file: (name: String, filename: String, data: Data)?,
        withCSRF: Bool = true, fileType: String = "text/csv"
    ) async throws -> TestingHTTPResponse {
        var headers = self.headers
        if let cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        let boundary = "----victimcare\(UUID().uuidString)"
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        var body = Data()
        var all = fields
        if withCSRF, let csrf { all.insert(("_csrf", csrf), at: 0) }
        for (name, value) in all {
            body.append(
                Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        if let file {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(fileType)\r\n\r\n"
                        .utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        let response = try await app.testing().sendRequest(
            .POST, path, headers: headers, body: ByteBuffer(bytes: Array(body)))
        absorb(response)
        return response
    }

    /// Signs in through the real form; returns the response to the POST.
    @discardableResult
    mutating func signIn(_ username: String, password: String = World.password) async throws -> TestingHTTPResponse {
        try await get("/sign-in")
        return try await post("/sign-in", [("username", username), ("password", password), ("next", "/")])
    }

    private mutating func absorb(_ response: TestingHTTPResponse) {
        for value in response.headers[.setCookie] {
            let pair = value.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard let name = parts.first else { continue }
            let cookieValue = parts.count > 1 ? parts[1] : ""
            cookies[name] = cookieValue.isEmpty ? nil : cookieValue
        }
        let html = response.body.string
        if let range = html.range(of: #"name="_csrf" value="([^"]+)""#, options: .regularExpression) {
            let match = String(html[range])
            csrf = match.components(separatedBy: "value=\"").last?.replacingOccurrences(of: "\"", with: "")
        }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension TestingHTTPResponse {
    var location: String? { headers.first(name: .location) }
}
