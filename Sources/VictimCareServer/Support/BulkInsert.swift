import Fluent
import SQLKit

/// Multi-row INSERTs sized to the driver's bind limit. Used where thousands of rows go in at once
/// (demo data, imports); every row is a list of values in `columns` order.
struct BulkInsert: Sendable {
    let table: String
    let columns: [String]
    private(set) var rows: [[any Encodable & Sendable]] = []

    init(_ table: String, _ columns: [String]) {
        self.table = table
        self.columns = columns
    }

    mutating func add(_ row: [any Encodable & Sendable]) {
        assert(row.count == columns.count, "\(table): \(row.count) values for \(columns.count) columns")
        rows.append(row)
    }

    var isEmpty: Bool { rows.isEmpty }

    /// Writes every buffered row and empties the buffer.
    mutating func flush(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await flush(on: sql)
    }

    mutating func flush(on sql: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        // SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
        let limit = sql.dialect.name == "postgresql" ? 65_000 : 32_000
        let perStatement = max(1, limit / columns.count)
        var start = 0
        while start < rows.count {
            let end = min(start + perStatement, rows.count)
            var builder = sql.insert(into: table).columns(columns)
            for row in rows[start..<end] {
                builder = builder.values(row.map { SQLBind($0) as any SQLExpression })
            }
            try await builder.run()
            start = end
        }
        rows.removeAll(keepingCapacity: true)
    }
}
