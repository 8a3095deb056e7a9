import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Referral consent and the referrals it makes. A victim who wants support (with explicit consent where the
/// crime needs it) gets one referral waiting for the daily transfer; declining before it goes withdraws it.
/// Every change of consent is kept with who recorded it, when and how.
enum ReferralService {
    /// Brings a victim's referral in line with their consent; runs in the transaction that changed it.
    static func sync(victimID: UUID, method: String, byName: String, on db: any Database) async throws {
        let victim = try await VictimService.find(victimID, on: db)
        let consent = victim.referralConsent
        let last = try await ReferralConsentRecord.query(on: db).filter(\.$victim.$id == victimID)
            .sort(\.$recordedAt, .descending).first()
        if consent != .notAsked, last?.consent != consent.rawValue {
            let record = ReferralConsentRecord()
            record.$victim.id = victimID
            record.consent = consent.rawValue
            record.method = method
            record.recordedAt = Date()
            record.byName = byName
            try await record.create(on: db)
        }
        let existing = try await Referral.query(on: db).filter(\.$victim.$id == victimID)
            .filter(\.$routeCode == Referral.Route.transfer.rawValue).all()
        switch consent {
        case .yes:
            guard !existing.contains(where: { $0.status != .withdrawn }) else { return }
            let referral = Referral()
            referral.$victim.id = victimID
            referral.routeCode = Referral.Route.transfer.rawValue
            referral.statusCode = Referral.Status.ready.rawValue
            referral.createdAt = Date()
            try await referral.create(on: db)
        case .no, .notAsked:
            // Only one still waiting can be withdrawn; once sent, the support service is told by its own status.
            for referral in existing where referral.status == .ready && referral.batchID == nil {
                referral.statusCode = Referral.Status.withdrawn.rawValue
                referral.statusAt = Date()
                referral.statusByName = byName
                try await referral.save(on: db)
            }
        }
    }

    /// The referrals of a victim, newest first, for their page.
    static func referrals(victimID: UUID, on db: any Database) async throws -> [Referral] {
        try await Referral.query(on: db).filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending).all()
    }

    /// How consent was given: in person, by phone, in writing, online.
    static let consentMethods = ["In person", "By phone", "In writing", "Online"]

    /// An officer records the victim's answer (or a change of mind): audited, and the referral follows.
    static func changeConsent(
        victimID: UUID, consent raw: String?, method rawMethod: String?, context: AccessContext, on db: any Database
    ) async throws {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.recordVictimAction, victim, context: context, on: db)
        var v = Validator()
        let consent = v.requiredCode(raw, "consent", "whether they want a referral", as: ReferralConsent.self)
        let method = v.required(rawMethod, "method", "how they told you", max: 40)
        if !method.isEmpty, !consentMethods.contains(method) { v.fail("method", "Choose how they told you") }
        if consent == .notAsked { v.fail("consent", "Choose yes or no") }
        try v.check()
        try await db.transaction { tx in
            let before = victim.referralConsentCode
            victim.referralConsentCode = consent!.rawValue
            if victim.explicitConsentAt == nil { victim.explicitConsentAt = Date() }
            try await victim.save(on: tx)
            try await sync(victimID: victimID, method: method, byName: context.actor.name, on: tx)
            try await VictimService.bumpFacts([victimID], on: tx)
            try await ObligationService.recompute([victimID], on: tx)
            try await AuditLog.record(
                .update, "victim", victimID, summary: "referral consent \(before) -> \(consent!.rawValue) (\(method))",
                context: context, on: tx)
        }
    }

    /// The support service's view: referrals that were sent to it, newest first, optionally of one status.
    static func sent(status: Referral.Status?, context: AccessContext, on db: any Database) async throws -> [Referral] {
        try AccessGuard.require(.manageReferrals, context)
        let query = Referral.query(on: db).filter(
            \.$statusCode !~ [Referral.Status.ready.rawValue, Referral.Status.withdrawn.rawValue]
        )
        .sort(\.$sentAt, .descending).limit(200)
        if let status { query.filter(\.$statusCode == status.rawValue) }
        return try await query.all()
    }

    /// The support service records what happened next. Only forward along the way a referral goes, except
    /// that declined and closed end it.
    static func updateStatus(
        _ referralID: UUID, status raw: String?, note rawNote: String?, context: AccessContext, on db: any Database
    ) async throws -> Referral {
        try AccessGuard.require(.manageReferrals, context)
        guard let referral = try await Referral.find(referralID, on: db),
            ![.ready, .withdrawn].contains(referral.status)
        else { throw DomainError.notFound("referral") }
        var v = Validator()
        let status = v.requiredCode(raw, "status", "the new status", as: Referral.Status.self)
        let note = v.optional(rawNote, "note", "the note", max: 500)
        if let status, [.ready, .withdrawn, .sent].contains(status) {
            v.fail("status", "Choose received, contacted, accepted, declined or closed")
        }
        try v.check()
        let order: [Referral.Status] = [.sent, .received, .contacted, .accepted, .declined, .closed]
        if [.declined, .closed].contains(referral.status)
            || (order.firstIndex(of: status!)! < order.firstIndex(of: referral.status)!)
        {
            throw DomainError.conflict(
                field: "status", message: "The referral is already \(referral.status.rawValue); it cannot go back")
        }
        referral.statusCode = status!.rawValue
        referral.statusAt = Date()
        referral.statusByName = context.actor.name
        referral.note = note
        try await db.transaction { tx in
            try await referral.save(on: tx)
            try await AuditLog.record(
                .update, "referral", referralID, summary: "status \(status!.rawValue)", context: context, on: tx)
        }
        return referral
    }

    /// Sent, and the service has not said it received it within `hours`.
    static func unacknowledged(_ referral: Referral, hours: Int, now: Date = Date()) -> Bool {
        referral.status == .sent && (referral.sentAt ?? now) < now.addingTimeInterval(-Double(hours) * 3600)
    }
}
