import AsyncKit
import Leaf
import LeafKit
import PostgresNIO
import SQLiteNIO
import Vapor
import VictimCareDomain

/// The one place errors become responses: problem details under `/api`, an error page elsewhere.
/// Internals never reach the client; the log gets the error's type and the request id, not its text.
struct AppErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await response(for: error, request: request)
        }
    }

    struct Mapped {
        var status: HTTPResponseStatus
        var type: String
        var title: String
        var detail: String?
        var fields: [FieldError]?
        var headers: HTTPHeaders = [:]
    }

    static func map(_ error: any Error) -> Mapped {
        switch error {
        case let error as DomainError:
            switch error {
            case .invalid(let fields):
                return Mapped(
                    status: .unprocessableEntity, type: "validation", title: "Some details need correcting",
                    detail: fields.map(\.message).joined(separator: "; "), fields: fields)
            case .notFound(let what):
                return Mapped(
                    status: .notFound, type: "not-found", title: "Not found", detail: "No \(what) has that id")
            case .forbidden(let why):
                return Mapped(status: .forbidden, type: "forbidden", title: "Not allowed", detail: why)
            case .reasonRequired(let type, _):
                return Mapped(
                    status: .forbidden, type: "reason-required", title: "A reason is needed",
                    detail:
                        "This \(type) belongs to another command unit. Say why you need it in the X-Access-Reason header (at least 10 characters); the reason is audited."
                )
            case .reasonRequiredEachTime(let type, _):
                return Mapped(
                    status: .forbidden, type: "reason-required-each-time", title: "A reason is needed for this change",
                    detail:
                        "This \(type) belongs to another command unit. Each change to it needs its own reason (at least 10 characters), sent with the change (X-Access-Reason, or the form's reason box); a reason given to read it does not cover changes."
                )
            case .conflict(let field, let message):
                return Mapped(
                    status: .conflict, type: "conflict", title: "Already exists", detail: message,
                    fields: [FieldError(field: field, message: message)])
            case .rateLimited(let seconds):
                return Mapped(
                    status: .tooManyRequests, type: "rate-limited", title: "Too many requests",
                    detail: "Try again in \(seconds) seconds", headers: ["Retry-After": "\(seconds)"])
            }
        case let error as DecodingError:
            return mapDecoding(error)
        case let error as PSQLError where Self.isTransient(error):
            // PostgreSQL chose this request's transaction to end a deadlock (or a serialization conflict): it was
            // rolled back whole, and trying again will work.
            return busy(retryAfter: 1)
        case is ConnectionPoolTimeoutError:
            // Every database connection of this node stayed busy past the pool's wait (a burst of requests). What the
            // request had already committed stays, so it does not say "nothing was saved".
            return Mapped(
                status: .serviceUnavailable, type: "busy", title: "Busy",
                detail:
                    "The service is busy: try again in a moment. If you were saving something, check whether it was saved before sending it again.",
                headers: ["Retry-After": "2"])
        case let error as SQLiteError where Self.isBusy(error):
            // Another process (a command beside the server) held SQLite's write lock past the busy timeout: nothing
            // of this request was saved, and trying again will work.
            return busy(retryAfter: 2)
        case let abort as any AbortError:
            return Mapped(
                status: abort.status, type: "http-\(abort.status.code)", title: abort.status.reasonPhrase,
                detail: abort.reason, headers: abort.headers)
        default:
            return Mapped(
                status: .internalServerError, type: "internal", title: "Something went wrong",
                detail: "The error has been logged. Try again, and tell the service desk if it keeps happening.")
        }
    }

    private static func busy(retryAfter seconds: Int) -> Mapped {
        Mapped(
            status: .serviceUnavailable, type: "busy", title: "Busy",
            detail: "The database is busy. Nothing was saved: try again in a moment.",
            headers: ["Retry-After": "\(seconds)"])
    }

    /// SQLite's answers that mean "another writer, try again": busy (past the timeout), locked, or a snapshot
    /// too old to write from.
    static func isBusy(_ error: SQLiteError) -> Bool {
        switch error.reason {
        case .busy, .busyTimeout, .busyInSnapshot, .busyInRecovery, .locked: true
        default: false
        }
    }

    /// PostgreSQL's answers that mean "rolled back, try again": a deadlock, a serialization failure, a lock not
    /// available.
    static func isTransient(_ error: PSQLError) -> Bool {
        ["40P01", "40001", "55P03"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    private static func mapDecoding(_ error: DecodingError) -> Mapped {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        let field: String
        let message: String
        switch error {
        case .keyNotFound(let key, let context):
            field = ([path(context)].filter { !$0.isEmpty } + [key.stringValue]).joined(separator: ".")
            message = "\(field) is required"
        case .typeMismatch(let type, let context):
            field = path(context)
            message = "\(field) must be \(describe(type))"
        case .valueNotFound(let type, let context):
            field = path(context)
            message = "\(field) must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            field = path(context)
            if field.isEmpty {
                return Mapped(
                    status: .badRequest, type: "malformed", title: "The request body could not be read",
                    detail: "Send a JSON object")
            }
            message = "\(field): \(context.debugDescription)"
        @unknown default:
            return Mapped(status: .badRequest, type: "malformed", title: "The request body could not be read")
        }
        return Mapped(
            status: .unprocessableEntity, type: "validation", title: "Some details need correcting", detail: message,
            fields: [FieldError(field: field, message: message)])
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "a list"
        default: "an object"
        }
    }

    private func response(for error: any Error, request: Request) async -> Response {
        let mapped = Self.map(error)
        if mapped.status == .internalServerError {
            var metadata: Logger.Metadata = ["error_type": "\(type(of: error))"]
            // A template fault names the template and the tag, never data, so it is safe to log in full.
            if let leaf = error as? LeafError { metadata["template_error"] = "\(leaf.description)" }
            request.logger.error("unhandled error", metadata: metadata)
        } else {
            request.logger.debug(
                "request refused", metadata: ["status": "\(mapped.status.code)", "problem": "\(mapped.type)"])
        }
        if request.url.path.hasPrefix("/api/") || request.url.path == "/api" {
            return problemResponse(mapped, request: request)
        }
        if case DomainError.reasonRequired(let type, let id) = error, request.method == .GET {
            return request.redirect(
                to:
                    "/access/\(type)/\(id)?next=\(request.url.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/")"
            )
        }
        return await errorPage(mapped, request: request)
    }

    private func problemResponse(_ mapped: Mapped, request: Request) -> Response {
        let problem = ProblemDetails(
            type: "https://victimcare.example/problems/\(mapped.type)", title: mapped.title,
            status: Int(mapped.status.code),
            detail: mapped.detail, instance: request.url.path, errors: mapped.fields)
        var headers = mapped.headers
        headers.contentType = ProblemDetails.defaultContentType
        let body = (try? JSONEncoder().encode(problem)) ?? Data()
        return Response(status: mapped.status, headers: headers, body: .init(data: body))
    }

    struct FormField: Encodable {
        var name: String
        var value: String
    }

    /// The fields of a form sent with `application/x-www-form-urlencoded`, in order, repeated names kept; nil for
    /// any other body, or a form carrying a password (never written back into a page).
    static func formFields(of request: Request) -> [FormField]? {
        guard request.method == .POST, request.headers.contentType == .urlEncodedForm,
            let body = request.body.string, !body.isEmpty
        else { return nil }
        var fields: [FormField] = []
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String? {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decoded(parts[0]), let value = parts.count > 1 ? decoded(parts[1]) : "" else { return nil }
            let lowered = name.lowercased()
            if lowered.contains("password") || lowered.contains("passphrase") { return nil }
            fields.append(FormField(name: name, value: value))
        }
        return fields.isEmpty ? nil : fields
    }

    private func errorPage(_ mapped: Mapped, request: Request) async -> Response {
        struct Context: Encodable {
            var chrome: Chrome
            var status: UInt
            var message: String
            /// A form refused only because the database was busy, kept on the page to send again (nothing lost).
            var resend: [FormField]?
            var resendTo: String?
            var hasResend: Bool
        }
        let resend = mapped.type == "busy" ? Self.formFields(of: request) : nil
        let context = Context(
            chrome: Chrome(request, title: mapped.status == .notFound ? "Page not found" : mapped.title),
            status: mapped.status.code,
            message: mapped.status == .notFound
                ? "Check the address, or go back and try again." : (mapped.detail ?? ""),
            resend: resend, resendTo: resend == nil ? nil : request.url.string, hasResend: resend != nil
        )
        do {
            let response = try await request.view.render("Errors/error", context).encodeResponse(for: request)
            response.status = mapped.status
            for (name, value) in mapped.headers { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        } catch {
            return Response(status: mapped.status, body: .init(string: "\(mapped.status.code) \(mapped.title)"))
        }
    }
}
