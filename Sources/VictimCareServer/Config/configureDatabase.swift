import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor

func configureDatabase(_ app: Application, _ config: AppConfig) throws {
    switch config.database {
    case .postgres(let url):
        var sql = try SQLPostgresConfiguration(url: url)
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
        app.databases.use(.sqlite(storage, sqlLogLevel: .debug), as: .sqlite)
        app.lifecycle.use(SQLiteTuning())
    }
}

/// WAL lets readers carry on while one writer commits. SQLite keeps one connection per event loop, and
/// `synchronous` and the page cache are per-connection settings, so each loop's connection is tuned. The
/// default 2 MB cache makes a batch of a thousand victims read from the file system page by page; bulk
/// commands (demo data, recompute, import) get a large cache, the server a moderate one (`SQLITE_CACHE_MB`).
struct SQLiteTuning: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        let megabytes = Environment.get("SQLITE_CACHE_MB").flatMap(Int.init) ?? (app.isServing ? 32 : 256)
        for eventLoop in app.eventLoopGroup.makeIterator() {
            let db = app.databases.database(.sqlite, logger: app.logger, on: eventLoop)
            guard let sql = db as? any SQLDatabase else { continue }
            try await sql.raw("PRAGMA journal_mode=WAL").run()
            try await sql.raw("PRAGMA synchronous=NORMAL").run()
            try await sql.raw("PRAGMA cache_size=-\(unsafeRaw: String(megabytes * 1024))").run()
        }
    }
}

func configureMigrations(_ app: Application) {
    app.migrations.add(Migrations.all)
}
