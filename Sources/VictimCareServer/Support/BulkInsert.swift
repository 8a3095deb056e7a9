import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import PostgresNIO
import SQLKit
import SQLiteNIO

/// A value in a bulk-inserted row, typed so it can be bound without going through `Codable`.
enum SQLCell: Sendable {
    case text(String), int(Int), double(Double), bool(Bool), date(Date), uuid(UUID), null
}

protocol SQLCellConvertible: Sendable {
    var sqlCell: SQLCell { get }
}

extension String: SQLCellConvertible { var sqlCell: SQLCell { .text(self) } }
extension Int: SQLCellConvertible { var sqlCell: SQLCell { .int(self) } }
extension Double: SQLCellConvertible { var sqlCell: SQLCell { .double(self) } }
extension Bool: SQLCellConvertible { var sqlCell: SQLCell { .bool(self) } }
extension Date: SQLCellConvertible { var sqlCell: SQLCell { .date(self) } }
extension UUID: SQLCellConvertible { var sqlCell: SQLCell { .uuid(self) } }
extension Optional: SQLCellConvertible where Wrapped: SQLCellConvertible {
    var sqlCell: SQLCell { self?.sqlCell ?? .null }
}

/// Multi-row INSERTs sized to the driver's bind limit, bound directly through the SQLite or PostgreSQL
/// driver. Used where thousands of rows go in at once (demo data, imports, obligations).
struct BulkInsert: Sendable {
    let table: String
    let columns: [String]
    /// Every row's cells, one row after another.
    private(set) var cells: [SQLCell] = []

    init(_ table: String, _ columns: [String]) {
        self.table = table
        self.columns = columns
    }

    mutating func add(_ row: [any SQLCellConvertible]) {
        assert(row.count == columns.count, "\(table): \(row.count) values for \(columns.count) columns")
        for value in row { cells.append(value.sqlCell) }
    }

    var rowCount: Int { cells.count / columns.count }
    var isEmpty: Bool { cells.isEmpty }

    /// Writes every buffered row and empties the buffer.
    mutating func flush(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await flush(on: sql)
    }

    mutating func flush(on sql: any SQLDatabase) async throws {
        guard !cells.isEmpty else { return }
        let postgres = sql.dialect.name == "postgresql"
        // SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
        let perStatement = max(1, (postgres ? 65_000 : 32_000) / columns.count)
        let width = columns.count
        var start = 0
        while start < rowCount {
            let end = min(start + perStatement, rowCount)
            let slice = cells[(start * width)..<(end * width)]
            if let sqlite = sql as? any SQLiteDatabase {
                try await insertSQLite(slice, rows: end - start, into: sqlite)
            } else if let pg = sql as? any PostgresDatabase {
                try await insertPostgres(slice, rows: end - start, into: pg)
            } else {
                throw SQLCellError.unsupportedDatabase
            }
            start = end
        }
        cells.removeAll(keepingCapacity: true)
    }

    private func statement(rows: Int, placeholder: (Int) -> String) -> String {
        var text = "INSERT INTO \"\(table)\" (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") VALUES "
        text.reserveCapacity(text.count + rows * columns.count * 6)
        var n = 0
        for row in 0..<rows {
            text += row == 0 ? "(" : ", ("
            for column in 0..<columns.count {
                n += 1
                text += (column == 0 ? "" : ", ") + placeholder(n)
            }
            text += ")"
        }
        return text
    }

    private func insertSQLite(_ slice: ArraySlice<SQLCell>, rows: Int, into db: any SQLiteDatabase) async throws {
        _ = try await db.query(statement(rows: rows) { _ in "?" }, slice.map(\.sqliteData))
    }

    private func insertPostgres(_ slice: ArraySlice<SQLCell>, rows: Int, into db: any PostgresDatabase) async throws {
        var bindings = PostgresBindings(capacity: slice.count)
        for cell in slice { cell.append(to: &bindings) }
        let query = PostgresQuery(unsafeSQL: statement(rows: rows) { "$\($0)" }, binds: bindings)
        let logger = Logger(label: "victimcare.bulk")
        _ = try await db.withConnection { connection in
            connection.eventLoop.makeFutureWithTask { try await connection.query(query, logger: logger) }
        }.get()
    }
}

enum SQLCellError: Error {
    case unsupportedDatabase
}
