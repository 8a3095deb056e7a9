import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import PostgresNIO
import SQLKit
import SQLiteNIO
import VictimCareDomain

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

    /// A row already made of cells, appended as it is (a plan's rows: wrapping each cell to unwrap it again, as
    /// the general `add` would, was 4% of an import's CPU, issue 17).
    mutating func add(_ row: [SQLCell]) {
        assert(row.count == columns.count, "\(table): \(row.count) values for \(columns.count) columns")
        cells.append(contentsOf: row)
    }

    /// Every row of another insert into the same table and columns.
    mutating func append(_ other: BulkInsert) {
        precondition(other.table == table && other.columns == columns, "\(table): appending another table's rows")
        cells.append(contentsOf: other.cells)
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
        if postgres, rowCount >= Self.copyFrom, let pg = sql as? any PostgresDatabase {
            try await copyPostgres(into: pg)
            cells.removeAll(keepingCapacity: true)
            return
        }
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
        try await Self.run(PostgresQuery(unsafeSQL: statement(rows: rows) { "$\($0)" }, binds: bindings), on: db)
    }

    /// PostgreSQL: several inserts as one statement, each but the last a data-modifying `WITH` (`w0 AS (INSERT …)`),
    /// placeholders numbered across them all; nil when one would go by `COPY`, the binds would pass PostgreSQL's
    /// limit, or there is only one insert (it is written on its own).
    static func combined(_ inserts: [BulkInsert]) -> PostgresQuery? {
        let binds = inserts.reduce(0) { $0 + $1.cells.count }
        guard inserts.count > 1, binds <= 65_000, inserts.allSatisfy({ $0.rowCount < copyFrom }) else { return nil }
        var text = "WITH "
        var bindings = PostgresBindings(capacity: binds)
        var numbered = 0
        for (index, insert) in inserts.enumerated() {
            let first = numbered
            let statement = insert.statement(rows: insert.rowCount) { "$\(first + $0)" }
            if index == inserts.count - 1 {
                text += " " + statement
            } else {
                text += (index == 0 ? "" : ", ") + "w\(index) AS (" + statement + ")"
            }
            for cell in insert.cells { cell.append(to: &bindings) }
            numbered += insert.cells.count
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }

    /// Runs a statement on the caller's connection (inside its transaction).
    static func run(_ query: PostgresQuery, on db: any PostgresDatabase) async throws {
        let logger = Logger(label: "victimcare.bulk")
        _ = try await db.withConnection { connection in
            connection.eventLoop.makeFutureWithTask { try await connection.query(query, logger: logger) }
        }.get()
    }
}

extension BulkInsert {
    /// From this many rows PostgreSQL gets them by `COPY … FROM STDIN`: no statement to parse and plan, no bind
    /// per value, the rows streamed in the text format. Below it, one multi-row `INSERT` (a single round trip
    /// where `COPY` needs two).
    static let copyFrom = 64

    /// Streams every buffered row to PostgreSQL with `COPY`, on the caller's connection (inside its transaction).
    fileprivate func copyPostgres(into db: any PostgresDatabase) async throws {
        let logger = Logger(label: "victimcare.bulk")
        let width = columns.count
        let cells = cells
        let table = table
        let columns = columns
        _ = try await db.withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    var buffer = ByteBuffer()
                    buffer.reserveCapacity(1 << 20)
                    for (index, cell) in cells.enumerated() {
                        let column = index % width
                        if column > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                        cell.writeCopyText(to: &buffer)
                        if column == width - 1 {
                            buffer.writeInteger(UInt8(ascii: "\n"))
                            if buffer.readableBytes >= 1 << 20 {
                                try await writer.write(buffer)
                                buffer.clear()
                            }
                        }
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
            }
        }.get()
    }
}

extension SQLCell {
    /// The cell in `COPY`'s text format: `\N` for null; backslash, tab, newline and carriage return escaped; a
    /// date as the microseconds PostgresNIO's binary encoding would send (truncated the same way), written as UTC.
    func writeCopyText(to buffer: inout ByteBuffer) {
        switch self {
        case .null: buffer.writeStaticString("\\N")
        case .int(let i): buffer.writeString(String(i))
        case .double(let d): buffer.writeString("\(d)")
        case .bool(let b): buffer.writeInteger(UInt8(ascii: b ? "t" : "f"))
        case .uuid(let u): buffer.writeString(FastRows.text(u))
        case .date(let d): Self.writeTimestamp(d, to: &buffer)
        case .text(let s):
            var s = s
            s.withUTF8 { bytes in
                var start = 0
                for (i, byte) in bytes.enumerated() {
                    let escaped: UInt8
                    switch byte {
                    case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                    case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                    case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                    case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                    default: continue
                    }
                    buffer.writeBytes(bytes[start..<i])
                    buffer.writeInteger(UInt8(ascii: "\\"))
                    buffer.writeInteger(escaped)
                    start = i + 1
                }
                buffer.writeBytes(bytes[start...])
            }
        }
    }

    /// `2026-11-01 12:00:00.000000+00`, from the microseconds since 2000 that PostgresNIO's binary encoding sends.
    /// Written into the buffer digit by digit: formatting through strings was 6% of a PostgreSQL import.
    static func writeTimestamp(_ date: Date, to buffer: inout ByteBuffer) {
        let micros = Int64(date.timeIntervalSince(Date(timeIntervalSince1970: 946_684_800)) * 1_000_000)
        let (days2000, inDay) = floorDivide(micros, 86_400_000_000)
        let day = LocalDate(dayNumber: Int(days2000) + 10_957)
        let seconds = Int(inDay / 1_000_000)
        let fourDigitYear = (1000...9999).contains(day.year)
        if !fourDigitYear { buffer.writeString(day.description) }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 29) { raw in
            var at = 0
            func put(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                var rest = value
                while divisor > 0 {
                    raw[at] = UInt8(ascii: "0") + UInt8(rest / divisor)
                    rest %= divisor
                    divisor /= 10
                    at += 1
                }
            }
            func mark(_ byte: Unicode.Scalar) {
                raw[at] = UInt8(ascii: byte)
                at += 1
            }
            if fourDigitYear {
                put(day.year, 4)
                mark("-")
                put(day.month, 2)
                mark("-")
                put(day.day, 2)
            }
            mark(" ")
            put(seconds / 3600, 2)
            mark(":")
            put(seconds / 60 % 60, 2)
            mark(":")
            put(seconds % 60, 2)
            mark(".")
            put(Int(inDay % 1_000_000), 6)
            mark("+")
            mark("0")
            mark("0")
            return at
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}

enum SQLCellError: Error {
    case unsupportedDatabase
}
