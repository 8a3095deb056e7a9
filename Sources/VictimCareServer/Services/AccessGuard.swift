import Fluent
import Foundation
import VictimCareDomain

/// Applies ``AccessPolicy`` to one record and audits what it allowed on a stated reason or refused.
enum AccessGuard {
    /// Throws unless `context` may do `permission` on the record. Out-of-unit access needs a reason:
    /// stated now (audited with the reason) or earlier in the session.
    static func check(
        _ permission: Permission, _ recordType: String, _ recordID: UUID, scope: RecordScope,
        context: AccessContext, on db: any Database
    ) async throws {
        switch AccessPolicy.decide(context.actor, permission, on: scope) {
        case .allowed:
            return
        case .reasonRequired:
            if context.grantedRecords.contains(recordID) { return }
            if let reason = context.reason?.trimmingCharacters(in: .whitespacesAndNewlines), reason.count >= 10 {
                try await AuditLog.record(
                    .viewWithReason, recordType, recordID, summary: "opened outside own command unit",
                    context: context, on: db)
                return
            }
            throw DomainError.reasonRequired(recordType: recordType, recordID: recordID)
        case .denied:
            try await AuditLog.record(
                .refused, recordType, recordID, summary: permission.rawValue, context: context, on: db)
            throw DomainError.forbidden("Your role does not allow this.")
        }
    }

    /// Throws unless the actor's role allows `permission` at all (lists, creation, administration).
    static func require(_ permission: Permission, _ context: AccessContext) throws {
        guard AccessPolicy.grants(context.actor, permission) else {
            throw DomainError.forbidden("Your role does not allow this.")
        }
    }
}
