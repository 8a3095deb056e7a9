import Fluent
import PostgresNIO
import SQLKit
import SQLiteNIO
import Testing
import Vapor
import VaporTesting

@testable import VictimCareServer

@Suite struct BulkLoadTests {
    static func indexes(_ app: Application) async throws -> [String: String] {
        let sql = app.db as! any SQLDatabase
        struct Row: Decodable { var name: String; var definition: String? }
        let rows: [Row] =
            TestDatabase.isPostgres
            ? try await sql.raw(
                "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = 'public'"
            ).all(decoding: Row.self)
            : try await sql.raw(
                "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).all(decoding: Row.self)
        return Dictionary(rows.map { ($0.name, $0.definition ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    @Test func droppingAndRebuildingGivesBackTheSameIndexes() async throws {
        try await withTestApp { app in
            let before = try await Self.indexes(app)
            for index in BulkLoad.secondaryIndexes {
                #expect(before[index.name] != nil, "\(index.name) is not in the schema")
            }
            try await BulkLoad.dropIndexes(on: app.db)
            let dropped = try await Self.indexes(app)
            #expect(BulkLoad.secondaryIndexes.allSatisfy { dropped[$0.name] == nil })
            try await BulkLoad.createIndexes(on: app.db)
            #expect(try await Self.indexes(app) == before)
        }
    }

    /// A bulk load killed part-way leaves indexes dropped: `migrate` and the next import build just those, once
    /// the load is no longer heard from; while it runs they are left to it.
    @Test func indexesABulkLoadLeftDroppedAreBuiltAgain() async throws {
        try await withTestApp { app in
            let before = try await Self.indexes(app)
            #expect(try await BulkLoad.restoreIndexes(on: app.db) == .nothingMissing)
            let sql = app.db as! any SQLDatabase
            for name in ["obligations_open", "crime_persons_person"] {
                try await sql.raw("DROP INDEX \(ident: name)").run()
            }
            // A bulk load heard from a moment ago is running: its indexes are its own to build.
            let run = try await CrimeImport.begin(
                source: "CRIS", fileName: "big.csv", bytes: 1, byName: "test", bulk: true, on: app.db)
            #expect(try await BulkLoad.restoreIndexes(on: app.db) == .leftToBulkLoad(run))
            #expect(try await Self.indexes(app).count == before.count - 2)
            // Silent for three minutes: it stopped, and the indexes are built.
            try await sql.update("import_runs").set("heartbeat_at", to: Date().addingTimeInterval(-180))
                .where("id", .equal, run).run()
            #expect(
                try await BulkLoad.restoreIndexes(on: app.db) == .rebuilt(["crime_persons_person", "obligations_open"]))
            #expect(try await Self.indexes(app) == before)

            try await BulkLoad.dropIndexes(on: app.db)
            let outcome = try await ImportPlanTests.importFile(
                app, Array(ImportPlanTests.extract().prefix(3)), rows: 100, planned: true)
            #expect(outcome.failure == nil && outcome.counts.created == 2, "\(outcome.counts)")
            #expect(try await Self.indexes(app) == before, "an import first builds what a stopped bulk load dropped")
        }
    }
}

/// Issue 17: PostgreSQL takes a bulk insert by `COPY` in the text format from 64 rows; the values it stores are
/// the ones a bound `INSERT` stores, whatever the text holds.
@Suite struct BulkInsertTests {
    static let awkward = [
        "", "plain", "tab\there", "line\nbreak", "cr\rlf\r\n", "back\\slash", "\\N", "\\", "ends with \\",
        "Żółć Łódź", "محمد عبد الله", "王小明", "Ωμέγα", "👩🏽‍⚖️ emoji", "\"quoted\", 'single'", "comma, semi; pipe|",
        String(repeating: "Long free text with\ttabs\nand lines. ", count: 300),
    ]

    static func rows() -> [[any SQLCellConvertible]] {
        (0..<150).map { i in
            let at = Date(
                timeIntervalSince1970: [
                    1_780_311_456, 946_684_800, 946_684_799.999_999, -86_400.5, 1_780_311_456.123_456_7, 0,
                    4_102_444_800.25, -31_000_000_000.5,  // the last in the year 987: a year of three digits
                ][i % 8] + Double(i))
            return [
                i, awkward[i % awkward.count], i % 5 == 0 ? String?.none : "n\(i)", Int.max - i, Double(i) / 7 - 3,
                i % 2 == 0, at, UUID(), i % 3 == 0 ? Date?.none : at.addingTimeInterval(0.000_3),
            ]
        }
    }

    @Test func copyStoresWhatABoundInsertStores() async throws {
        try await withTestApp { app in
            // setup: two tables alike; the rows go into one in a single bulk (COPY on PostgreSQL), into the other
            // a row at a time (a bound INSERT)
            let sql = try #require(app.db as? any SQLDatabase)
            let types =
                TestDatabase.isPostgres
                ? "k bigint PRIMARY KEY, label text, maybe text, big bigint, x double precision, b boolean, at timestamptz, id uuid, later timestamptz"
                : "k INTEGER PRIMARY KEY, label TEXT, maybe TEXT, big INTEGER, x REAL, b INTEGER, at REAL, id TEXT, later REAL"
            for table in ["probe_bulk", "probe_single"] {
                try await sql.raw("CREATE TABLE \(ident: table) (\(unsafeRaw: types))").run()
            }
            let columns = ["k", "label", "maybe", "big", "x", "b", "at", "id", "later"]
            let rows = Self.rows()
            // act
            var bulk = BulkInsert("probe_bulk", columns)
            for row in rows { bulk.add(row) }
            #expect(bulk.rowCount >= BulkInsert.copyFrom)
            let filled = bulk
            try await app.db.transaction { tx in
                var pending = filled
                try await pending.flush(on: tx)
            }
            for row in rows {
                var single = BulkInsert("probe_single", columns)
                single.add(row)
                try await single.flush(on: sql)
            }
            // check: the same values, and the text exactly as sent
            let select = "SELECT k, label, maybe, big, x, b, at, id, later FROM "
            let a = try await FastRows.query(select + "probe_bulk ORDER BY k", [], on: sql)
            let b = try await FastRows.query(select + "probe_single ORDER BY k", [], on: sql)
            #expect(a.count == rows.count && b.count == rows.count)
            for (x, y) in zip(a, b) {
                let k = x.int(0) ?? -1
                #expect(x.string(1) == y.string(1) && x.string(1) == Self.awkward[k % Self.awkward.count], "row \(k)")
                #expect(x.string(2) == y.string(2) && x.int(3) == y.int(3) && x.double(4) == y.double(4), "row \(k)")
                #expect(x.bool(5) == y.bool(5) && x.uuid(7) == y.uuid(7), "row \(k)")
                #expect(x.date(6) == y.date(6) && x.date(8) == y.date(8), "row \(k): \(x.date(6)!) vs \(y.date(6)!)")
            }
        }
    }
}

@Suite struct ModelRowsTests {
    static func insert(_ table: String, _ columns: [String], rows: Int) -> BulkInsert {
        var insert = BulkInsert(table, columns)
        for i in 0..<rows { insert.add(columns.map { "\(table) \($0) \(i)" }) }
        return insert
    }

    /// PostgreSQL gets a small plan as one statement, every table's insert but the last a `WITH` of it; never a
    /// plan with a table large enough for `COPY`, one past the bind limit, or a single insert.
    @Test func aSmallPlanIsOneStatementOnPostgreSQL() throws {
        let a = Self.insert("a", ["x", "y"], rows: 3)
        let b = Self.insert("b", ["z"], rows: 2)
        let c = Self.insert("c", ["x", "y", "z"], rows: 1)
        let query = try #require(BulkInsert.combined([a, b, c]))
        #expect(
            query.sql == """
                WITH w0 AS (INSERT INTO "a" ("x", "y") VALUES ($1, $2), ($3, $4), ($5, $6)), \
                w1 AS (INSERT INTO "b" ("z") VALUES ($7), ($8)) \
                INSERT INTO "c" ("x", "y", "z") VALUES ($9, $10, $11)
                """)
        #expect(query.binds.count == 11)
        #expect(BulkInsert.combined([a]) == nil)
        #expect(BulkInsert.combined([a, Self.insert("big", ["x"], rows: BulkInsert.copyFrom)]) == nil)
        #expect(BulkInsert.combined([a, Self.insert("wide", ["x", "y"], rows: 32_500)]) == nil)
    }

    /// A plan's rows land in every table, whatever order they were added in, with what users type; one
    /// that fails on its last table leaves none of its rows behind (both databases; one statement on PostgreSQL).
    @Test func aPlanIsWrittenWholeOrNotAtAll() async throws {
        try await withTestApp { app in
            let sql = try #require(app.db as? any SQLDatabase)
            let key = TestDatabase.isPostgres ? "uuid PRIMARY KEY" : "TEXT PRIMARY KEY"
            try await sql.raw("CREATE TABLE probe_a_parent (id \(unsafeRaw: key), label TEXT NOT NULL)").run()
            try await sql.raw(
                """
                CREATE TABLE probe_b_child (id \(unsafeRaw: key), parent_id \(unsafeRaw: TestDatabase.isPostgres ? "uuid" : "TEXT")
                NOT NULL REFERENCES probe_a_parent (id), label TEXT NOT NULL)
                """
            ).run()
            func plan(parent: UUID, child: UUID, labels: [String]) throws -> ModelRows {
                var rows = ModelRows()
                for (i, label) in labels.enumerated() {
                    try rows.add(
                        "probe_b_child", ["id", "parent_id", "label"],
                        [.uuid(i == 0 ? child : UUID()), .uuid(parent), .text(label)])
                }
                try rows.add("probe_a_parent", ["id", "label"], [.uuid(parent), .text(labels[0])])
                return rows
            }
            let parent = UUID()
            let child = UUID()
            let labels = Array(BulkInsertTests.awkward.prefix(12))
            let first = try plan(parent: parent, child: child, labels: labels)
            try await app.db.transaction { tx in
                var rows = first
                try await rows.write(on: tx)
            }
            let stored = try await FastRows.query("SELECT label FROM probe_b_child ORDER BY label", [], on: sql)
            #expect(stored.map { $0.string(0) ?? "" } == labels.sorted())
            // A second plan whose child reuses the first's id: refused, and its new parent is not kept.
            let again = UUID()
            let second = try plan(parent: again, child: child, labels: ["second"])
            await #expect(throws: (any Error).self) {
                try await app.db.transaction { tx in
                    var rows = second
                    try await rows.write(on: tx)
                }
            }
            let parents = try await FastRows.query("SELECT id FROM probe_a_parent", [], on: sql)
            #expect(parents.compactMap { $0.uuid(0) } == [parent])
        }
    }
}

@Suite struct FastRowsTests {
    @Test func writesUUIDsAsFoundationDoes() {
        for _ in 0..<500 {
            let id = UUID()
            #expect(FastRows.text(id) == id.uuidString)
        }
        for edge in ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"] {
            #expect(FastRows.text(UUID(uuidString: edge)!) == edge)
        }
        #expect(
            SQLCell.uuid(UUID(uuidString: "0190000A-0153-70CC-A2AC-03D6BC29C63A")!).sqliteData
                == .text("0190000A-0153-70CC-A2AC-03D6BC29C63A"))
    }

    @Test func parsesUUIDsAsFoundationDoes() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(FastRows.uuid(id.uuidString) == id)
            #expect(FastRows.uuid(id.uuidString.lowercased()) == id)
        }
        for bad in [
            "", "not-a-uuid", "0190000G-0153-70CC-A2AC-03D6BC29C63A", "01900000x0153-70CC-A2AC-03D6BC29C63A",
            "01900000-0153-70CC-A2AC-03D6BC29C63", "01900000-0153-70CC-A2AC-03D6BC29C63AB",
        ] {
            #expect(FastRows.uuid(bad) == UUID(uuidString: bad), "\(bad)")
        }
    }
}
