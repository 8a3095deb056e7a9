import Fluent
import Foundation
import Vapor
import VictimCareDomain

@testable import VictimCareServer

/// People and units a test can act as. Built on the migrated reference data (units SN, CE, ... and offences).
struct World {
    let app: Application
    let sn: CommandUnit
    let ce: CommandUnit

    static let password = "correct horse battery"

    init(_ app: Application) async throws {
        self.app = app
        sn = try await CommandUnit.query(on: app.db).filter(\.$code == "SN").first()!
        ce = try await CommandUnit.query(on: app.db).filter(\.$code == "CE").first()!
    }

    /// Creates a user; unit-scoped roles go in `unit` (SN by default).
    @discardableResult
    func user(_ username: String, _ role: Role, unit: CommandUnit? = nil, rank: String? = nil) async throws -> User {
        let unitCode = role.needsCommandUnit ? (unit ?? sn).code : unit?.code
        let created = try await UserService.create(
            .init(
                username: username, displayName: username.capitalized, rank: rank, role: role.rawValue,
                commandUnit: unitCode),
            password: Self.password, hasher: app.passwordHasher, context: .system, on: app.db)
        return created.user
    }

    func context(_ user: User, reason: String? = nil) -> AccessContext {
        AccessContext(actor: user.actor, ip: "127.0.0.1", reason: reason)
    }

    /// An API token acting as `role`, returned as the bearer header.
    func token(_ role: Role = .administrator, unit: CommandUnit? = nil) async throws -> HTTPHeaders {
        let issued = try await TokenService.issue(
            name: "test-\(role.rawValue)", role: role.rawValue,
            commandUnit: (role.needsCommandUnit ? (unit ?? sn) : unit)?.code, context: .system, on: app.db)
        return ["Authorization": "Bearer \(issued.secret)", "Content-Type": "application/json"]
    }

    /// Records a crime through the service, as the system, with one victim.
    @discardableResult
    func crime(
        _ reference: String, unit: CommandUnit? = nil, offence: String = "049/00", flags: [String] = [],
        victim: (String, String) = ("Ada", "Lovelace"), reported: String? = nil, officer: User? = nil,
        person: PersonDraft? = nil
    ) async throws -> CrimeService.CreatedCrime {
        var draft = CrimeDraft()
        draft.reference = reference
        draft.offenceCode = offence
        // Ten days ago unless said otherwise, so "in the last 12 months" rules see it.
        let reportedAt = reported.flatMap(Instant.parse) ?? Date().addingTimeInterval(-10 * 86_400)
        draft.occurredFrom = Instant.format(reportedAt.addingTimeInterval(-12 * 3600))
        draft.reportedAt = Instant.format(reportedAt)
        draft.channel = "telephone"
        draft.flags = flags
        draft.commandUnit = (unit ?? sn).code
        draft.officerInCase = officer?.username
        let person =
            person
            ?? PersonDraft(
                givenName: victim.0, familyName: victim.1, dateOfBirth: "1985-04-12", phone: "07700 900123",
                email: "ada@example.com")
        return try await CrimeService.create(
            draft, victims: [VictimDraft(person: person)], context: .system, on: app.db)
    }

    /// The id of a person's phone number, for a contact that used it.
    func phone(of personID: UUID) async throws -> String {
        guard
            let point = try await ContactPoint.query(on: app.db).filter(\.$person.$id == personID)
                .filter(\.$kindCode == "phone").first()
        else { throw Abort(.notFound) }
        return point.id!.uuidString
    }

    /// The phone number of a victim's person.
    func phone(ofVictim victimID: UUID) async throws -> String {
        guard let victim = try await Victim.find(victimID, on: app.db) else { throw Abort(.notFound) }
        return try await phone(of: victim.$person.id)
    }

    /// A successful call now: the officer spoke to the victim by phone, identity and welfare checked, safe to speak.
    func spokeTo(_ victimID: UUID) async throws {
        _ = try await ContactService.record(
            victimID: victimID,
            .init(
                at: Instant.format(Date()), method: "phone", outcome: "spoke_to_victim",
                identityVerified: "yes", welfareChecked: "yes", safeToSpeak: "yes",
                contactPointID: try await phone(ofVictim: victimID)),
            requireConfirmation: false, confirmed: true, context: .system, on: app.db)
    }

    func auditCount(_ action: String, _ type: String, _ id: UUID?) async throws -> Int {
        var query = AuditEntry.query(on: app.db).filter(\.$action == action).filter(\.$recordType == type)
        if let id { query = query.filter(\.$recordID == id) }
        return try await query.count()
    }
}
