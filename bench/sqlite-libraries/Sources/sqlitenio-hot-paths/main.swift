import Foundation
import HotPathData
import SQLiteNIO

// SQLiteNIO as VictimCare uses it: one connection, statements prepared per query on the driver's thread pool,
// rows handed back on the thread that steps the statement (the connection-level async `query`).
final class Box: @unchecked Sendable {
    var total = 0
}

func binds(_ r: HotRow) -> [SQLiteData] {
    [
        .text(r.id), .text(r.victimID), .text(r.code), .text(r.due), .text(r.state), .integer(r.n),
        r.note.map { .text($0) } ?? .null,
    ]
}

func timed(_ label: String, count: Int, unit: String, _ body: () async throws -> Void) async rethrows {
    let start = Date()
    try await body()
    HotPathData.report(label, count: count, unit: unit, seconds: Date().timeIntervalSince(start))
}

let (path, rows, points, transactions) = HotPathData.arguments()
for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
let connection: SQLiteConnection = try await SQLiteConnection.open(storage: .file(path: path))
for pragma in [
    "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-262144",
    "PRAGMA temp_store=MEMORY", "PRAGMA secure_delete=FAST",
] {
    try await run(pragma, [])
}
try await run(HotPathData.schema, [])
try await run(HotPathData.index, [])
/// One statement, waited for (the async overload, not the future one).
func run(_ sql: String, _ binds: [SQLiteData]) async throws {
    let _: [SQLiteRow] = try await connection.query(sql, binds)
}

let version: [SQLiteRow] = try await connection.query("SELECT sqlite_version() AS v", [])
print("SQLiteNIO, SQLite \(version.first?.column("v")?.string ?? "?")")

let half = rows / 2

try await timed("bulk insert, one statement per row, one transaction (first half)", count: half, unit: "rows") {
    try await run("BEGIN IMMEDIATE", [])
    for i in 0..<half { try await run(HotPathData.insert, binds(HotPathData.row(i))) }
    try await run("COMMIT", [])
}
try await timed(
    "bulk insert, multi-row statements (VictimCare's BulkInsert), one transaction (second half)", count: rows - half,
    unit: "rows"
) {
    try await run("BEGIN IMMEDIATE", [])
    let perStatement = 32_000 / HotPathData.columns
    var start = half
    while start < rows {
        let end = min(start + perStatement, rows)
        var text = "INSERT INTO obligations_like (id, victim_id, code, due, state, n, note) VALUES "
        var values: [SQLiteData] = []
        values.reserveCapacity((end - start) * HotPathData.columns)
        for i in start..<end {
            text += i == start ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)"
            values += binds(HotPathData.row(i))
        }
        try await run(text, values)
        start = end
    }
    try await run("COMMIT", [])
}

let checksum = Box()
try await timed("read every row positionally", count: rows, unit: "rows") {
    let _: Void = try await connection.query(HotPathData.readAll, []) { row in
        let c = row.columns
        guard case .text(let id) = c[0].data, case .text(let victim) = c[1].data, case .text(let code) = c[2].data,
            case .text(let due) = c[3].data, case .text(let state) = c[4].data, case .integer(let n) = c[5].data
        else { return }
        var note: String?
        if case .text(let text) = c[6].data { note = text }
        checksum.total &+= id.utf8.count &+ victim.utf8.count &+ code.utf8.count &+ due.utf8.count
        checksum.total &+= state.utf8.count &+ n &+ (note?.utf8.count ?? 0)
    }
}
print("checksum \(checksum.total)")

let picks = HotPathData.picks(points, below: rows)
var found = 0
try await timed("point reads, each its own access", count: points, unit: "reads") {
    for pick in picks {
        let result: [SQLiteRow] = try await connection.query(
            HotPathData.pointRead, [.text(HotPathData.uuid(pick, salt: 1))])
        if let row = result.first, case .integer(let n) = row.columns[5].data { found &+= n }
    }
}
print("found \(found)")

try await timed("small write transactions (5 inserts + 1 update)", count: transactions, unit: "transactions") {
    for t in 0..<transactions {
        try await run("BEGIN IMMEDIATE", [])
        for k in 0..<5 { try await run(HotPathData.insert, binds(HotPathData.row(rows + t * 5 + k))) }
        try await run(
            "UPDATE obligations_like SET state = 'met' WHERE id = ?",
            [.text(HotPathData.uuid(picks[t % picks.count], salt: 1))])
        try await run("COMMIT", [])
    }
}
let _: Void = try await connection.close()
