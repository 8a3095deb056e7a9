import Fluent
import Foundation
import VictimCareDomain

/// Applies ``AccessPolicy`` to one record and audits what it allowed on a stated reason or refused.
enum AccessGuard {
    /// Throws unless `context` may do `permission` on the record. Reading another unit's record needs a
    /// reason, stated now (audited) or earlier in the session; changing it needs a reason stated with this
    /// very change (audited with the permission), whatever was said before.
    static func check(
        _ permission: Permission, _ recordType: String, _ recordID: UUID, scope: RecordScope,
        context: AccessContext, on db: any Database
    ) async throws {
        switch AccessPolicy.decide(context.actor, permission, on: scope) {
        case .allowed:
            return
        case .reasonRequired:
            if context.grantedRecords.contains(recordID) { return }
            guard context.statedReason != nil else {
                throw DomainError.reasonRequired(recordType: recordType, recordID: recordID)
            }
            try await AuditLog.record(
                .viewWithReason, recordType, recordID, summary: "opened outside own command unit",
                context: context, on: db)
        case .reasonRequiredEachTime:
            guard context.statedReason != nil else {
                throw DomainError.reasonRequiredEachTime(recordType: recordType, recordID: recordID)
            }
            try await AuditLog.record(
                .changeWithReason, recordType, recordID,
                summary: "\(permission.rawValue) outside own command unit", context: context, on: db)
        case .denied:
            try await AuditLog.record(
                .refused, recordType, recordID, summary: permission.rawValue, context: context, on: db)
            throw DomainError.forbidden("Your role does not allow this.")
        }
    }

    /// For a page holding a form that changes a record: shown when the actor may read the record (a reason
    /// opens it) and may make the change at all. Returns whether the change will need a reason of its own.
    static func checkForm(
        _ change: Permission, reading read: Permission, _ recordType: String, _ recordID: UUID, scope: RecordScope,
        context: AccessContext, on db: any Database
    ) async throws -> Bool {
        let decision = AccessPolicy.decide(context.actor, change, on: scope)
        if decision == .denied {
            try await AuditLog.record(
                .refused, recordType, recordID, summary: change.rawValue, context: context, on: db)
            throw DomainError.forbidden("Your role does not allow this.")
        }
        try await check(read, recordType, recordID, scope: scope, context: context, on: db)
        return decision == .reasonRequiredEachTime
    }

    /// Throws unless the actor's role allows `permission` at all (lists, creation, administration).
    static func require(_ permission: Permission, _ context: AccessContext) throws {
        guard AccessPolicy.grants(context.actor, permission) else {
            throw DomainError.forbidden("Your role does not allow this.")
        }
    }

    /// The units whose records a list may name, for this actor and permission; throws when none.
    static func listingReach(_ permission: Permission, _ context: AccessContext) throws -> ListingReach {
        let reach = AccessPolicy.listingReach(context.actor, permission)
        if reach == .nothing { throw DomainError.forbidden("Your role does not allow this.") }
        return reach
    }

    /// Throws unless a list of `unit`'s records may be shown to the actor.
    static func requireListing(_ permission: Permission, unit: UUID, _ context: AccessContext) throws {
        guard try listingReach(permission, context).includes(unit: unit) else {
            throw DomainError.forbidden("You can see the named records of your own command unit only.")
        }
    }
}
