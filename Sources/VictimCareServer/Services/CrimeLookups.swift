import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The reference data crime drafts are checked against (offences, command units, officers, references already
/// recorded), read once for a batch of drafts: one query per table, not per draft.
struct CrimeLookups: Sendable {
    /// Active offences by code.
    var offences: [String: Offence] = [:]
    /// Units by upper-case code and by id.
    var unitsByCode: [String: CommandUnit] = [:]
    var unitsByID: [UUID: CommandUnit] = [:]
    /// Users by lower-case username and by id.
    var usersByName: [String: User] = [:]
    var usersByID: [UUID: User] = [:]
    /// Crime references already recorded, and the crime each names.
    var references: [String: UUID] = [:]

    func unit(_ codeOrID: String) -> CommandUnit? {
        if let id = UUID(uuidString: codeOrID) { return unitsByID[id] }
        return unitsByCode[codeOrID.uppercased()]
    }

    func user(_ usernameOrID: String) -> User? {
        if let id = UUID(uuidString: usernameOrID) { return usersByID[id] }
        return usersByName[usernameOrID.lowercased()]
    }

    /// A reference recorded by a crime planned after the lookups were read.
    mutating func recordReference(_ reference: String, crimeID: UUID) { references[reference] = crimeID }

    static func load(for drafts: [CrimeDraft], on db: any Database) async throws -> CrimeLookups {
        if drafts.count == 1 { return try await load(drafts[0], settings: [], on: db).lookups }
        return try await loadSeparately(for: drafts, on: db)
    }

    /// A form's or a CSV cell's value without surrounding space; nil when nothing is left.
    private static func trimmed(_ value: String?) -> String? {
        guard let text = value?.trimmingWhitespaceAndNewlines(), !text.isEmpty else { return nil }
        return text
    }

    /// A chunk's lookups, one query per table.
    static func loadSeparately(for drafts: [CrimeDraft], on db: any Database) async throws -> CrimeLookups {
        // Read positionally: Fluent's reflection and SQL building cost more than the reads (issue 17).
        guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
        /// `column IN (…)` for each non-empty list, joined by OR (PostgreSQL has no empty `IN ()`).
        func anyOf(_ lists: [(column: String, cells: [SQLCell])]) -> (String, [SQLCell]) {
            let used = lists.filter { !$0.cells.isEmpty }
            return (
                used.map { "t.\($0.column) IN (\(FastRows.placeholders($0.cells.count)))" }.joined(separator: " OR "),
                used.flatMap(\.cells)
            )
        }
        var lookups = CrimeLookups()
        let codes = Set(drafts.compactMap { trimmed($0.offenceCode) })
        if !codes.isEmpty {
            for offence in try await Offence.rows(
                where: "t.code IN (\(FastRows.placeholders(codes.count))) AND t.active = ?",
                codes.map(SQLCell.text) + [.bool(true)],
                on: sql)
            {
                lookups.offences[offence.code] = offence
            }
        }
        let units = Set(drafts.compactMap { trimmed($0.commandUnit) })
        let unitIDs = units.compactMap(UUID.init(uuidString:))
        let unitCodes = units.filter { UUID(uuidString: $0) == nil }.map { $0.uppercased() }
        if !units.isEmpty {
            let (condition, binds) = anyOf([("code", unitCodes.map(SQLCell.text)), ("id", unitIDs.map(SQLCell.uuid))])
            for unit in try await CommandUnit.rows(where: condition, binds, on: sql) {
                lookups.unitsByCode[unit.code] = unit
                if let id = unit.id { lookups.unitsByID[id] = unit }
            }
        }
        let officers = Set(drafts.compactMap { trimmed($0.officerInCase) })
        let userIDs = officers.compactMap(UUID.init(uuidString:))
        let usernames = officers.filter { UUID(uuidString: $0) == nil }.map { $0.lowercased() }
        if !officers.isEmpty {
            let (condition, binds) = anyOf([
                ("username", usernames.map(SQLCell.text)), ("id", userIDs.map(SQLCell.uuid)),
            ])
            for user in try await User.rows(where: condition, binds, on: sql) {
                lookups.usersByName[user.username] = user
                if let id = user.id { lookups.usersByID[id] = user }
            }
        }
        let references = Set(drafts.compactMap { trimmed($0.reference).flatMap(Normalise.crimeReference) })
        if !references.isEmpty {
            for row in try await FastRows.query(
                "SELECT id, reference FROM crimes WHERE reference IN (\(FastRows.placeholders(references.count)))",
                references.map(SQLCell.text), on: sql)
            {
                if let id = row.uuid(0), let reference = row.string(1) { lookups.references[reference] = id }
            }
        }
        return lookups
    }

    /// One draft's lookups and the values of `keys` in `settings`, in one statement: a crime recorded through the
    /// API or the form asks for all of them on every request, and on SQLite each separate read cost two hops between
    /// threads (issue 17, twenty-second step). Each table is left-joined on its unique key, so the statement gives
    /// one row, with nulls for what was not found.
    static func load(_ draft: CrimeDraft, settings keys: [String], on db: any Database) async throws -> (
        lookups: CrimeLookups, settings: [String: String]
    ) {
        guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
        var columns = keys.map { _ in "(SELECT value FROM settings WHERE key = ?)" }
        var binds = keys.map(SQLCell.text)
        var width = keys.count  // columns selected so far
        var joins: [String] = []
        var decoders: [@Sendable (FastRows.Row, inout CrimeLookups) -> Void] = []
        /// A table joined on `condition`; its columns follow those before it.
        func join<Row: PositionalRow>(
            _ type: Row.Type, _ alias: String, on condition: String, _ conditionBinds: [SQLCell],
            add: @escaping @Sendable (Row, inout CrimeLookups) -> Void
        ) {
            let offset = width
            columns.append(Row.columns(alias))
            width += Row.bulkColumns.count
            joins.append("LEFT JOIN \(Row.schema) \(alias) ON \(condition)")
            binds += conditionBinds
            decoders.append { row, lookups in
                guard row.uuid(offset) != nil else { return }
                add(Row.decoded(row, at: offset), &lookups)
            }
        }
        if let code = trimmed(draft.offenceCode) {
            join(Offence.self, "o", on: "o.code = ? AND o.active = ?", [.text(code), .bool(true)]) {
                offence, lookups in lookups.offences[offence.code] = offence
            }
        }
        /// `alias.id = ?` for a value that is an id, else `alias.column = ?` for the value as `fold` makes it.
        func idOr(_ alias: String, _ column: String, _ value: String, _ fold: (String) -> String) -> (String, [SQLCell])
        {
            if let id = UUID(uuidString: value) { return ("\(alias).id = ?", [.uuid(id)]) }
            return ("\(alias).\(column) = ?", [.text(fold(value))])
        }
        if let unit = trimmed(draft.commandUnit) {
            let (condition, conditionBinds) = idOr("u", "code", unit) { $0.uppercased() }
            join(CommandUnit.self, "u", on: condition, conditionBinds) { unit, lookups in
                lookups.unitsByCode[unit.code] = unit
                if let id = unit.id { lookups.unitsByID[id] = unit }
            }
        }
        if let officer = trimmed(draft.officerInCase) {
            let (condition, conditionBinds) = idOr("p", "username", officer) { $0.lowercased() }
            join(User.self, "p", on: condition, conditionBinds) { user, lookups in
                lookups.usersByName[user.username] = user
                if let id = user.id { lookups.usersByID[id] = user }
            }
        }
        if let reference = trimmed(draft.reference).flatMap(Normalise.crimeReference) {
            let offset = width
            columns.append("c.id")
            width += 1
            joins.append("LEFT JOIN crimes c ON c.reference = ?")
            binds.append(.text(reference))
            decoders.append { row, lookups in
                if let id = row.uuid(offset) { lookups.references[reference] = id }
            }
        }
        var lookups = CrimeLookups()
        var settings: [String: String] = [:]
        if columns.isEmpty { return (lookups, settings) }
        let text = "SELECT \(columns.joined(separator: ", ")) FROM (SELECT 1 AS one) x \(joins.joined(separator: " "))"
        for row in try await FastRows.query(text, binds, on: sql) {
            for (i, key) in keys.enumerated() { if let value = row.string(i) { settings[key] = value } }
            for decode in decoders { decode(row, &lookups) }
        }
        return (lookups, settings)
    }
}
