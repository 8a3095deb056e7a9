import Fluent
import Foundation
import MultipartKit
import NIOCore
import Vapor
import VictimCareDomain

/// Administrators upload a records system's extract; it is streamed to disk as it arrives (never held in
/// memory), imported in the background, and its page shows progress and every bad row.
struct ImportsController: RouteCollection {
    static let uploadPath = "/admin/imports"

    func boot(routes: any RoutesBuilder) throws {
        let imports = routes.grouped("admin", "imports")
        imports.get(use: index).access(.role(.importRecords))
        // The body streams: the CSRF token is checked here, from the form's first part.
        imports.on(.POST, body: .stream, use: upload).access(.role(.importRecords))
        imports.get(":runID", use: show).access(.role(.importRecords))
        imports.get(":runID", "progress", use: progress).access(.role(.importRecords))
        imports.get(":runID", "problems.csv", use: problemsCSV).access(.role(.importRecords))
    }

    struct RunLine: Encodable {
        var id: UUID
        var started: String
        var file: String
        var source: String
        var by: String
        var state: String
        var rows: Int
        var created: Int
        var updated: Int
        var unchanged: Int
        var rejected: Int
        var percent: Int
        var running: Bool
        var stalled: Bool
        var message: String?

        init(_ run: ImportRuns.Run) {
            id = run.id
            started = Display.time(run.started_at)
            file = run.file_name
            source = run.source
            by = run.by_name
            stalled = run.stalled()
            state = stalled ? "stalled" : run.state
            rows = run.rows
            created = run.created
            updated = run.updated
            unchanged = run.unchanged
            rejected = run.rejected
            percent = run.bytes > 0 ? min(100, run.bytes_read * 100 / run.bytes) : (run.state == "running" ? 0 : 100)
            running = run.state == "running" && !stalled
            message = run.message
        }
    }

    struct IndexContext: Encodable {
        var chrome: Chrome
        var runs: [RunLine]
        var source: String
        var maxMegabytes: Int
        var error: String?
    }

    @Sendable func index(req: Request) async throws -> Response {
        try await page(req, error: nil, status: .ok)
    }

    private func page(_ req: Request, error: String?, status: HTTPStatus) async throws -> Response {
        let runs = try await ImportRuns.recent(context: try req.accessContext(), on: req.db)
        let response = try await req.render(
            "Admin/imports",
            IndexContext(
                chrome: Chrome(
                    req, title: error == nil ? "Imports" : "Error: Imports", section: "admin",
                    errors: error.map { [FieldError(field: "file", message: $0)] } ?? []),
                runs: runs.map(RunLine.init), source: req.config.importSource,
                maxMegabytes: req.config.importMaxMegabytes, error: error))
        response.status = status
        return response
    }

    struct ShowContext: Encodable {
        var chrome: Chrome
        var run: RunLine
        var problems: [ImportRuns.Problem]
        var more: Int
    }

    @Sendable func show(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let run = try await ImportRuns.find(try req.uuid("runID"), context: context, on: req.db)
        let problems = try await ImportRuns.problems(run.id, limit: 500, context: context, on: req.db)
        return try await req.render(
            "Admin/import",
            ShowContext(
                chrome: Chrome(req, title: "Import of \(run.file_name)", section: "admin"), run: RunLine(run),
                problems: problems, more: max(0, run.rejected - problems.count)))
    }

    /// What the page's script polls while the run is going.
    @Sendable func progress(req: Request) async throws -> Response {
        let run = RunLine(
            try await ImportRuns.find(try req.uuid("runID"), context: try req.accessContext(), on: req.db))
        let response = Response(status: .ok, body: .init(data: try JSONEncoder().encode(run)))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable func problemsCSV(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let run = try await ImportRuns.find(try req.uuid("runID"), context: context, on: req.db)
        let problems = try await ImportRuns.problems(run.id, limit: nil, context: context, on: req.db)
        var text = CSV.byteOrderMark + "line,reason\r\n"
        for problem in problems {
            text += CSV.line([String(problem.line), problem.reason]) + "\r\n"
        }
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = CSV.mediaType
        response.headers.contentDisposition = .init(.attachment, filename: "import-\(run.id)-problems.csv")
        return response
    }

    // MARK: - Upload

    /// The upload could not be written to the server's disk: said plainly, nothing imported, the server kept running.
    private func notStored(_ req: Request, _ error: any Error) async throws -> Response {
        let failure = error as? UploadReceiver.NotStored ?? UploadReceiver.NotStored(cause: error)
        req.logger.error(
            "import upload could not be stored",
            metadata: [
                "cause_type": "\(failure.cause.map { "\(type(of: $0))" } ?? "none")",
                "posix_code": "\(failure.posixCode.map(String.init) ?? "none")",
            ])
        if failure.noRoom {
            return try await page(
                req,
                error:
                    "The server has no room to store this file just now, so nothing was imported. Tell your system administrator, then upload it again.",
                status: .insufficientStorage)
        }
        return try await page(
            req,
            error:
                "The server could not store this file, so nothing was imported. Tell your system administrator, then upload it again.",
            status: .serviceUnavailable)
    }

    @Sendable func upload(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.importRecords, context)
        guard let boundary = req.headers.contentType?.parameters["boundary"],
            req.headers.contentType?.subType == "form-data"
        else { throw Abort(.unsupportedMediaType, reason: "Send the file from the upload form") }
        let directory = req.config.importDirectory
        let runFileID = UUID.random()
        let path = "\(directory)/upload-\(runFileID.uuidString.lowercased()).csv"
        let receiver: UploadReceiver
        do {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw UploadReceiver.NotStored(cause: error)
            }
            receiver = try UploadReceiver(
                path: path, expectedToken: req.csrfToken, maxBytes: req.config.importMaxMegabytes * 1_048_576)
        } catch {
            return try await notStored(req, error)
        }
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in receiver.header(name, value) }
        parser.onBody = { buffer in receiver.body(&buffer) }
        parser.onPartComplete = { receiver.partComplete() }
        do {
            for try await chunk in req.body {
                try parser.execute(chunk)
                if let refusal = receiver.refusal { throw refusal }
            }
            try receiver.finish()
        } catch {
            receiver.discard()
            if let abort = error as? Abort, abort.status == .forbidden { throw abort }
            if let refusal = error as? UploadReceiver.Refusal {
                return try await page(req, error: refusal.message, status: .unprocessableEntity)
            }
            if error is UploadReceiver.NotStored { return try await notStored(req, error) }
            return try await page(req, error: "The upload did not arrive whole; try again", status: .badRequest)
        }
        let source = receiver.source ?? req.config.importSource
        guard CrimeImport.validSource(source) else {
            receiver.discard()
            return try await page(
                req, error: "Records system must be 1 to 32 letters, digits, - or _", status: .unprocessableEntity)
        }
        let runID = try await CrimeImport.begin(
            source: source, fileName: receiver.fileName ?? "upload.csv", bytes: receiver.bytes,
            byName: context.actor.name, on: req.db)
        try await AuditLog.record(
            .create, "import_run", runID, summary: "upload of \(receiver.bytes) bytes from \(source)", context: context,
            on: req.db)
        let importer = CrimeImport(
            source: source,
            context: AccessContext(
                actor: Actor(
                    id: context.actor.id, kind: .system, role: .administrator, commandUnitID: nil,
                    name: "import \(source) (\(context.actor.name))"), ip: context.ip))
        req.application.importWorkers.start(importer, path: path, runID: runID, app: req.application)
        return req.redirect(to: "/admin/imports/\(runID)", redirectType: .normal)
    }
}

