import Fluent
import Foundation
import SQLKit

/// Bulk loading into an indexed database: secondary indexes are dropped while rows go in and built once
/// afterwards, which sorts each index once instead of inserting into it a million times. The list is the
/// migrations' non-unique indexes; `BulkLoadTests` checks it against the schema.
enum BulkLoad {
    static let secondaryIndexes: [(name: String, table: String, columns: [String])] = [
        ("persons_family_given", "persons", ["family_name_key", "given_name_key"]),
        ("contact_points_person", "contact_points", ["person_id"]),
        ("locations_postcode", "locations", ["postcode_key"]),
        ("crimes_reported", "crimes", ["reported_at"]),
        ("crimes_unit_reported", "crimes", ["command_unit_id", "reported_at"]),
        ("crimes_officer", "crimes", ["officer_in_case_id"]),
        ("crime_status_changes_crime", "crime_status_changes", ["crime_id"]),
        ("crime_persons_person", "crime_persons", ["person_id"]),
        ("crime_persons_name_reported", "crime_persons", ["family_name_key", "reported_at"]),
        ("crime_property_crime", "crime_property", ["crime_id"]),
        ("crime_property_item", "crime_property", ["property_item_id"]),
        ("crime_locations_crime", "crime_locations", ["crime_id"]),
        ("crime_locations_location", "crime_locations", ["location_id"]),
        ("victims_crime", "victims", ["crime_id"]),
        ("victims_person", "victims", ["person_id"]),
        ("needs_assessments_victim", "needs_assessments", ["victim_id", "completed_at"]),
        ("case_events_crime", "case_events", ["crime_id", "at"]),
        ("contacts_victim", "contacts", ["victim_id", "at"]),
        ("victim_actions_victim", "victim_actions", ["victim_id", "at"]),
        ("obligations_open", "obligations", ["state", "due_at"]),
        ("obligations_crime", "obligations", ["crime_id"]),
        ("obligations_code_due", "obligations", ["code", "due_date"]),
        ("contacts_at", "contacts", ["at"]),
        ("referrals_batch_order", "referrals", ["batch_id", "id"]),
        ("referrals_waiting", "referrals", ["status", "route", "batch_id"]),
        ("referrals_victim", "referrals", ["victim_id"]),
        ("response_triages_crime", "response_triages", ["crime_id", "decided_at"]),
        ("response_choices_victim", "response_choices", ["victim_id", "recorded_at"]),
    ]

    /// Which of the secondary indexes the database has now. On PostgreSQL by name as `CREATE INDEX` and `DROP
    /// INDEX` resolve it (the search path), not by a schema name.
    static func presentIndexes(on db: any Database) async throws -> Set<String> {
        guard let sql = db as? any SQLDatabase else { return [] }
        struct Row: Decodable { var name: String }
        let rows: [Row]
        if db.isPostgres {
            var names: SQLQueryString = ""
            for (i, index) in secondaryIndexes.enumerated() {
                names += "\(unsafeRaw: i == 0 ? "" : ", ")(\(bind: index.name))"
            }
            rows = try await sql.raw("SELECT n AS name FROM (VALUES \(names)) AS t(n) WHERE to_regclass(n) IS NOT NULL")
                .all(decoding: Row.self)
        } else {
            rows = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'index'").all(decoding: Row.self)
        }
        return Set(rows.map(\.name))
    }

    /// Builds any secondary index a bulk load stopped in the middle (killed, say) left dropped: called by
    /// `migrate` and before an import. Reads the catalogue first and creates only what is missing, so when
    /// nothing is (the usual case) no table is locked: PostgreSQL's `CREATE INDEX IF NOT EXISTS` takes its
    /// table's lock before it finds the index there.
    ///
    /// While a bulk import is running (heard from in the last two minutes) the indexes are left to it, unless
    /// `evenDuringABulkLoad` (the bulk load itself, stopping on an error).
    @discardableResult
    static func restoreIndexes(on db: any Database, evenDuringABulkLoad: Bool = false) async throws -> Restored {
        let present = try await presentIndexes(on: db)
        let missing = secondaryIndexes.map(\.name).filter { !present.contains($0) }
        guard !missing.isEmpty else { return .nothingMissing }
        if !evenDuringABulkLoad, let run = try await ImportRuns.runningBulkLoad(on: db) { return .leftToBulkLoad(run) }
        for name in missing {
            do {
                try await createIndexes(on: db, only: [name])
            } catch {
                // Two nodes migrating at once both build a missing index (PostgreSQL refuses the second with a
                // duplicate name, whatever `IF NOT EXISTS` says): the one that loses is done if the index is there.
                guard try await presentIndexes(on: db).contains(name) else { throw error }
            }
        }
        return .rebuilt(missing)
    }

    enum Restored: Equatable {
        case nothingMissing
        case rebuilt([String])
        /// The import run of a bulk load still running, which builds them when it finishes.
        case leftToBulkLoad(UUID)
    }

    /// Fresh statistics after a bulk load, so the query planner knows the tables are now large. On PostgreSQL
    /// also a vacuum: otherwise autovacuum sets the visibility map for millions of new rows in the first minutes
    /// of serving. SQLite's full ANALYZE counts every row of every table and index: at a million crimes (a
    /// 13 GB file) it read the whole file back from disk for over 20 minutes; with `analysis_limit` it samples
    /// each index (the setting SQLite recommends), 19 s on the same file.
    static func analyze(on db: any Database) async throws {
        if db.isPostgres {
            try await (db as? any SQLDatabase)?.raw("VACUUM (ANALYZE)").run()
        } else {
            try await db.transaction { tx in
                try await (tx as? any SQLDatabase)?.raw("PRAGMA analysis_limit = 400").run()
                try await (tx as? any SQLDatabase)?.raw("ANALYZE").run()
            }
        }
    }

    static func dropIndexes(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for index in secondaryIndexes {
            try await sql.raw("DROP INDEX IF EXISTS \(ident: index.name)").run()
        }
    }

    /// Builds the indexes that are missing (of those named in `only`, when given).
    ///
    /// On SQLite the sort that builds each index spills to a temporary file rather than memory while they are built:
    /// the connections keep temporary data in memory (`SQLiteTuning`), and sorting the obligations' 11 million
    /// rows there took `demo-data --crimes 1000000` past 2 GiB. The sort still uses up to the page cache's size in
    /// memory before it spills.
    static func createIndexes(
        on db: any Database, only: Set<String>? = nil, beforeEach: (@Sendable () async throws -> Void)? = nil
    ) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let sqlite = !db.isPostgres
        if sqlite { try await sql.raw("PRAGMA temp_store=FILE").run() }
        do {
            for index in secondaryIndexes where only?.contains(index.name) ?? true {
                try await beforeEach?()
                let columns = index.columns.map { "\"\($0)\"" }.joined(separator: ", ")
                try await sql.raw(
                    "CREATE INDEX IF NOT EXISTS \(ident: index.name) ON \(ident: index.table) (\(unsafeRaw: columns))"
                ).run()
            }
        } catch {
            if sqlite { try? await sql.raw("PRAGMA temp_store=MEMORY").run() }
            throw error
        }
        if sqlite { try await sql.raw("PRAGMA temp_store=MEMORY").run() }
    }
}
