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
/// With the lane, every write in the process queues here first, without holding a thread or a connection:
/// a transaction holds the lane from `BEGIN IMMEDIATE` to its end; a single write outside a transaction holds
/// it for that statement. Reads never take it (WAL lets them run beside the writer). A wait longer than
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
            return state.nextID
        }
        guard let id else { return }
        let timeout = self.timeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.expire(id)
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let acquired = state.withLockedValue { state in
                if !state.held {
                    state.held = true
                    return true
                }
                state.waiters.append(Waiter(id: id, continuation: continuation))
                state.queuedHighWater = max(state.queuedHighWater, state.waiters.count)
                return false
            }
            if acquired { continuation.resume() }
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

    private func expire(_ id: UInt64) {
        let expired: Waiter? = state.withLockedValue { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        expired?.continuation.resume(throwing: WriteLaneBusy())
    }
}

/// A write waited longer than the busy timeout for the writer before it.
struct WriteLaneBusy: AbortError, DebuggableError {
    var status: HTTPResponseStatus { .serviceUnavailable }
    var reason: String { "The database is busy. Try again in a moment." }
    var headers: HTTPHeaders { ["Retry-After": "2"] }
    var identifier: String { "write-lane-busy" }
}

/// Whether a statement only reads: `SELECT`, `EXPLAIN`, `VALUES`, a `PRAGMA` that sets nothing, or a `WITH`
/// that does not go on to change rows. Anything else is treated as a write.
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
        case "PRAGMA": return !text.contains("=")
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

/// An SQLite database whose writes go through the process's `WriteLane` and whose transactions begin
/// `IMMEDIATE`. Everything else is the driver's own database, passed through.
struct LanedSQLiteDatabase: Database, SQLDatabase, SQLiteDatabase {
    typealias Inner = any Database & SQLDatabase & SQLiteDatabase

    let inner: Inner
    let lane: WriteLane
    /// This handle already holds the lane (a transaction, or a connection lent out whole).
    let holdsLane: Bool
    let inTransaction: Bool

    private func laned<T>(_ body: () async throws -> T) async throws -> T {
        holdsLane ? try await body() : try await lane.run(body)
    }

    // MARK: Database

    var context: DatabaseContext { inner.context }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void)
        -> EventLoopFuture<Void>
    {
        switch query.action {
        case .read, .aggregate:
            return inner.execute(query: query, onOutput: onOutput)
        case .create, .update, .delete, .custom:
            if holdsLane { return inner.execute(query: query, onOutput: onOutput) }
            return inner.eventLoop.makeFutureWithTask {
                try await lane.run { try await inner.execute(query: query, onOutput: onOutput).get() }
            }
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        if holdsLane { return inner.execute(schema: schema) }
        return inner.eventLoop.makeFutureWithTask {
            try await lane.run { try await inner.execute(schema: schema).get() }
        }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        inner.execute(enum: `enum`)
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if inTransaction { return closure(self) }
        return inner.eventLoop.makeFutureWithTask {
            try await laned {
                try await lent { connection in
                    // `BEGIN IMMEDIATE`: the write lock is taken before anything is read.
                    let tx = LanedSQLiteDatabase(inner: connection, lane: lane, holdsLane: true, inTransaction: true)
                    try await connection.raw("BEGIN IMMEDIATE TRANSACTION").run()
                    do {
                        let result = try await closure(tx).get()
                        try await connection.raw("COMMIT TRANSACTION").run()
                        return result
                    } catch {
                        try? await connection.raw("ROLLBACK TRANSACTION").run()
                        throw error
                    }
                }
            }
        }
    }

    /// One connection of the pool for the whole of `body`.
    private func lent<T>(_ body: @escaping @Sendable (Inner) async throws -> T) async throws -> T {
        try await (inner as any Database).withConnection { connection -> EventLoopFuture<T> in
            guard let connection = connection as? Inner else {
                return connection.eventLoop.makeFailedFuture(WriteLaneUnsupported())
            }
            return connection.eventLoop.makeFutureWithTask { try await body(connection) }
        }.get()
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if holdsLane { return closure(self) }
        // A connection lent out whole may write anything: it holds the lane while lent.
        return inner.eventLoop.makeFutureWithTask {
            try await lane.run {
                try await lent { connection in
                    try await closure(
                        LanedSQLiteDatabase(inner: connection, lane: lane, holdsLane: true, inTransaction: false)
                    ).get()
                }
            }
        }
    }

    // MARK: SQLDatabase

    var logger: Logger { inner.logger }
    var eventLoop: any EventLoop { inner.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { inner.version }
    var dialect: any SQLDialect { inner.dialect }
    var queryLogLevel: Logger.Level? { inner.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void)
        -> EventLoopFuture<Void>
    {
        if holdsLane || StatementKind.isRead(query, serializer: inner) {
            return inner.execute(sql: query, onRow)
        }
        return inner.eventLoop.makeFutureWithTask { try await lane.run { try await inner.execute(sql: query, onRow) } }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        if holdsLane || StatementKind.isRead(query, serializer: inner) {
            return try await inner.execute(sql: query, onRow)
        }
        try await lane.run { try await inner.execute(sql: query, onRow) }
    }

    // MARK: SQLiteDatabase

    func query(
        _ query: String, _ binds: [SQLiteData], logger: Logger, _ onRow: @escaping @Sendable (SQLiteRow) -> Void
    ) -> EventLoopFuture<Void> {
        if holdsLane || StatementKind.isRead(query) { return inner.query(query, binds, logger: logger, onRow) }
        return inner.eventLoop.makeFutureWithTask {
            try await lane.run { try await inner.query(query, binds, logger: logger, onRow).get() }
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
        if holdsLane { return inner.withConnection(closure) }
        return inner.eventLoop.makeFutureWithTask {
            try await lane.run { try await inner.withConnection(closure).get() }
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
    /// directly and know their statement reads).
    func readingConnection<T: Sendable>(_ closure: @escaping @Sendable (SQLiteConnection) async throws -> T)
        async throws -> T
    {
        try await inner.withConnection(closure)
    }
}

struct WriteLaneUnsupported: Error {}

/// The SQLite driver with every database it makes put behind one lane.
struct LanedSQLiteConfiguration: DatabaseConfiguration {
    var inner: any DatabaseConfiguration
    let lane: WriteLane

    var middleware: [any AnyModelMiddleware] {
        get { inner.middleware }
        set { inner.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        LanedSQLiteDriver(inner: inner.makeDriver(for: databases), lane: lane)
    }
}

struct LanedSQLiteDriver: DatabaseDriver {
    let inner: any DatabaseDriver
    let lane: WriteLane

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let database = inner.makeDatabase(with: context)
        guard let sqlite = database as? LanedSQLiteDatabase.Inner else { return database }
        return LanedSQLiteDatabase(inner: sqlite, lane: lane, holdsLane: false, inTransaction: false)
    }

    func shutdown() { inner.shutdown() }

    func shutdownAsync() async { await inner.shutdownAsync() }
}
