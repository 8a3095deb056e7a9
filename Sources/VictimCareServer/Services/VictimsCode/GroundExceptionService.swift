import Fluent
import Foundation
import VictimCareDomain

/// A supervisor records that a ground the crime makes automatic does not hold for one victim — a harassment
/// victim who was not, in fact, persistently targeted — with the reason; or takes that record back. Either
/// way the victim's enhanced rights and what they are owed are worked out again (2026-11-30, issue 14).
enum GroundExceptionService {
    /// The grounds a crime can make automatic and a supervisor can set aside.
    static let exceptable: Set<EnhancedGround> = [.persistentlyTargeted]

    static func record(
        victimID: UUID, ground rawGround: String?, reason rawReason: String?, context: AccessContext,
        on db: any Database
    ) async throws {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.waiveObligation, victim, context: context, on: db)
        var v = Validator()
        let ground = v.requiredCode(rawGround, "ground", "the ground", as: EnhancedGround.self)
        if let ground, !exceptable.contains(ground) {
            v.fail("ground", "\(ground.label) cannot be set aside: it follows from the crime or the assessment")
        }
        let reason = v.required(rawReason, "exceptionReason", "why it does not apply", max: 1000)
        if !reason.isEmpty, reason.count < 10 { v.fail("exceptionReason", "Give a reason of at least 10 characters") }
        try v.check()
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victimID], on: tx)
            let record =
                try await EnhancedGroundException.query(on: tx).filter(\.$victim.$id == victimID)
                .filter(\.$groundCode == ground!.rawValue).first() ?? EnhancedGroundException()
            record.$victim.id = victimID
            record.groundCode = ground!.rawValue
            record.reason = reason
            record.byUserID = context.actor.id
            record.byName = context.actor.name
            record.at = Date()
            try await record.save(on: tx)
            try await AuditLog.record(
                .update, "victim", victimID, summary: "\(ground!.rawValue) recorded as not applying", context: context,
                on: tx)
            try await reassess(victimID, on: tx)
        }
    }

    static func remove(victimID: UUID, ground rawGround: String?, context: AccessContext, on db: any Database)
        async throws
    {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.waiveObligation, victim, context: context, on: db)
        guard let ground = rawGround.flatMap(EnhancedGround.init(rawValue:)) else {
            throw DomainError.invalid("ground", "Choose the ground")
        }
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victimID], on: tx)
            try await EnhancedGroundException.query(on: tx).filter(\.$victim.$id == victimID)
                .filter(\.$groundCode == ground.rawValue).delete()
            try await AuditLog.record(
                .update, "victim", victimID, summary: "\(ground.rawValue) exception removed", context: context, on: tx)
            try await reassess(victimID, on: tx)
        }
    }

    /// The decision now, written with its history worked out afresh, then what is owed.
    private static func reassess(_ victimID: UUID, on db: any Database) async throws {
        try await ObligationService.recompute([victimID], reassess: true, on: db)
    }
}
