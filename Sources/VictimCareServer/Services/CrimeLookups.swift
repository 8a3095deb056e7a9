import Fluent
import Foundation
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
        var lookups = CrimeLookups()
        let codes = Set(drafts.compactMap { trimmed($0.offenceCode) })
        if !codes.isEmpty {
            for offence in try await Offence.query(on: db).filter(\.$code ~~ Array(codes)).filter(\.$active == true)
                .all()
            {
                lookups.offences[offence.code] = offence
            }
        }
        let units = Set(drafts.compactMap { trimmed($0.commandUnit) })
        let unitIDs = units.compactMap(UUID.init(uuidString:))
        let unitCodes = units.filter { UUID(uuidString: $0) == nil }.map { $0.uppercased() }
        if !units.isEmpty {
            for unit in try await CommandUnit.query(on: db)
                .group(.or) { group in
                    if !unitCodes.isEmpty { group.filter(\.$code ~~ unitCodes) }
                    if !unitIDs.isEmpty { group.filter(\.$id ~~ unitIDs) }
                }.all()
            {
                lookups.unitsByCode[unit.code] = unit
                if let id = unit.id { lookups.unitsByID[id] = unit }
            }
        }
        let officers = Set(drafts.compactMap { trimmed($0.officerInCase) })
        let userIDs = officers.compactMap(UUID.init(uuidString:))
        let usernames = officers.filter { UUID(uuidString: $0) == nil }.map { $0.lowercased() }
        if !officers.isEmpty {
            for user in try await User.query(on: db)
                .group(.or) { group in
                    if !usernames.isEmpty { group.filter(\.$username ~~ usernames) }
                    if !userIDs.isEmpty { group.filter(\.$id ~~ userIDs) }
                }.all()
            {
                lookups.usersByName[user.username] = user
                if let id = user.id { lookups.usersByID[id] = user }
            }
        }
        let references = Set(drafts.compactMap { trimmed($0.reference).flatMap(Normalise.crimeReference) })
        if !references.isEmpty {
            for crime in try await Crime.query(on: db).filter(\.$reference ~~ Array(references)).field(\.$id)
                .field(\.$reference).all()
            {
                if let id = crime.id { lookups.references[crime.reference] = id }
            }
        }
        return lookups
    }
}