/// Receives the upload form's parts as they stream in: the CSRF token and the records system as small
/// fields, the file straight to disk.
final class UploadReceiver: @unchecked Sendable {
    struct Refusal: Error {
        var message: String
    }

    /// The file could not be written to the server's disk (full, or failing): the server's fault, not the upload's.
    struct NotStored: Error {
        var cause: (any Error)?

        /// The system's error number under the cause, if it says one.
        var posixCode: Int? {
            guard let cause else { return nil }
            if let posix = cause as? POSIXError { return Int(posix.code.rawValue) }
            let ns = cause as NSError
            if ns.domain == NSPOSIXErrorDomain { return ns.code }
            if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return underlying.code
            }
            return nil
        }

        /// The disk (or the user's quota on it) is full.
        var noRoom: Bool {
            if let code = posixCode { return code == Int(ENOSPC) || code == Int(EDQUOT) }
            return (cause as? CocoaError)?.code == .fileWriteOutOfSpace
        }
    }

    private let handle: FileHandle
    private let path: String
    private let expectedToken: String
    private let maxBytes: Int
    private var part: String?
    private var value = ""
    private var token: String?
    private(set) var source: String?
    private(set) var fileName: String?
    private(set) var bytes = 0
    private(set) var sawFile = false
    private(set) var refusal: (any Error)?

    convenience init(path: String, expectedToken: String, maxBytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            chmod(path, 0o600) == 0,
            let handle = FileHandle(forWritingAtPath: path)
        else { throw NotStored(cause: nil) }
        self.init(handle: handle, path: path, expectedToken: expectedToken, maxBytes: maxBytes)
    }

    /// Writes the file to `handle` (tests give it one that fails).
    init(handle: FileHandle, path: String, expectedToken: String, maxBytes: Int) {
        self.handle = handle
        self.path = path
        self.expectedToken = expectedToken
        self.maxBytes = maxBytes
    }

    func header(_ name: String, _ value: String) {
        guard name.lowercased() == "content-disposition" else { return }
        part = Self.parameter("name", in: value)
        if part == "file" {
            fileName = Self.parameter("filename", in: value).map { String($0.prefix(200)) }
            // The token comes first in the form; a file before it is refused unread.
            if let token, Secrets.constantTimeEquals(token, expectedToken) {
                sawFile = true
            } else {
                refusal = Abort(.forbidden, reason: "This form has expired. Go back, reload the page and try again.")
            }
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard refusal == nil else { return }
        if part == "file" {
            bytes += buffer.readableBytes
            if bytes > maxBytes {
                refusal = Refusal(
                    message: "The file is larger than \(maxBytes / 1_048_576) MB; import it with the command line")
                return
            }
            // The throwing write: Foundation's `write(_: Data)` stops the whole server on a full disk.
            if let chunk = buffer.readBytes(length: buffer.readableBytes) {
                do { try handle.write(contentsOf: chunk) } catch { refusal = NotStored(cause: error) }
            }
        } else if value.utf8.count < 1024, let text = buffer.readString(length: buffer.readableBytes) {
            value += text
        }
    }

    func partComplete() {
        switch part {
        case CSRFMiddleware.field: token = value
        case "source": source = value.trimmingWhitespace().isEmpty ? nil : value
        default: break
        }
        part = nil
        value = ""
    }

    func finish() throws {
        do { try handle.close() } catch { throw NotStored(cause: error) }
        if let refusal { throw refusal }
        guard sawFile, bytes > 0 else { throw Refusal(message: "Choose a CSV file to import") }
    }

    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `name="file"` from a Content-Disposition value.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.trimmingWhitespace()
            guard pair.hasPrefix(key + "=") else { continue }
            var value = String(pair.dropFirst(key.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }
}
