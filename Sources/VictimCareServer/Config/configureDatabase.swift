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
/// `synchronous` is a per-connection setting, so each loop's connection is tuned.
struct SQLiteTuning: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        for eventLoop in app.eventLoopGroup.makeIterator() {
            let db = app.databases.database(.sqlite, logger: app.logger, on: eventLoop)
            guard let sql = db as? any SQLDatabase else { continue }
            try await sql.raw("PRAGMA journal_mode=WAL").run()
            try await sql.raw("PRAGMA synchronous=NORMAL").run()
        }
    }
}

func configureMigrations(_ app: Application) {
    app.migrations.add(Migrations.all)
}
