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
        func trimmed(_ value: String?) -> String? {
            guard let text = value?.trimmingWhitespaceAndNewlines(), !text.isEmpty else { return nil }
            return text
        }
        // Read positionally: a crime recorded through the API or the form asks for these on every request, and
        // Fluent's reflection and SQL building cost more than the reads (issue 17).
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
}
