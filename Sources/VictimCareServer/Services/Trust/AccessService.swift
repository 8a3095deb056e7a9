import Fluent
import Foundation
import VictimCareDomain

/// Opening another unit's record for reading with a stated reason: the page that asks, and the grant.
enum AccessService {
    struct Target: Sendable {
        var type: String
        var id: UUID
        var scope: RecordScope
        var permission: Permission
        /// What the page says the record is (a crime's reference and unit; nothing of a person).
        var description: String
    }

    /// The record the reason would open; refused (and audited) when the actor may not read it at all.
    static func target(type: String, id: UUID, context: AccessContext, on db: any Database) async throws -> Target {
        let permission: Permission
        let scope: RecordScope
        let description: String
        switch type {
        case "crime":
            permission = .viewCrime
            let crime = try await CrimeService.find(id, on: db)
            scope = CrimeService.scope(of: crime)
            let unit = try await CommandUnit.find(crime.$commandUnit.id, on: db)
            description = "Crime \(crime.reference) belongs to \(unit?.name ?? "another command unit")."
        case "person":
            permission = .viewPerson
            _ = try await PersonService.find(id, on: db)
            scope = try await PersonService.scope(of: id, context: context, on: db)
            description = "This person's record belongs to another command unit."
        default:
            throw DomainError.notFound("kind of record")
        }
        if AccessPolicy.decide(context.actor, permission, on: scope) == .denied {
            try await AuditLog.record(.refused, type, id, summary: permission.rawValue, context: context, on: db)
            throw DomainError.forbidden("Your role does not allow this.")
        }
        return Target(type: type, id: id, scope: scope, permission: permission, description: description)
    }

    /// Checks the reason and records it (audited with the reason); the caller then opens the record for a while.
    static func open(_ target: Target, reason raw: String?, context: AccessContext, on db: any Database) async throws {
        let reason = (raw ?? "").trimmingWhitespaceAndNewlines()
        var v = Validator()
        if reason.count < 10 {
            v.fail("reason", "Give a reason of at least 10 characters, such as the job you are doing")
        }
        if reason.count > 1000 { v.fail("reason", "Reason must be 1000 characters or fewer") }
        try v.check()
        var context = context
        context.reason = reason
        context.grantedRecords = []
        try await AccessGuard.check(
            target.permission, target.type, target.id, scope: target.scope, context: context, on: db)
    }
}
