import Fluent
import FluentSQLiteDriver
import Foundation
import SQLKit
import Testing
import Vapor

@testable import VictimCareServer

/// Issue 17, the SQLite layer: every connection waits for the other's write with SQLite's own sleeping busy
/// handler (not SQLiteNIO's, which retries at once for ever), does not rewrite freed pages, and sorts in memory.
@Suite struct SQLiteTuningTests {
    @Test func everyConnectionIsTunedWhenTheAppBoots() async throws {
        guard !TestDatabase.isPostgres else { return }
        let path = NSTemporaryDirectory() + "vc-tuning-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try await withTestApp({ $0.database = .sqlite(path: path) }) { app in
            try await app.asyncBoot()
            var loops = 0
            for eventLoop in app.eventLoopGroup.makeIterator() {
                loops += 1
                let laned = try #require(
                    app.databases.database(.sqlite, logger: app.logger, on: eventLoop) as? LanedSQLiteDatabase)
                // The loop's reading, reports and writing connections.
                #expect(laned.connections.count == 3)
                for sql in laned.connections {
                    func pragma(_ name: String) async throws -> Int? {
                        try await sql.raw("PRAGMA \(unsafeRaw: name)").first()?.decode(column: name, as: Int.self)
                    }
                    #expect(
                        try await sql.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self)
                            == 10_000)
                    #expect(try await pragma("secure_delete") == 2, "FAST")
                    #expect(try await pragma("temp_store") == 2, "MEMORY")
                    #expect(
                        try await sql.raw("PRAGMA journal_mode").first()?.decode(
                            column: "journal_mode", as: String.self)
                            == "wal")
                }
            }
            #expect(loops >= 1)
        }
    }
}
