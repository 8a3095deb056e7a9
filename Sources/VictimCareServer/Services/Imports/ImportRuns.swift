import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import VictimCareDomain

/// Import runs as the upload page shows them, and the uploads this node is working through.
enum ImportRuns {
    struct Run: Decodable, Sendable {
        var id: UUID
        var source: String
        var file_name: String
        var state: String
        var started_at: Date
        var finished_at: Date?
        var heartbeat_at: Date
        var by_name: String
        var bytes: Int
        var bytes_read: Int
        var rows: Int
        var created: Int
        var updated: Int
        var unchanged: Int
        var rejected: Int
        var message: String?

        /// Still marked running but silent for two minutes: the process working on it stopped.
        func stalled(now: Date = Date()) -> Bool {
            state == "running" && now.timeIntervalSince(heartbeat_at) > 120
        }
    }

    static let columns = [
        "id", "source", "file_name", "state", "started_at", "finished_at", "heartbeat_at", "by_name", "bytes",
        "bytes_read", "rows", "created", "updated", "unchanged", "rejected", "message",
    ]

    /// A bulk import still running (heard from in the last two minutes), if there is one.
    static func runningBulkLoad(on db: any Database) async throws -> UUID? {
        struct Row: Decodable { var id: UUID }
        return try await (db as! any SQLDatabase).select().column("id").from("import_runs")
            .where("bulk", .equal, true).where("state", .equal, "running")
            .where("heartbeat_at", .greaterThan, Date().addingTimeInterval(-120))
            .limit(1).first(decoding: Row.self)?.id
    }

    static func recent(limit: Int = 50, context: AccessContext, on db: any Database) async throws -> [Run] {
        try AccessGuard.require(.importRecords, context)
        return try await (db as! any SQLDatabase).select().columns(columns.map { SQLIdentifier($0) })
            .from("import_runs").orderBy("started_at", .descending).limit(limit).all(decoding: Run.self)
    }

    static func find(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Run {
        try AccessGuard.require(.importRecords, context)
        guard
            let run = try await (db as! any SQLDatabase).select().columns(columns.map { SQLIdentifier($0) })
                .from("import_runs").where("id", .equal, id).first(decoding: Run.self)
        else { throw DomainError.notFound("import") }
        return run
    }

    struct Problem: Codable, Sendable {
        var line: Int
        var reason: String
    }

    /// The run's bad rows in line order; `limit` nil for all of them (the CSV download).
    static func problems(_ runID: UUID, limit: Int?, context: AccessContext, on db: any Database) async throws
        -> [Problem]
    {
        try AccessGuard.require(.importRecords, context)
        var query = (db as! any SQLDatabase).select().columns("line", "reason").from("import_problems")
            .where("run_id", .equal, runID).orderBy("line")
        if let limit { query = query.limit(limit) }
        return try await query.all(decoding: Problem.self)
    }
}

/// Uploaded files being imported in the background on this node. Shutdown waits for them; an interrupted
/// run shows as stalled, and uploading the same file again finishes it (rows already in are unchanged).
final class ImportWorkers: Sendable {
    private let tasks = NIOLockedValueBox<[UUID: Task<Void, Never>]>([:])

    func start(
        _ importer: CrimeImport, path: String, runID: UUID, app: Application
    ) {
        let task = Task {
            do {
                _ = try await importer.run(path: path, runID: runID, on: app.db)
            } catch {
                // The run is marked failed with the reason; the log says which, without any row's content.
                app.logger.error("import failed", metadata: ["run": "\(runID)", "error": "\(type(of: error))"])
            }
            try? FileManager.default.removeItem(atPath: path)
            self.tasks.withLockedValue { _ = $0.removeValue(forKey: runID) }
        }
        tasks.withLockedValue { $0[runID] = task }
    }

    /// Waits for every running import (tests, and shutdown).
    func wait() async {
        for task in tasks.withLockedValue({ Array($0.values) }) { await task.value }
    }
}

extension Application {
    private struct ImportWorkersKey: StorageKey {
        typealias Value = ImportWorkers
    }

    private struct WaitForImports: LifecycleHandler {
        func shutdownAsync(_ app: Application) async { await app.importWorkers.wait() }
    }

    /// Made once at configuration, before any request can ask for it.
    func startImportWorkers() {
        storage[ImportWorkersKey.self] = ImportWorkers()
        lifecycle.use(WaitForImports())
    }

    var importWorkers: ImportWorkers { storage[ImportWorkersKey.self]! }
}
