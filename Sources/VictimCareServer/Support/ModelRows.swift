import Fluent
import Foundation
import PostgresNIO
import SQLKit
import VictimCareDomain

/// Models built in memory by the services' own code and written later, many rows to a statement: the same
/// columns and values Fluent's `create` would write (ids and creation timestamps filled the same way), without
/// a round trip per row. Tables are written parents first, so foreign keys hold row by row on PostgreSQL too.
struct ModelRows: Sendable {
    /// The order tables are written in: every table after the ones its rows refer to.
    static let tableOrder = [
        "crimes", "crime_status_changes", "persons", "contact_points", "crime_persons", "victims", "obligations",
        "needs_assessments", "enhanced_changes", "referral_consents", "referrals", "case_events", "audit_entries",
        "import_keys",
    ]

    /// Each table's inserts, one per list of columns (a model's optional columns can differ row to row).
    private var tables: [String: [BulkInsert]] = [:]

    var isEmpty: Bool { tables.values.allSatisfy { $0.allSatisfy(\.isEmpty) } }
    var rowCount: Int { tables.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.rowCount } } }

    /// Adds a model to be created: an id when it has none, and its creation and update timestamps set now.
    mutating func create<M: Model>(_ model: M, at now: Date = Date()) throws where M.IDValue == UUID {
        if model.id == nil { model.id = UUID.ordered() }
        if let row = model as? any BulkRow {
            row.stampCreated(now)
            try add(M.schema, type(of: row).bulkColumns, row.bulkCells)
            return
        }
        let entries = try Self.reflected(model, stampedAt: now)
        try add(M.schema, entries.map(\.column), entries.map(\.cell))
    }

    /// The columns and values Fluent's `create` would send for a model, its timestamps set to `now`; in column
    /// order. One pass over the model's properties (Fluent's reflection is the cost).
    static func reflected<M: Model>(_ model: M, stampedAt now: Date) throws -> [(column: String, cell: SQLCell)] {
        let input = CollectedInput()
        for property in model.properties {
            if let stamp = property as? any CreationStamp, stamp.trigger == .create || stamp.trigger == .update {
                stamp.touch(date: now)
            }
            (property as? any AnyDatabaseProperty)?.input(to: input)
        }
        return try input.values.map { (column: $0.key.description, value: $0.value) }.sorted { $0.column < $1.column }
            .map { (column: $0.column, cell: try cell($0.value, M.schema, $0.column)) }
    }

    /// Adds a victim whose obligations were worked out with the plan: the fingerprint of what they are owed goes in
    /// the victim's own row, not in an update after it (one statement fewer for every plan that records victims).
    mutating func create(_ victim: Victim, obligationsHash: Int64, at now: Date = Date()) throws {
        if victim.id == nil { victim.id = UUID.ordered() }
        victim.stampCreated(now)
        try add(Victim.schema, Self.victimColumnsWithHash, victim.bulkCells + [.int(Int(obligationsHash))])
    }

    /// Adds an audit entry (a plain value: see `AuditLog.Entry`).
    mutating func create(_ entry: AuditLog.Entry) throws {
        try add(AuditEntry.schema, AuditEntry.bulkColumns, entry.cells)
    }

    // Rows of small tables every recorded or imported person makes, added from their values: a model would cost
    // an allocation and Fluent's generic look-ups for each field, set and then read back (issue 17). Each model's
    // own `bulkCells` are the same function's, so the two cannot differ.

    /// A person's link to a crime, as `CrimePerson(id:crime:person:role:)` makes it; its new id.
    mutating func link(crime: Crime, person: Person, role: PersonRole, at now: Date = Date()) throws -> UUID {
        let id = UUID.ordered()
        try add(
            CrimePerson.schema, CrimePerson.bulkColumns,
            CrimePerson.cells(
                id: id, crimeID: crime.id!, personID: person.id!, role: role.rawValue,
                familyNameKey: person.familyNameKey, givenNameKey: person.givenNameKey, reportedAt: crime.reportedAt,
                createdAt: now))
        return id
    }

    /// A new person's contact point, as `ContactPoint(personID:kind:value:safe:note:)` makes it without a note.
    mutating func contactPoint(_ point: PersonService.NewContactPoint, personID: UUID, at now: Date = Date()) throws {
        try add(
            ContactPoint.schema, ContactPoint.bulkColumns,
            ContactPoint.cells(
                id: UUID.ordered(), personID: personID, kind: point.kind.rawValue, value: point.value, safe: point.safe,
                note: nil, createdAt: now, updatedAt: now))
    }

    /// A new person queued for repeat-victim linkage, as `LinkageQueueEntry(personID:)` makes it.
    mutating func queueLinkage(_ personID: UUID, at now: Date = Date()) throws {
        try add(
            LinkageQueueEntry.schema, LinkageQueueEntry.bulkColumns,
            LinkageQueueEntry.cells(personID: personID, queuedAt: now, version: 0))
    }

    /// A change in a victim's enhanced status, as `EnhancedChange(victimID:at:enhanced:grounds:)` makes it.
    mutating func enhancedChange(victimID: UUID, at: Date, enhanced: Bool, grounds: String) throws {
        try add(
            EnhancedChange.schema, EnhancedChange.bulkColumns,
            EnhancedChange.cells(id: UUID.ordered(), victimID: victimID, at: at, enhanced: enhanced, grounds: grounds))
    }

    private static let victimColumnsWithHash = Victim.bulkColumns + ["obligations_hash"]

    /// Adds a row to a table without a model (`import_keys`, `obligations`).
    /// (Found by comparing column lists, not by a key joined from them: joining them for every row was 6% of a
    /// PostgreSQL import. A model's `bulkColumns` is one array, so the comparison is by identity.)
    mutating func add(_ table: String, _ columns: [String], _ cells: [SQLCell]) throws {
        let index = insert(table, columns)
        tables[table]![index].add(cells)
    }

    /// The index of `table`'s insert for `columns`, made empty if there is none yet.
    private mutating func insert(_ table: String, _ columns: [String]) -> Int {
        if let index = tables[table]?.firstIndex(where: { $0.columns == columns }) { return index }
        tables[table, default: []].append(BulkInsert(table, columns))
        return tables[table]!.count - 1
    }

    /// Adds every row of `other` (another plan written in the same transaction).
    mutating func append(_ other: ModelRows) {
        for (table, inserts) in other.tables {
            for rows in inserts {
                let index = insert(table, rows.columns)
                tables[table]![index].append(rows)
            }
        }
    }

    /// The rows added so far for `table`, each as its cells' text (for tests).
    func planned(_ table: String) -> [[String]] {
        (tables[table] ?? []).flatMap { insert in
            stride(from: 0, to: insert.cells.count, by: insert.columns.count).map { start in
                insert.cells[start..<start + insert.columns.count].map { "\($0)" }
            }
        }
    }

    /// Writes every row, parents first, and empties the set. On PostgreSQL a small plan (a crime recorded through
    /// the API or the form, a chunk of a few rows) goes as one statement: each table's `INSERT` a data-modifying
    /// `WITH` of the next, so one round trip instead of one per table. PostgreSQL checks foreign keys at the end of
    /// that statement, and any failure (a reference already taken) undoes all of it.
    mutating func write(on db: any Database) async throws {
        let rank = Dictionary(uniqueKeysWithValues: Self.tableOrder.enumerated().map { ($1, $0) })
        let order = tables.flatMap { table, inserts in
            inserts.indices.map { (table, $0, inserts[$0].columns.joined(separator: ",")) }
        }.sorted { (rank[$0.0] ?? Int.max, $0.0, $0.2) < (rank[$1.0] ?? Int.max, $1.0, $1.2) }
        if let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql", let pg = sql as? any PostgresDatabase,
            let combined = BulkInsert.combined(order.map { tables[$0.0]![$0.1] }.filter { !$0.isEmpty })
        {
            try await BulkInsert.run(combined, on: pg)
            tables.removeAll()
            return
        }
        for (table, index, _) in order {
            try await tables[table]![index].flush(on: db)
        }
        tables.removeAll()
    }

    private static func cell(_ value: DatabaseQuery.Value, _ table: String, _ column: String) throws -> SQLCell {
        switch value {
        case .null: return .null
        case .bind(let bound): return try cell(bound, table, column)
        default: throw ModelRowsError.unsupported(table: table, column: column)
        }
    }

    private static func cell(_ value: Any, _ table: String, _ column: String) throws -> SQLCell {
        switch value {
        case let v as String: return .text(v)
        case let v as UUID: return .uuid(v)
        case let v as Date: return .date(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(v)
        case let v as Int64: return .int(Int(v))
        case let v as Int32: return .int(Int(v))
        case let v as Double: return .double(v)
        default:
            // An optional bound as such: nil is NULL, a value is that value.
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional else {
                throw ModelRowsError.unsupported(table: table, column: column)
            }
            guard let wrapped = mirror.children.first?.value else { return .null }
            return try cell(wrapped, table, column)
        }
    }
}

enum ModelRowsError: Error, CustomStringConvertible {
    case unsupported(table: String, column: String)

    var description: String {
        switch self {
        case .unsupported(let table, let column): "\(table).\(column) holds a value ModelRows cannot write"
        }
    }
}

/// Fluent's timestamp properties, touched the way `create` touches them.
protocol CreationStamp {
    var trigger: TimestampTrigger { get }
    func touch(date: Date?)
}

extension TimestampProperty: CreationStamp {}

/// Collects the values a model would send to the database.
private final class CollectedInput: DatabaseInput {
    var values: [FieldKey: DatabaseQuery.Value] = [:]
    func set(_ value: DatabaseQuery.Value, at key: FieldKey) { values[key] = value }
}
