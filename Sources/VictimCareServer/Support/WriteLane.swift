import FluentKit
import FluentSQLiteDriver
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import SQLiteNIO
import Vapor

/// SQLite's one writer lane (issue 17). SQLite lets one connection write at a time; this process has one
/// connection per event loop, all doing their blocking work on a small shared thread pool. Without a lane,
/// writers met inside SQLite: the one that lost waited in a busy handler *on a pool thread*, and a transaction
/// that read before it wrote failed outright when another connection had committed meanwhile
/// (`SQLITE_BUSY_SNAPSHOT`: a deferred transaction cannot upgrade a stale snapshot). Under contention, both pool
/// threads could be held by waiters while the transactions they waited for needed a thread to finish (the hang
/// the fresh-clone suite met on 2026-12-01).
///
/// With the lane, every write in the process queues here first, without holding a thread or a connection,
/// then runs on a connection kept for writing (one per event loop, used only by the lane's holder, so always free
/// to it): a transaction holds the lane from `BEGIN IMMEDIATE` to its end; a single write outside a transaction
/// holds it for that statement. Reads never take it and run on their own connections (WAL lets them run beside the writer). A wait longer than
/// `SQLITE_LANE_MS` (60 s: a burst of writers queues, it is not refused; only a writer that never finishes makes
/// the others wait that long) ends in 503 "busy, try again". Another process on the same
/// file (a command beside the server) still meets this one in SQLite's own busy handler, which sleeps; because
/// transactions begin `IMMEDIATE`, they take the write lock before reading and never fail to upgrade.
///
/// The order is always lane, then connection: nothing holding a connection outside the lane waits for the lane
/// (a connection lent out whole takes the lane first), so the two cannot deadlock.
final class WriteLane: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var held = false
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// Writers between deciding to wait and joining the queue; an error if their wait ended in that gap (timed
        /// out or cancelled).
        var arriving: [UInt64: (any Error)?] = [:]
        var queuedHighWater = 0
    }

    private let state = NIOLockedValueBox(State())
    let timeout: Duration

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// The most writers that have waited at once since the lane was made (for tests and diagnosis).
    var queuedHighWater: Int { state.withLockedValue { $0.queuedHighWater } }

    /// The writers waiting now.
    var waiting: Int { state.withLockedValue { $0.waiters.count } }

    /// Whether a writer is in the lane now.
    var isHeld: Bool { state.withLockedValue { $0.held } }

    func run<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id: UInt64? = state.withLockedValue { state in
            if !state.held {
                state.held = true
                return nil
            }
            state.nextID += 1
            state.arriving[state.nextID] = .some(nil)
            return state.nextID
        }
        guard let id else { return }
        let timeout = self.timeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.end(id, WriteLaneBusy())
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Bool, any Error> = state.withLockedValue { state in
                    if let entry = state.arriving.removeValue(forKey: id), let error = entry {
                        return .failure(error)
                    }
                    if !state.held {
                        state.held = true
                        return .success(true)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    state.queuedHighWater = max(state.queuedHighWater, state.waiters.count)
                    return .success(false)
                }
                switch outcome {
                case .failure(let error): continuation.resume(throwing: error)
                case .success(true): continuation.resume()
                case .success(false): break
                }
            }
        } onCancel: {
            end(id, CancellationError())
        }
    }

    private func release() {
        let next: Waiter? = state.withLockedValue { state in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            // Handed straight to the next in line: the lane stays held.
            return state.waiters.removeFirst()
        }
        next?.continuation.resume()
    }

    /// Ends a wait that timed out or was cancelled: taken out of the queue, or stopped from joining it. A writer
    /// already served is not affected.
    private func end(_ id: UInt64, _ error: any Error) {
        let ended: Waiter? = state.withLockedValue { state in
            if let index = state.waiters.firstIndex(where: { $0.id == id }) { return state.waiters.remove(at: index) }
            if state.arriving[id] != nil { state.arriving[id] = .some(error) }
            return nil
        }
        ended?.continuation.resume(throwing: error)
    }
}

/// A write waited longer than the lane's timeout for the writers before it.
struct WriteLaneBusy: AbortError, DebuggableError {
    var status: HTTPResponseStatus { .serviceUnavailable }
    var reason: String { "The database is busy. Try again in a moment." }
    var headers: HTTPHeaders { ["Retry-After": "2"] }
    var identifier: String { "write-lane-busy" }
}

