import Fluent
import FluentPostgresDriver
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// The database the suite runs against: SQLite in memory by default; with `TEST_DATABASE_URL` set to a
/// PostgreSQL server (the test script starts one), every test gets a new database on that server.
enum TestDatabase {
    static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isPostgres: Bool { postgresAdminURL != nil }

    /// A fresh, empty database for one test (on SQLite, a file in the test's own directory: what SQLiteKit makes
    /// of an in-memory database anyway, but removed with the directory when the test ends).
    static func make(on app: Application, in directory: String) async throws -> AppConfig.DatabaseKind {
        guard let admin = postgresAdminURL else { return .sqlite(path: directory + "/victimcare.sqlite") }
        let name = "vc_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        // One connection, closed at once: a pool kept for the test's whole run would hold a connection per event loop
        // per test, and with every test running at once the server's 800 ran out (issue 17, a CI run).
        let connection = try await PostgresConnection.connect(
            on: app.eventLoopGroup.any(), configuration: try SQLPostgresConfiguration(url: admin).coreConfiguration,
            id: 0, logger: app.logger)
        do {
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) STRATEGY = FILE_COPY"), logger: app.logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        guard var components = URLComponents(string: admin) else { throw Abort(.internalServerError) }
        components.path = "/\(name)"
        return .postgres(url: components.string!)
    }
}

/// How many tests' apps may run at once. Swift Testing starts every test of the suite together, and each app holds
/// about four PostgreSQL connections and its own threads: unbounded, the suite's peak grew with every test added
/// (536 connections at 467 tests, against a server's usual 100). A test waits here for a slot before its app is made;
/// a test that makes a second app inside its first uses the slot it holds. "Inside" is the task and its children
/// (task groups, `async let`, `Task {}`), which inherit the slot: an app made in a `Task.detached` waits for a slot of
/// its own, and apps made in a test's child tasks share its one slot.
actor TestAppSlots {
    static let shared = TestAppSlots(
        limit: ProcessInfo.processInfo.environment["TEST_MAX_APPS"].flatMap(Int.init).map { max($0, 1) } ?? 24)
    @TaskLocal static var held = false

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private(set) var inUse = 0
    private(set) var mostInUse = 0

    init(limit: Int) { free = limit }

    func acquire() async {
        if free > 0 {
            free -= 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        inUse += 1
        mostInUse = max(mostInUse, inUse)
    }

    func release() {
        inUse -= 1
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Runs `test` with a fully configured, migrated application on a fresh database, once a slot is free.
func withTestApp(
    _ adjust: (inout AppConfig) -> Void = { _ in },
    _ test: (Application) async throws -> Void
) async throws {
    if TestAppSlots.held { return try await withTestAppInSlot(adjust, test) }
    await TestAppSlots.shared.acquire()
    do {
        try await TestAppSlots.$held.withValue(true) { try await withTestAppInSlot(adjust, test) }
    } catch {
        await TestAppSlots.shared.release()
        throw error
    }
    await TestAppSlots.shared.release()
}

private func withTestAppInSlot(
    _ adjust: (inout AppConfig) -> Void,
    _ test: (Application) async throws -> Void
) async throws {
    setenv("BCRYPT_COST", "4", 1)
    let app = try await Application.make(.testing)
    // Everything the test's app writes to disk (its SQLite file, its recordings and their master key), removed after.
    let directory = NSTemporaryDirectory() + "vc-test-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = AppConfig.fromEnvironment([:])
        config.database = try await TestDatabase.make(on: app, in: directory)
        config.logLevel = .warning
        // Many tests run at once, each with its own app: a small pool each keeps PostgreSQL within its
        // connection limit (8 per event loop each ran out of connections when enough tests ran together).
        config.postgresPoolSize = 2
        // Each app's recordings (and its master key file) in a directory of its own.
        config.evidence.directory = directory + "/evidence"
        adjust(&config)
        try await configure(app, config: config)
        // Every connection set up as the server's are when it boots (WAL, a sleeping busy handler), whether or not
        // the test boots the app.
        if case .sqlite = config.database { try await SQLiteTuning().didBootAsync(app) }
        try await app.autoMigrate()
        try await app.loadInstanceFacts()
        try await test(app)
    } catch let error as PSQLError {
        try? await app.asyncShutdown()
        // PSQLError describes itself as a generic sentence (to keep data out of production logs); a failing test
        // needs the server's message and the statement.
        throw DescribedDatabaseError(details: String(reflecting: error))
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

struct DescribedDatabaseError: Error, CustomStringConvertible {
    let details: String
    var description: String { details }
}
