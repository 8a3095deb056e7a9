import Fluent
import Foundation
import SQLKit

/// Many rows updated by id in one statement: `UPDATE … FROM (VALUES …)`, which SQLite (3.33+) and PostgreSQL
/// both take and both name the list's columns column1, column2, …. On PostgreSQL each value is cast to its
/// column's type, so a list whose first row holds NULL still reads the column as that type.
struct BulkUpdate {
    let table: String
    /// The key column and its PostgreSQL type first, then each column set from the list.
    let columns: [(name: String, type: String)]
    /// SQL set on every row alike (`status = 'sent'`), after the listed columns.
    var fixed: [String] = []
    private(set) var cells: [SQLCell] = []

    init(_ table: String, key: (String, String), _ columns: [(String, String)], fixed: [String] = []) {
        self.table = table
        self.columns = ([key] + columns).map { (name: $0.0, type: $0.1) }
        self.fixed = fixed
    }

    var rowCount: Int { cells.count / columns.count }

    mutating func add(_ row: [SQLCell]) {
        assert(row.count == columns.count, "\(table): \(row.count) values for \(columns.count) columns")
        cells += row
    }

    /// Writes the rows, as many to a statement as the bind limits allow, and empties the list.
    mutating func run(on sql: any SQLDatabase) async throws {
        guard !cells.isEmpty else { return }
        let postgres = sql.dialect.name == "postgresql"
        let row = "(" + columns.map { postgres ? "CAST(? AS \($0.type))" : "?" }.joined(separator: ", ") + ")"
        let sets =
            columns.dropFirst().enumerated().map { "\"\($0.element.name)\" = t.column\($0.offset + 2)" } + fixed
        let perStatement = max(1, 30_000 / columns.count)
        var start = 0
        while start < rowCount {
            let end = min(start + perStatement, rowCount)
            _ = try await FastRows.query(
                """
                UPDATE "\(table)" SET \(sets.joined(separator: ", "))
                FROM (VALUES \(Array(repeating: row, count: end - start).joined(separator: ", "))) AS t
                WHERE "\(table)"."\(columns[0].name)" = t.column1
                """, Array(cells[(start * columns.count)..<(end * columns.count)]), on: sql)
            start = end
        }
        cells.removeAll(keepingCapacity: true)
    }
}
