import Fluent
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
