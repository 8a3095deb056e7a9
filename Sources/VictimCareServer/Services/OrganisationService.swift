import Fluent
import Foundation
import VictimCareDomain

/// Command units, teams and the people in them.
enum OrganisationService {
    static func units(on db: any Database) async throws -> [CommandUnit] {
        try await CommandUnit.query(on: db).sort(\.$kind).sort(\.$name).all()
    }

    /// A unit by its code (`SN`) or id.
    static func unit(codeOrID: String, on db: any Database) async throws -> CommandUnit? {
        if let id = UUID(uuidString: codeOrID) { return try await CommandUnit.find(id, on: db) }
        return try await CommandUnit.query(on: db).filter(\.$code == codeOrID.uppercased()).first()
    }

    static func user(usernameOrID: String, on db: any Database) async throws -> User? {
        if let id = UUID(uuidString: usernameOrID) { return try await User.find(id, on: db) }
        return try await User.query(on: db).filter(\.$username == usernameOrID.lowercased()).first()
    }

    static func teams(in unitID: UUID, on db: any Database) async throws -> [Team] {
        try await Team.query(on: db).filter(\.$commandUnit.$id == unitID).sort(\.$name).all()
    }

    /// Officers and supervisors who can be made officer in the case for a unit's crimes.
    static func investigators(in unitID: UUID, on db: any Database) async throws -> [User] {
        try await User.query(on: db)
            .filter(\.$commandUnit.$id == unitID)
            .filter(\.$roleCode ~~ [Role.officer.rawValue, Role.supervisor.rawValue])
            .filter(\.$active == true)
            .sort(\.$displayName)
            .all()
    }
}
