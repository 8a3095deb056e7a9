import Foundation
import GRDB
import HotPathData

// GRDB, its idiomatic fastest use: one DatabaseQueue, cached prepared statements, positional row access.
let (path, rows, points, transactions) = HotPathData.arguments()
for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
var config = Configuration()
config.prepareDatabase { db in
    try db.execute(sql: "PRAGMA synchronous=NORMAL")
    try db.execute(sql: "PRAGMA cache_size=-262144")
    try db.execute(sql: "PRAGMA temp_store=MEMORY")
}
let queue = try DatabaseQueue(path: path, configuration: config)
try queue.writeWithoutTransaction { db in
    _ = try String.fetchOne(db, sql: "PRAGMA journal_mode=WAL")
    try db.execute(sql: HotPathData.schema)
    try db.execute(sql: HotPathData.index)
}
print("GRDB 7.10.0, SQLite \(try queue.read { try String.fetchOne($0, sql: "SELECT sqlite_version()") ?? "?" })")

try HotPathData.time("bulk insert, one prepared statement, one transaction", count: rows, unit: "rows") {
    try queue.inTransaction(.immediate) { db in
        let statement = try db.cachedStatement(sql: HotPathData.insert)
        for i in 0..<rows {
            let r = HotPathData.row(i)
            try statement.execute(arguments: [r.id, r.victimID, r.code, r.due, r.state, r.n, r.note])
        }
        return .commit
    }
}

var checksum = 0
try HotPathData.time("read every row positionally", count: rows, unit: "rows") {
    try queue.read { db in
        let cursor = try Row.fetchCursor(db, sql: HotPathData.readAll)
        while let row = try cursor.next() {
            let id: String = row[0]
            let victim: String = row[1]
            let code: String = row[2]
            let due: String = row[3]
            let state: String = row[4]
            let n: Int = row[5]
            let note: String? = row[6]
            checksum &+= id.utf8.count &+ victim.utf8.count &+ code.utf8.count &+ due.utf8.count
            checksum &+= state.utf8.count &+ n &+ (note?.utf8.count ?? 0)
        }
    }
}
print("checksum \(checksum)")

let picks = HotPathData.picks(points, below: rows)
var found = 0
try HotPathData.time("point reads, each its own access", count: points, unit: "reads") {
    for pick in picks {
        try queue.read { db in
            if let row = try Row.fetchOne(
                db.cachedStatement(sql: HotPathData.pointRead), arguments: [HotPathData.uuid(pick, salt: 1)])
            {
                let n: Int = row[5]
                found &+= n
            }
        }
    }
}
print("found \(found)")

try HotPathData.time("small write transactions (5 inserts + 1 update)", count: transactions, unit: "transactions") {
    for t in 0..<transactions {
        try queue.inTransaction(.immediate) { db in
            let statement = try db.cachedStatement(sql: HotPathData.insert)
            for k in 0..<5 {
                let r = HotPathData.row(rows + t * 5 + k)
                try statement.execute(arguments: [r.id, r.victimID, r.code, r.due, r.state, r.n, r.note])
            }
            try db.cachedStatement(sql: "UPDATE obligations_like SET state = 'met' WHERE id = ?")
                .execute(arguments: [HotPathData.uuid(picks[t % picks.count], salt: 1)])
            return .commit
        }
    }
}
