import Fluent
import Vapor
import VictimCareDomain

/// The tus 1.0 endpoint kits, tus clients and the recording page upload to (`/uploads`): core, creation,
/// creation-defer-length, checksum (sha1, sha256), termination and expiration. Kits send an API token; the
/// browser its session, with the form token in `X-CSRF-Token`.
struct TusController: RouteCollection {
    static let version = "1.0.0"
    static let extensions = "creation,creation-defer-length,checksum,termination,expiration"

    func boot(routes: any RoutesBuilder) throws {
        let uploads = routes.grouped("uploads")
        uploads.on(.OPTIONS, use: options)
            .access(.open("tus discovery: the protocol versions, extensions and limits, as tus clients ask first"))
        uploads.post(use: create).access(.role(.editCrime))
        uploads.on(.HEAD, ":uploadID", use: head).access(.record(.editCrime, .upload("uploadID")))
        uploads.on(.PATCH, ":uploadID", body: .stream, use: patch).access(.record(.editCrime, .upload("uploadID")))
        uploads.delete(":uploadID", use: terminate).access(.record(.editCrime, .upload("uploadID")))
    }

    // MARK: responses

    static func response(
        _ status: HTTPResponseStatus, _ req: Request, headers extra: HTTPHeaders = [:], message: String? = nil
    )
        -> Response
    {
        var headers = extra
        headers.replaceOrAdd(name: "Tus-Resumable", value: version)
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        if let message {
            headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
            return Response(status: status, headers: headers, body: .init(string: message + "\n"))
        }
        return Response(status: status, headers: headers)
    }

    /// Runs a tus operation, answering refusals with the status tus gives them and a plain message.
    static func answering(_ req: Request, _ body: () async throws -> Response) async -> Response {
        do {
            if req.method != .OPTIONS, req.headers.first(name: "Tus-Resumable") != version {
                return response(
                    .preconditionFailed, req, headers: ["Tus-Version": version],
                    message: "This server speaks tus \(version): send Tus-Resumable: \(version).")
            }
            return try await body()
        } catch let error as UploadService.TusError {
            return response(HTTPResponseStatus(statusCode: error.status.rawValue), req, message: error.message)
        } catch let error as DomainError {
            switch error {
            case .notFound: return response(.notFound, req, message: "No such upload or interview.")
            case .forbidden(let message):
                return response(.forbidden, req, headers: ["X-Refusal": "denied"], message: message)
            case .reasonRequired, .reasonRequiredEachTime:
                return response(
                    .forbidden, req, headers: ["X-Refusal": "reason-required-each-time"],
                    message:
                        "This crime belongs to another command unit: each change needs its own reason, sent as X-Access-Reason (at least 10 characters; audited)."
                )
            case .invalid(let problems):
                return response(.badRequest, req, message: problems.map(\.message).joined(separator: " "))
            case .conflict(_, let message): return response(.conflict, req, message: message)
            case .rateLimited: return response(.tooManyRequests, req, message: "Too many requests.")
            }
        } catch let error as Abort {
            return response(error.status, req, message: error.reason)
        } catch {
            req.logger.error("tus: \(String(reflecting: error))")
            return response(.serviceUnavailable, req, message: "The upload could not be stored: try again.")
        }
    }

    static func context(_ req: Request) throws -> AccessContext {
        let reason = req.headers.first(name: "X-Access-Reason").map { String($0.prefix(1000)) }
        if let witness = req.auth.get(ViewingWitness.self) {
            var context = AccessContext(actor: witness.actor, ip: req.clientIP)
            context.uploadPin = witness.interviewID
            return context
        }
        if let user = req.auth.get(User.self) {
            return AccessContext(actor: user.actor, ip: req.clientIP, reason: reason, grantedRecords: req.accessGrants)
        }
        if let token = req.auth.get(APIToken.self) {
            return AccessContext(actor: token.actor, ip: req.clientIP, reason: reason)
        }
        throw Abort(.unauthorized, reason: "Sign in, or send an API token as Authorization: Bearer <token>.")
    }

