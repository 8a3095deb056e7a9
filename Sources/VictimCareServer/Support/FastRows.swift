import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import PostgresNIO
import SQLKit
import SQLiteNIO

/// Positional reads for the hot paths (loading a batch of victims' facts, diffing their obligations), where
/// decoding tens of thousands of rows through `Codable` cost more than computing the obligations.
/// Write `?` for each bind; PostgreSQL's `$n` placeholders are filled in.
struct FastRows {
    enum Value: Sendable {
        case null, int(Int), double(Double), text(String), uuid(UUID), date(Date), bool(Bool)
    }

    struct Row: Sendable {
        let values: [Value]

        func uuid(_ i: Int) -> UUID? {
            switch values[i] {
            case .uuid(let u): u
            case .text(let t): FastRows.uuid(t)
            default: nil
            }
        }

        func string(_ i: Int) -> String? {
            switch values[i] {
            case .text(let t): t
            case .uuid(let u): FastRows.text(u)
            case .int(let n): String(n)
            default: nil
            }
        }

        func int(_ i: Int) -> Int? {
            switch values[i] {
            case .int(let n): n
            case .double(let d): Int(d)
            case .bool(let b): b ? 1 : 0
            default: nil
            }
        }

        func bool(_ i: Int) -> Bool { int(i).map { $0 != 0 } ?? false }

        func double(_ i: Int) -> Double? {
            switch values[i] {
            case .double(let d): d
            case .int(let n): Double(n)
            default: nil
            }
        }

        /// SQLite keeps dates as seconds since 1970; PostgreSQL as timestamps.
        func date(_ i: Int) -> Date? {
            switch values[i] {
            case .date(let d): d
            case .double(let d): Date(timeIntervalSince1970: d)
            case .int(let n): Date(timeIntervalSince1970: Double(n))
            default: nil
            }
        }
    }

    /// Parses the canonical 36-character form. Foundation's `UUID(uuidString:)` on Linux goes through `sscanf`,
    /// which showed up at 5% of a worklist's CPU; anything not canonical falls back to it.
    static func uuid(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { bytes -> UUID? in
            guard bytes.count == 36 else { return UUID(uuidString: String(decoding: bytes, as: UTF8.self)) }
            var out: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var ok = true
            withUnsafeMutableBytes(of: &out) { raw in
                var i = 0
                var n = 0
                func nibble(_ c: UInt8) -> UInt8? {
                    switch c {
                    case 48...57: c - 48
                    case 65...70: c - 55
                    case 97...102: c - 87
                    default: nil
                    }
                }
                while i < 36 {
                    if i == 8 || i == 13 || i == 18 || i == 23 {
                        if bytes[i] != 45 { ok = false; return }
                        i += 1
                        continue
                    }
                    guard let hi = nibble(bytes[i]), let lo = nibble(bytes[i + 1]) else { ok = false; return }
                    raw[n] = hi << 4 | lo
                    n += 1
                    i += 2
                }
            }
            return ok ? UUID(uuid: out) : nil
        }
    }

    /// The canonical upper-case form, as `uuidString` gives it. Foundation's goes through `snprintf` on Linux, which
    /// was 8% of `demo-data`'s CPU (every id it writes to SQLite is bound as this text).
    /// `?, ?, …` for a list of `count` binds (`IN (…)`).
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    static func text(_ id: UUID) -> String {
        let hex: StaticString = "0123456789ABCDEF"
        return withUnsafeBytes(of: id.uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                hex.withUTF8Buffer { digits in
                    var o = 0
                    for (i, byte) in raw.enumerated() {
                        if i == 4 || i == 6 || i == 8 || i == 10 {
                            out[o] = 45
                            o += 1
                        }
                        out[o] = digits[Int(byte >> 4)]
                        out[o + 1] = digits[Int(byte & 0x0F)]
                        o += 2
                    }
                    return o
                }
            }
        }
    }

    static func query(_ text: String, _ binds: [SQLCell], on sql: any SQLDatabase) async throws -> [Row] {
        if let sqlite = sql as? any SQLiteDatabase {
            // On the connection itself: its async query calls back on the thread that steps the statement. The
            // database's own `query` (what Fluent and SQLKit use) hands every row to the event loop, one wake-up
            // of another thread per row.
            let sqliteBinds = binds.map(\.sqliteData)
            let read: @Sendable (SQLiteConnection) async throws -> [Row] = { connection in
                let rows = RowsBox()
                try await connection.query(text, sqliteBinds) { row in
                    rows.rows.append(
                        Row(
                            values: row.columns.map { column in
                                switch column.data {
                                case .integer(let n): .int(n)
                                case .float(let d): .double(d)
                                case .text(let t): .text(t)
                                case .blob, .null: .null
                                }
                            }))
                }
                return rows.rows
            }
            // A read does not wait for the writer (WAL); anything else takes the write lane.
            if let laned = sqlite as? LanedSQLiteDatabase, StatementKind.isRead(text) {
                return try await laned.readingConnection(read)
            }
            return try await sqlite.withConnection(read)
        }
        if let pg = sql as? any PostgresDatabase {
            var numbered = ""
            for (index, part) in text.split(separator: "?", omittingEmptySubsequences: false).enumerated() {
                if index > 0 { numbered += "$\(index)" }
                numbered += part
            }
            var bindings = PostgresBindings(capacity: binds.count)
            for cell in binds { cell.append(to: &bindings) }
            let query = PostgresQuery(unsafeSQL: numbered, binds: bindings)
            let logger = Logger(label: "victimcare.rows")
            return try await pg.withConnection { connection in
                connection.eventLoop.makeFutureWithTask {
                    var rows: [Row] = []
                    for try await row in try await connection.query(query, logger: logger) {
                        rows.append(Row(values: try row.map(Self.value)))
                    }
                    return rows
                }
            }.get()
        }
        throw SQLCellError.unsupportedDatabase
    }

    /// Rows gathered by a callback that runs, one row after another, on the connection's thread.
    private final class RowsBox: @unchecked Sendable {
        var rows: [Row] = []
    }

    private static func value(_ cell: PostgresCell) throws -> Value {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .uuid: return .uuid(try cell.decode(UUID.self))
        case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
        case .int2, .int4, .int8: return .int(try cell.decode(Int.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .float4, .float8, .numeric: return .double(try cell.decode(Double.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}

extension SQLCell {
    var sqliteData: SQLiteData {
        switch self {
        case .text(let s): .text(s)
        case .int(let i): .integer(i)
        case .double(let d): .float(d)
        case .bool(let b): .integer(b ? 1 : 0)
        case .date(let d): .float(d.timeIntervalSince1970)
        // sqlite-kit stores UUIDs as their upper-case text; the rest of the app reads them that way.
        case .uuid(let u): .text(FastRows.text(u))
        case .null: .null
        }
    }

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case .text(let s): bindings.append(s)
        case .int(let i): bindings.append(i)
        case .double(let d): bindings.append(d)
        case .bool(let b): bindings.append(b)
        case .date(let d): bindings.append(d)
        case .uuid(let u): bindings.append(u)
        case .null: bindings.appendNull()
        }
    }
}
