import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor

func configureDatabase(_ app: Application, _ config: AppConfig) throws {
    switch config.database {
    case .postgres(let url):
        let sql = try SQLPostgresConfiguration(url: url)
        app.databases.use(
            .postgres(
                configuration: sql, maxConnectionsPerEventLoop: config.postgresPoolSize,
                connectionPoolTimeout: .seconds(10), sqlLogLevel: .debug),
            as: .psql)
    case .sqlite(let path):
        if path != ":memory:" {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let storage: SQLiteConfiguration = path == ":memory:" ? .memory : .file(path)
        // Every write of the process queues in one lane (see `WriteLane`).
        let laneWait = Environment.get("SQLITE_LANE_MS").flatMap(Int.init) ?? 60_000
        app.databases.use(
            LanedSQLiteConfiguration(
                reads: DatabaseConfigurationFactory.sqlite(storage, sqlLogLevel: .debug).make(),
                // Reads of seconds each (the dashboard's snapshot, training linkage's model): one waits for another
                // rather than fail, a page that makes the first snapshot included.
                reports: DatabaseConfigurationFactory.sqlite(
                    storage, connectionPoolTimeout: .seconds(120), sqlLogLevel: .debug
                ).make(),
                writes: DatabaseConfigurationFactory.sqlite(storage, sqlLogLevel: .debug).make(),
                lane: WriteLane(timeout: .milliseconds(max(1, laneWait)))),
            as: .sqlite)
        app.lifecycle.use(SQLiteTuning())
    }
}

/// WAL lets readers carry on while one writer commits. SQLite keeps one connection per event loop, and
/// `synchronous`, the page cache and the settings below are per-connection, so each loop's connection is tuned. The
/// default 2 MB cache makes a batch of a thousand victims read from the file system page by page; bulk
/// commands (demo data, recompute, import) get a large cache, the server a moderate one (`SQLITE_CACHE_MB`).
///
/// Issue 17, the SQLite layer (figures in BENCHMARKS.md):
/// - `busy_timeout`: SQLiteNIO installs a busy handler that retries at once, for ever, so a connection waiting for
///   the other's write spins a core until it is free. A timeout replaces that handler with SQLite's own, which
///   sleeps between tries (1 ms, then up to 100 ms) and gives up after `SQLITE_BUSY_MS` (10 s).
/// - `mmap_size` (`SQLITE_MMAP_MB`): off unless set. Measured at 20,000 crimes (2026-12-01), 256 MiB gave neither
///   `demo-data` nor the crime page under 64 connections a gain beyond run-to-run noise, and added 150-220 MiB to
///   the command's resident memory (mapped pages count in it).
/// - `secure_delete=FAST`: SQLiteNIO's SQLite is built to overwrite every deleted byte with zeros, which writes
///   freed pages again. FAST still zeroes deleted content on the pages a statement writes anyway (so a deleted
///   victim's details do not linger in a live page), but no longer rewrites whole freed pages: the free list can
///   hold old content until the page is reused or `VACUUM` runs. A force that needs freed pages wiped as well
///   sets `SQLITE_SECURE_DELETE=ON`.
/// - `temp_store=MEMORY`: sorts and temporary indexes for large reads stay in memory.
struct SQLiteTuning: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        let megabytes = Environment.get("SQLITE_CACHE_MB").flatMap(Int.init) ?? (app.isServing ? 32 : 256)
        let busy = Environment.get("SQLITE_BUSY_MS").flatMap(Int.init) ?? 10_000
        let mmap = Environment.get("SQLITE_MMAP_MB").flatMap(Int.init) ?? 0
        let secureDelete = Environment.get("SQLITE_SECURE_DELETE")?.uppercased() == "ON" ? "ON" : "FAST"
        for eventLoop in app.eventLoopGroup.makeIterator() {
            let db = app.databases.database(.sqlite, logger: app.logger, on: eventLoop)
            // The loop's reading, reporting and writing connections alike.
            guard let laned = db as? LanedSQLiteDatabase else { continue }
            for sql in laned.connections {
                try await sql.raw("PRAGMA journal_mode=WAL").run()
                try await sql.raw("PRAGMA synchronous=NORMAL").run()
                try await sql.raw("PRAGMA cache_size=-\(unsafeRaw: String(megabytes * 1024))").run()
                try await sql.raw("PRAGMA busy_timeout=\(unsafeRaw: String(max(0, busy)))").run()
                try await sql.raw("PRAGMA mmap_size=\(unsafeRaw: String(max(0, mmap) * 1_048_576))").run()
                try await sql.raw("PRAGMA secure_delete=\(unsafeRaw: secureDelete)").run()
                try await sql.raw("PRAGMA temp_store=MEMORY").run()
            }
        }
    }
}

func configureMigrations(_ app: Application) {
    app.migrations.add(Migrations.all)
}