    static func stateHeaders(_ item: EvidenceItem) -> HTTPHeaders {
        var headers: HTTPHeaders = ["Upload-Offset": String(item.received)]
        if let length = item.length {
            headers.add(name: "Upload-Length", value: String(length))
        } else {
            headers.add(name: "Upload-Defer-Length", value: "1")
        }
        if item.state == .uploading, let expires = item.expiresAt {
            headers.add(name: "Upload-Expires", value: httpDate(expires))
        }
        return headers
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    // MARK: handlers

    @Sendable func options(req: Request) async throws -> Response {
        Self.response(
            .noContent, req,
            headers: [
                "Tus-Version": Self.version, "Tus-Extension": Self.extensions,
                "Tus-Max-Size": String(req.config.evidence.maxBytes), "Tus-Checksum-Algorithm": "sha1,sha256",
            ])
    }

    @Sendable func create(req: Request) async throws -> Response {
        let context = try Self.context(req)
        return await Self.answering(req) {
            if context.uploadPin == nil { try AccessGuard.require(.editCrime, context) }
            let lengthHeader = req.headers.first(name: "Upload-Length")
            let length = try lengthHeader.map { raw -> Int64 in
                guard let value = Int64(raw), value >= 0 else {
                    throw UploadService.TusError(status: .badRequest, message: "Upload-Length must be a whole number.")
                }
                return value
            }
            let deferLength = req.headers.first(name: "Upload-Defer-Length") == "1"
            if length != nil && deferLength {
                throw UploadService.TusError(
                    status: .badRequest, message: "Send Upload-Length or Upload-Defer-Length, not both.")
            }
            if req.headers.first(name: .contentLength).flatMap(Int.init) ?? 0 > 0 {
                throw UploadService.TusError(
                    status: .badRequest, message: "Create the upload first, then send its bytes with PATCH.")
            }
            let metadata = try UploadService.parseMetadata(req.headers.first(name: "Upload-Metadata"))
            let item = try await UploadService.create(
                .init(length: length, deferLength: deferLength, metadata: metadata),
                source: req.auth.has(APIToken.self)
                    ? "kit"
                    : req.auth.has(ViewingWitness.self)
                        ? "browser" : (metadata["source"] == "browser" ? "browser" : "upload"),
                context: context, settings: req.config.evidence, vault: try req.evidenceVault, on: req.db)
            var headers = Self.stateHeaders(item)
            headers.add(name: .location, value: "/uploads/\(item.id!.uuidString.lowercased())")
            return Self.response(.created, req, headers: headers)
        }
    }

    @Sendable func head(req: Request) async throws -> Response {
        let context = try Self.context(req)
        return await Self.answering(req) {
            guard let id = req.parameters.get("uploadID", as: UUID.self) else { throw DomainError.notFound("upload") }
            let item = try await UploadService.status(id, context: context, on: req.db)
            return Self.response(.ok, req, headers: Self.stateHeaders(item))
        }
    }

    @Sendable func patch(req: Request) async throws -> Response {
        let context = try Self.context(req)
        return await Self.answering(req) {
            guard let id = req.parameters.get("uploadID", as: UUID.self) else { throw DomainError.notFound("upload") }
            guard req.headers.contentType?.description.lowercased().hasPrefix("application/offset+octet-stream") == true
            else {
                throw UploadService.TusError(
                    status: .unsupportedMediaType,
                    message: "PATCH bodies are Content-Type: application/offset+octet-stream.")
            }
            guard let offset = req.headers.first(name: "Upload-Offset").flatMap(Int64.init), offset >= 0 else {
                throw UploadService.TusError(status: .badRequest, message: "Send Upload-Offset.")
            }
            let length = try req.headers.first(name: "Upload-Length").map { raw -> Int64 in
                guard let value = Int64(raw), value >= 0 else {
                    throw UploadService.TusError(status: .badRequest, message: "Upload-Length must be a whole number.")
                }
                return value
            }
            let patch = UploadService.Patch(
                offset: offset, contentLength: req.headers.first(name: .contentLength).flatMap(Int64.init),
                checksum: try UploadService.parseChecksum(req.headers.first(name: "Upload-Checksum")), length: length)
            // A PATCH with no body (the last, naming the length of a recording just ended) has no stream.
            let item =
                patch.contentLength == 0
                ? try await UploadService.patch(
                    id, patch, body: NoBytes(), context: context, settings: req.config.evidence,
                    vault: try req.evidenceVault, on: req.db)
                : try await UploadService.patch(
                    id, patch, body: req.body, context: context, settings: req.config.evidence,
                    vault: try req.evidenceVault, on: req.db)
            return Self.response(.noContent, req, headers: Self.stateHeaders(item))
        }
    }

    @Sendable func terminate(req: Request) async throws -> Response {
        let context = try Self.context(req)
        return await Self.answering(req) {
            guard let id = req.parameters.get("uploadID", as: UUID.self) else { throw DomainError.notFound("upload") }
            try await UploadService.terminate(id, context: context, vault: try req.evidenceVault, on: req.db)
            return Self.response(.noContent, req)
        }
    }
}

/// An empty body.
struct NoBytes: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    struct AsyncIterator: AsyncIteratorProtocol {
        mutating func next() async throws -> ByteBuffer? { nil }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}

/// Who is uploading: an API token (kits) or a signed-in session, which must also send the page's form token
/// in `X-CSRF-Token` for anything that changes state. The body is never collected here.
struct TusAuthMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .OPTIONS { return try await next.respond(to: request) }
        // A witness recording their video identification viewing: the cookie their link set, and a header no
        // other site's page can send without asking (so the cookie alone does nothing).
        if request.headers.first(name: "X-Viewing") == "1",
            let cookie = request.cookies[WitnessController.cookie]?.string
        {
            guard let witness = try await ViewingWitness.authenticate(cookie, on: request.db) else {
                return TusController.response(
                    .unauthorized, request, message: "This viewing's link has ended: ask the officer for a new one.")
            }
            request.auth.login(witness)
            return try await next.respond(to: request)
        }
        if let bearer = request.headers.bearerAuthorization {
            guard let token = try await TokenService.authenticate(bearer.token, on: request.db) else {
                return TusController.response(
                    .unauthorized, request, headers: ["WWW-Authenticate": "Bearer"],
                    message: "That API token is not valid.")
            }
            request.auth.login(token)
            return try await next.respond(to: request)
        }
        guard request.auth.has(User.self) else {
            return TusController.response(
                .unauthorized, request, message: "Sign in, or send an API token as Authorization: Bearer <token>.")
        }
        if ![.GET, .HEAD].contains(request.method) {
            guard let sent = request.headers.first(name: "X-CSRF-Token"), let expected = request.expectedCSRFToken,
                Secrets.constantTimeEquals(sent, expected)
            else {
                return TusController.response(
                    .forbidden, request, message: "This form has expired. Go back, reload the page and try again.")
            }
        }
        return try await next.respond(to: request)
    }
}
