import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationEssentialsCompat
import NIOHTTP1

/// The few S3 calls the evidence store makes, path-style, signed with ``SigV4``, over async-http-client:
/// objects (put, get with a range, head, delete, list) and multipart uploads assembled by server-side copy.
struct S3Client: Sendable {
    var endpoint: URL
    var bucket: String
    var signer: SigV4
    var client: HTTPClient = .shared
    var timeout: TimeAmount = .seconds(120)

    struct Failure: Error, CustomStringConvertible {
        var status: UInt
        var operation: String
        var body: String
        var description: String { "S3 \(operation): HTTP \(status) \(body.prefix(300))" }
    }

    struct Reply: Sendable {
        var status: UInt
        var headers: HTTPHeaders
        var body: Data
    }

    func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers extra: [(String, String)] = [],
        body: Data? = nil, operation: String, accept: Set<UInt> = [200, 204, 206]
    ) async throws -> Reply {
        let path = "/\(bucket)" + (key.map { "/\($0)" } ?? "")
        let payloadHash = body.map { SigV4.sha256Hex($0) } ?? SigV4.emptyPayloadHash
        let now = Date()
        var host = endpoint.host ?? "localhost"
        // The Host header leaves out a scheme's default port; the signature must be over the same value.
        if let port = endpoint.port, !(port == 80 && endpoint.scheme == "http"),
            !(port == 443 && endpoint.scheme == "https")
        {
            host += ":\(port)"
        }
        let signedHeaders =
            [
                ("host", host), ("x-amz-date", SigV4.amzDate(now)), ("x-amz-content-sha256", payloadHash),
            ] + extra
        let signed = signer.sign(
            method: method.rawValue, path: path, query: query, headers: signedHeaders, payloadHash: payloadHash,
            date: now)
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = SigV4.encode(path, keepSlash: true)
        if !query.isEmpty {
            components.percentEncodedQuery = query.map {
                "\(SigV4.encode($0.0, keepSlash: false))=\(SigV4.encode($0.1, keepSlash: false))"
            }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: components.string!)
        request.method = method
        for (name, value) in signedHeaders where name != "host" { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Authorization", value: signed.authorization)
        if let body {
            request.body = .bytes(ByteBuffer(data: body))
            request.headers.add(name: "Content-Length", value: String(body.count))
        }
        let response = try await client.execute(request, timeout: timeout)
        let data = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let reply = Reply(status: response.status.code, headers: response.headers, body: Data(buffer: data))
        guard accept.contains(reply.status) else {
            throw Failure(status: reply.status, operation: operation, body: String(decoding: reply.body, as: UTF8.self))
        }
        return reply
    }

    /// Creates the bucket (tests and first set-up; an existing bucket of ours is fine).
    func createBucket() async throws {
        let body =
            signer.region == "us-east-1"
            ? nil
            : Data(
                "<CreateBucketConfiguration><LocationConstraint>\(signer.region)</LocationConstraint></CreateBucketConfiguration>"
                    .utf8)
        _ = try await send(.PUT, key: nil, body: body, operation: "CreateBucket", accept: [200, 409])
    }

    /// Removes every object and the bucket itself (tests of an outage).
    func deleteEverything() async throws {
        for object in try await list(prefix: "") { try await delete(object.key) }
        _ = try await send(.DELETE, key: nil, operation: "DeleteBucket", accept: [200, 204, 404])
    }

    func put(_ key: String, _ data: Data) async throws {
        _ = try await send(.PUT, key: key, body: data, operation: "PutObject")
    }

    /// The object's bytes (a range of them), or nil when there is no such object.
    func get(_ key: String, range: ClosedRange<Int64>? = nil) async throws -> Data? {
        let headers = range.map { [("range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
        let reply = try await send(.GET, key: key, headers: headers, operation: "GetObject", accept: [200, 206, 404])
        return reply.status == 404 ? nil : reply.body
    }

    func size(_ key: String) async throws -> Int64? {
        let reply = try await send(.HEAD, key: key, operation: "HeadObject", accept: [200, 404])
        return reply.status == 404 ? nil : reply.headers.first(name: "Content-Length").flatMap(Int64.init)
    }

    func delete(_ key: String) async throws {
        _ = try await send(.DELETE, key: key, operation: "DeleteObject", accept: [200, 204, 404])
    }

    /// Every key under a prefix, with sizes.
    func list(prefix: String) async throws -> [(key: String, size: Int64)] {
        var result: [(String, Int64)] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let reply = try await send(.GET, key: nil, query: query, operation: "ListObjectsV2")
            let xml = String(decoding: reply.body, as: UTF8.self)
            for block in Self.elements("Contents", in: xml) {
                if let key = Self.elements("Key", in: block).first, let size = Self.elements("Size", in: block).first {
                    result.append((Self.unescape(key), Int64(size) ?? 0))
                }
            }
            token =
                Self.elements("IsTruncated", in: xml).first == "true"
                ? Self.elements("NextContinuationToken", in: xml).first.map(Self.unescape) : nil
        } while token != nil
        return result
    }

    func createMultipartUpload(_ key: String) async throws -> String {
        let reply = try await send(.POST, key: key, query: [("uploads", "")], operation: "CreateMultipartUpload")
        guard let id = Self.elements("UploadId", in: String(decoding: reply.body, as: UTF8.self)).first else {
            throw Failure(status: reply.status, operation: "CreateMultipartUpload", body: "no UploadId")
        }
        return Self.unescape(id)
    }

    /// Copies another object whole as one part (server-side: no bytes pass through the application).
    func uploadPartCopy(_ key: String, uploadID: String, part: Int, source: String) async throws -> String {
        let reply = try await send(
            .PUT, key: key, query: [("partNumber", String(part)), ("uploadId", uploadID)],
            headers: [("x-amz-copy-source", "/\(bucket)/\(source)")], operation: "UploadPartCopy")
        guard let etag = Self.elements("ETag", in: String(decoding: reply.body, as: UTF8.self)).first else {
            throw Failure(status: reply.status, operation: "UploadPartCopy", body: "no ETag")
        }
        return Self.unescape(etag)
    }

    func uploadPart(_ key: String, uploadID: String, part: Int, data: Data) async throws -> String {
        let reply = try await send(
            .PUT, key: key, query: [("partNumber", String(part)), ("uploadId", uploadID)], body: data,
            operation: "UploadPart")
        guard let etag = reply.headers.first(name: "ETag") else {
            throw Failure(status: reply.status, operation: "UploadPart", body: "no ETag")
        }
        return etag
    }

    func completeMultipartUpload(_ key: String, uploadID: String, parts: [(Int, String)]) async throws {
        let xml =
            "<CompleteMultipartUpload>"
            + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(Self.escape($0.1))</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
        let reply = try await send(
            .POST, key: key, query: [("uploadId", uploadID)], body: Data(xml.utf8), operation: "CompleteMultipartUpload"
        )
        if String(decoding: reply.body, as: UTF8.self).contains("<Error>") {
            throw Failure(
                status: reply.status, operation: "CompleteMultipartUpload",
                body: String(decoding: reply.body, as: UTF8.self))
        }
    }

    func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        _ = try await send(
            .DELETE, key: key, query: [("uploadId", uploadID)], operation: "AbortMultipartUpload",
            accept: [200, 204, 404])
    }

    // MARK: the little XML S3 answers with

    static func elements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>"),
            let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex)
        {
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