/// Whether a statement only reads: `SELECT`, `EXPLAIN`, `VALUES`, a `PRAGMA` that only reports, or a `WITH`
/// that does not go on to change rows. Anything else (a leading comment included) is treated as a write.
enum StatementKind {
    static func isRead(_ text: String) -> Bool {
        var word = ""
        for scalar in text.unicodeScalars {
            if scalar == "(" || scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" {
                if word.isEmpty { continue }
                break
            }
            word.unicodeScalars.append(scalar)
            if word.unicodeScalars.count > 8 { break }
        }
        switch word.uppercased() {
        case "SELECT", "EXPLAIN", "VALUES": return true
        case "PRAGMA":
            // `PRAGMA name` or `PRAGMA name(argument)` for the ones that only report; setting one, or one that works
            // (optimize, checkpoints, vacuum), is a write.
            let upper = text.uppercased()
            return !upper.contains("=")
                && !["OPTIMIZE", "CHECKPOINT", "VACUUM", "SHRINK", "JOURNAL_MODE", "USER_VERSION"].contains {
                    upper.contains($0)
                }
        case "WITH":
            let upper = text.uppercased()
            return !["INSERT", "UPDATE", "DELETE", "REPLACE"].contains { upper.contains($0) }
        default: return false
        }
    }

    static func isRead(_ expression: any SQLExpression, serializer database: any SQLDatabase) -> Bool {
        switch expression {
        case is SQLSelect, is SQLUnion: true
        case is SQLInsert, is SQLUpdate, is SQLDelete: false
        default: isRead(database.serialize(expression).sql)
        }
    }
}

/// An SQLite database whose writes go through the process's `WriteLane`, on connections kept for writing, and
/// whose transactions begin `IMMEDIATE`. Reads go to the reading connections (one per event loop), so a writer
/// that has the lane never waits behind them for a connection.
struct LanedSQLiteDatabase: Database, SQLDatabase, SQLiteDatabase {
    typealias Inner = any Database & SQLDatabase & SQLiteDatabase

    /// Where reads go: the reading pool, or (inside a transaction or a lent connection) the one connection.
    let reader: Inner
    /// The pool for reads that run for seconds (`longReads`): one more connection per event loop, so that a report
    /// never holds the connection every other read on its loop queues for. Nil on a pinned handle.
    let reports: Inner?
    /// Where writes go, with the lane held: the writing pool, or the one connection.
    let writer: Inner
    let lane: WriteLane
    /// This handle already holds the lane (a transaction, or a connection lent out whole).
    let holdsLane: Bool
    let inTransaction: Bool

    /// A handle on one writing connection, already holding the lane.
    private func pinned(_ connection: Inner, inTransaction: Bool) -> LanedSQLiteDatabase {
        LanedSQLiteDatabase(
            reader: connection, reports: nil, writer: connection, lane: lane, holdsLane: true,
            inTransaction: inTransaction)
    }

    private func laned<T>(_ body: () async throws -> T) async throws -> T {
        holdsLane ? try await body() : try await lane.run(body)
    }

    /// The lane, then a writing connection for the whole of `body`.
    private func lent<T>(_ body: @escaping @Sendable (Inner) async throws -> T) async throws -> T {
        try await laned {
            try await (writer as any Database).withConnection { connection -> EventLoopFuture<T> in
                guard let connection = connection as? Inner else {
                    return connection.eventLoop.makeFailedFuture(WriteLaneUnsupported())
                }
                return connection.eventLoop.makeFutureWithTask { try await body(connection) }
            }.get()
        }
    }

    /// The reading, reporting and writing connections' own handles on this event loop, to set each connection up.
    var connections: [any SQLDatabase] { [reader] + (reports.map { [$0] } ?? []) + [writer] }

    /// This handle with its reads sent to the reports' connection. Inside a transaction or a lent connection, the
    /// handle itself: its reads must see its own writes.
    var longReads: LanedSQLiteDatabase {
        guard let reports, !holdsLane else { return self }
        return LanedSQLiteDatabase(
            reader: reports, reports: reports, writer: writer, lane: lane, holdsLane: false, inTransaction: false)
    }

    // MARK: Database

    var context: DatabaseContext { reader.context }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void)
        -> EventLoopFuture<Void>
    {
        switch query.action {
        case .read, .aggregate:
            return reader.execute(query: query, onOutput: onOutput)
        case .create, .update, .delete, .custom:
            if holdsLane { return writer.execute(query: query, onOutput: onOutput) }
            return writer.eventLoop.makeFutureWithTask {
                try await lane.run { try await writer.execute(query: query, onOutput: onOutput).get() }
            }
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        if holdsLane { return writer.execute(schema: schema) }
        return writer.eventLoop.makeFutureWithTask {
            try await lane.run { try await writer.execute(schema: schema).get() }
        }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        writer.execute(enum: `enum`)
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if inTransaction { return closure(self) }
        return writer.eventLoop.makeFutureWithTask {
            try await lent { connection in
                // `BEGIN IMMEDIATE`: the write lock is taken before anything is read.
                try await connection.raw("BEGIN IMMEDIATE TRANSACTION").run()
                do {
                    let result = try await closure(pinned(connection, inTransaction: true)).get()
                    try await connection.raw("COMMIT TRANSACTION").run()
                    return result
                } catch {
                    // Fails only when SQLite already rolled the transaction back itself.
                    try? await connection.raw("ROLLBACK TRANSACTION").run()
                    throw error
                }
            }
        }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if holdsLane { return closure(self) }
        // A connection lent out whole may write anything: it holds the lane while lent.
        return writer.eventLoop.makeFutureWithTask {
            try await lent { connection in try await closure(pinned(connection, inTransaction: false)).get() }
        }
    }

    // MARK: SQLDatabase

    var logger: Logger { reader.logger }
    var eventLoop: any EventLoop { reader.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { reader.version }
    var dialect: any SQLDialect { reader.dialect }
    var queryLogLevel: Logger.Level? { reader.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        -> EventLoopFuture<Void>
    {
        if holdsLane { return writer.execute(sql: query, onRow) }
        if StatementKind.isRead(query, serializer: reader) { return reader.execute(sql: query, onRow) }
        return writer.eventLoop.makeFutureWithTask {
            try await lane.run { try await writer.execute(sql: query, onRow) }
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        if holdsLane { return try await writer.execute(sql: query, onRow) }
        if StatementKind.isRead(query, serializer: reader) { return try await reader.execute(sql: query, onRow) }
        try await lane.run { try await writer.execute(sql: query, onRow) }
    }

    // MARK: SQLiteDatabase

    func query(
        _ query: String, _ binds: [SQLiteData], logger: Logger, _ onRow: @escaping @Sendable (SQLiteRow) -> Void
    ) -> EventLoopFuture<Void> {
        if holdsLane { return writer.query(query, binds, logger: logger, onRow) }
        if StatementKind.isRead(query) { return reader.query(query, binds, logger: logger, onRow) }
        return writer.eventLoop.makeFutureWithTask {
            try await lane.run { try await writer.query(query, binds, logger: logger, onRow).get() }
        }
    }

    func query(_ query: String, _ binds: [SQLiteData], _ onRow: @escaping @Sendable (SQLiteRow) -> Void)
        async throws
    {
        try await self.query(query, binds, logger: logger, onRow).get()
    }

    func withConnection<T>(_ closure: @escaping @Sendable (SQLiteConnection) -> EventLoopFuture<T>)
        -> EventLoopFuture<T>
    {
        if holdsLane { return writer.withConnection(closure) }
        return writer.eventLoop.makeFutureWithTask {
            try await lane.run { try await writer.withConnection(closure).get() }
        }
    }

    func withConnection<T: Sendable>(_ closure: @escaping @Sendable (SQLiteConnection) async throws -> T)
        async throws -> T
    {
        try await withConnection { connection in
            connection.eventLoop.makeFutureWithTask { try await closure(connection) }
        }
        .get()
    }

    /// A connection for a statement that only reads, outside the lane (callers that talk to the connection
    /// directly and know their statement reads). Inside a transaction, its own connection.
    func readingConnection<T: Sendable>(_ closure: @escaping @Sendable (SQLiteConnection) async throws -> T)
        async throws -> T
    {
        try await reader.withConnection(closure)
    }
}

struct WriteLaneUnsupported: Error {}

extension Database {
    /// Where a read that runs for seconds goes (the dashboard's aggregation over every obligation of two years).
    /// On SQLite, a connection kept for such reads: each event loop has one reading connection, and every other
    /// read on the loop (a page, a worker's poll) would queue behind the report, past the pool's ten-second wait.
    /// PostgreSQL's pool has several connections a loop, so there it is the database itself.
    var longReads: any Database { (self as? LanedSQLiteDatabase)?.longReads ?? self }
}

/// The SQLite driver three times over, one pool for reading, one for long reports and one for writing (one
/// connection per event loop each), with every database it makes put behind one lane.
struct LanedSQLiteConfiguration: DatabaseConfiguration {
    var reads: any DatabaseConfiguration
    var reports: any DatabaseConfiguration
    var writes: any DatabaseConfiguration
    let lane: WriteLane

    var middleware: [any AnyModelMiddleware] {
        get { reads.middleware }
        set { reads.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        LanedSQLiteDriver(
            reads: reads.makeDriver(for: databases), reports: reports.makeDriver(for: databases),
            writes: writes.makeDriver(for: databases), lane: lane)
    }
}

struct LanedSQLiteDriver: DatabaseDriver {
    let reads: any DatabaseDriver
    let reports: any DatabaseDriver
    let writes: any DatabaseDriver
    let lane: WriteLane

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let reader = reads.makeDatabase(with: context)
        guard let sqlite = reader as? LanedSQLiteDatabase.Inner,
            let report = reports.makeDatabase(with: context) as? LanedSQLiteDatabase.Inner,
            let writer = writes.makeDatabase(with: context) as? LanedSQLiteDatabase.Inner
        else {
            preconditionFailure("The SQLite driver's databases are no longer SQL and SQLite databases")
        }
        return LanedSQLiteDatabase(
            reader: sqlite, reports: report, writer: writer, lane: lane, holdsLane: false, inTransaction: false)
    }

    func shutdown() {
        reads.shutdown()
        reports.shutdown()
        writes.shutdown()
    }

    func shutdownAsync() async {
        await reads.shutdownAsync()
        await reports.shutdownAsync()
        await writes.shutdownAsync()
    }
}
