import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Referral consent and the referrals it makes. Every victim is referred unless they opt out; a victim of a
/// crime where the Code asks for explicit consent first (sexual offences, domestic abuse, bereaved relatives:
/// R7a) only after a yes (2026-11-30, issue 14: referral was opt-in for everyone). A referral waits for the
/// daily transfer; declining before it goes withdraws it. Every change of consent is kept with who recorded
/// it, when and how.
enum ReferralService {
    /// Victims who became victims before this moment were never told they would be referred unless they said
    /// no, so they are referred only on a yes (set by migration 0030).
    static func optOutFrom(on db: any Database) async throws -> Date? {
        guard let sql = db as? any SQLDatabase else { return nil }
        struct Row: Decodable { var value: String }
        let row = try await sql.select().column("value").from("settings")
            .where("key", .equal, optOutKey).first(decoding: Row.self)
        return row.flatMap { parseOptOutFrom($0.value) }
    }

    static let optOutKey = "referral_opt_out_from"

    /// Parsed by hand: a formatter made for each call cost 5% of recording a crime (issue 17).
    static func parseOptOutFrom(_ value: String) -> Date? {
        Instant.parse(value) ?? ISO8601DateFormatter().date(from: value)
    }

    /// A victim recorded more than this long after they became one was loaded from history: not referred
    /// without a yes.
    static let historyDays = 28.0

    /// Whether this victim is referred now: per the Code's rule, for victims recorded from the day opting out
    /// began, and not loaded from history.
    static func shouldRefer(_ victim: Victim, on db: any Database) async throws -> Bool {
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        return shouldRefer(
            victim, crime: crime, policy: try await VictimsCodeConfig.current(on: db).currentPolicy,
            optOutFrom: try await optOutFrom(on: db))
    }

    /// The same decision on facts already in hand.
    static func shouldRefer(_ victim: Victim, crime: Crime, policy: VictimsCodePolicy, optOutFrom: Date?) -> Bool {
        let explicit = policy.needsExplicitConsent(flags: crime.flags, bereaved: victim.bereaved)
        if victim.referralConsent == .notAsked {
            let recorded = victim.createdAt ?? Date()
            let became = victim.becameVictimAt ?? crime.reportedAt
            guard let from = optOutFrom, recorded >= from,
                recorded.timeIntervalSince(became) <= historyDays * 86_400
            else { return false }
        }
        return ReferralPolicy.shouldRefer(consent: victim.referralConsent, explicitConsentNeeded: explicit)
    }

    /// Brings a victim's referral in line with their consent; runs in the transaction that changed it.
    static func sync(victimID: UUID, method: String, byName: String, on db: any Database) async throws {
        let victim = try await VictimService.find(victimID, on: db)
        let consent = victim.referralConsent
        let last = try await ReferralConsentRecord.query(on: db).filter(\.$victim.$id == victimID)
            .sort(\.$recordedAt, .descending).first()
        if consent != .notAsked, last?.consent != consent.rawValue {
            try await consentRecord(victimID: victimID, consent: consent, method: method, byName: byName)
                .create(on: db)
        }
        // Any route counts as referred: one sent at charge by the Witness Care Unit is not sent again.
        let existing = try await Referral.query(on: db).filter(\.$victim.$id == victimID).all()
        if try await shouldRefer(victim, on: db) {
            guard !existing.contains(where: { $0.status != .withdrawn }) else { return }
            try await transferReferral(victimID: victimID).create(on: db)
        } else {
            // Only one still waiting can be withdrawn; once sent, the support service is told by its own status.
            for referral in existing
            where referral.route == .transfer && referral.status == .ready && referral.batchID == nil {
                referral.statusCode = Referral.Status.withdrawn.rawValue
                referral.statusAt = Date()
                referral.statusByName = byName
                try await referral.save(on: db)
            }
        }
    }

    /// A consent as given, kept with how and by whom.
    static func consentRecord(
        victimID: UUID, consent: ReferralConsent, method: String, byName: String, at: Date = Date()
    ) -> ReferralConsentRecord {
        let record = ReferralConsentRecord()
        record.$victim.id = victimID
        record.consent = consent.rawValue
        record.method = method
        record.recordedAt = at
        record.byName = byName
        return record
    }

    /// A referral waiting for the daily transfer.
    static func transferReferral(victimID: UUID) -> Referral {
        let referral = Referral()
        referral.$victim.id = victimID
        referral.routeCode = Referral.Route.transfer.rawValue
        referral.statusCode = Referral.Status.ready.rawValue
        referral.createdAt = Date()
        return referral
    }

    /// The referrals of a victim, newest first, for their page.
    static func referrals(victimID: UUID, on db: any Database) async throws -> [Referral] {
        try await ReferralSent.resolve(
            Referral.query(on: db).filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending).all(), on: db)
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

    /// The Witness Care Unit's form at charge, as the officer fills it in.
    struct ChargeForm: Sendable {
        var consent: String?
        var hearingDate: String?
        var court: String?
        var supportAsked: String?
    }

    /// The secondary route: at charge, the Witness Care Unit refers a victim who agrees, by a form that goes to
    /// the support service's secure mailbox through the outbox. It is the victim's referral: one waiting for
    /// the daily transfer is withdrawn in its favour, and one already sent is not sent twice. Meets R7 at once.
    static func referAtCharge(
        victimID: UUID, _ form: ChargeForm, mailbox: String?, context: AccessContext, on db: any Database
    ) async throws -> Referral {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.referAtCharge, victim, context: context, on: db)
        var v = Validator()
        if form.consent != "yes" { v.fail("chargeConsent", "Confirm that the victim agrees to the referral") }
        let hearing = v.date(form.hearingDate, "hearingDate", "the first hearing date")
        let court = v.optional(form.court, "court", "the court", max: 120)
        let asked = v.optional(form.supportAsked, "supportAsked", "the help they ask for", max: 500)
        try v.check()
        guard let mailbox else {
            throw DomainError.conflict(
                field: "chargeConsent",
                message: "No secure mailbox is set for the support service (REFERRAL_EMAIL); ask an administrator")
        }
        let charged = try await CaseEvent.query(on: db).filter(\.$crime.$id == victim.$crime.id)
            .filter(\.$typeCode ~~ [CaseEventType.charged.rawValue]).count()
        guard charged > 0 else {
            throw DomainError.conflict(
                field: "chargeConsent", message: "The Witness Care Unit refers at charge; no charge is recorded yet")
        }
        let existing = try await ReferralSent.resolve(
            Referral.query(on: db).filter(\.$victim.$id == victimID).all(), on: db)
        if let sent = existing.first(where: { ![.ready, .withdrawn].contains($0.status) }) {
            throw DomainError.conflict(
                field: "chargeConsent",
                message: "Already referred \(sent.sentAt.map { "on " + Display.time($0) } ?? ""); the service has it")
        }
        return try await db.transaction { tx in
            let now = Date()
            // Withdrawn only while not yet going: in no batch, or in one whose delivery has not begun. A batch whose
            // delivery began since the check above (its files may hold the victim already) keeps its member, and
            // this referral is refused, not sent twice. On PostgreSQL the batch rows are held `FOR SHARE`, so a
            // delivery beginning now waits for this transaction, or this for it, and then sees what it did.
            if existing.contains(where: { $0.status == .ready }), let sql = tx as? any SQLDatabase {
                let hold = tx.isPostgres ? " FOR SHARE" : ""
                try await sql.raw(
                    """
                    UPDATE referrals SET status = 'withdrawn', status_at = \(bind: now),
                        status_by_name = \(bind: context.actor.name),
                        note = \(bind: "Sent at charge by the Witness Care Unit instead")
                    WHERE victim_id = \(bind: victimID) AND status = 'ready' AND (batch_id IS NULL
                        OR batch_id IN (SELECT id FROM referral_batches
                            WHERE sent_at IS NULL AND delivery_started_at IS NULL\(unsafeRaw: hold)))
                    """
                ).run()
                let going = try await FastRows.query(
                    "SELECT COUNT(*) FROM referrals WHERE victim_id = ? AND status = 'ready' AND route = ?",
                    [.uuid(victimID), .text(Referral.Route.transfer.rawValue)], on: sql)
                if (going.first?.int(0) ?? 0) > 0 {
                    throw DomainError.conflict(
                        field: "chargeConsent",
                        message:
                            "The daily transfer is sending this victim to the support service now; they are referred")
                }
            }
            if victim.referralConsent != .yes {
                victim.referralConsentCode = ReferralConsent.yes.rawValue
                if victim.explicitConsentAt == nil { victim.explicitConsentAt = now }
                try await victim.save(on: tx)
            }
            try await consentRecord(
                victimID: victimID, consent: .yes, method: "Witness Care Unit at charge", byName: context.actor.name,
                at: now
            ).create(on: tx)
            let referral = Referral()
            referral.$victim.id = victimID
            referral.routeCode = Referral.Route.witnessCare.rawValue
            referral.statusCode = Referral.Status.sent.rawValue
            referral.createdAt = now
            referral.sentAt = now
            try await referral.create(on: tx)
            let id = try referral.requireID()
            guard let fields = try await ReferralRecord.one(id, on: tx as! any SQLDatabase) else {
                throw DomainError.notFound("referral")
            }
            let text = chargeFormText(fields, hearing: hearing, court: court, asked: asked, by: context.actor.name)
            try await OutboxService.enqueue(
                .init(
                    victimID: victimID, channel: .email, purpose: .supportReferral,
                    idempotencyKey: "support_referral:\(id.uuidString.lowercased())",
                    toPartner: .init(
                        recipient: mailbox, subject: "Referral at charge \(id.uuidString.lowercased())", text: text)),
                context: .system, on: tx)
            try await VictimService.bumpFacts([victimID], on: tx)
            try await ObligationService.recompute([victimID], on: tx)
            try await AuditLog.record(
                .create, "referral", id, summary: "witness care referral at charge for victim \(victimID)",
                context: context, on: tx)
            return referral
        }
    }

    /// The form as the service reads it: the transfer's fields (schema 1), then the hearing. No narrative.
    static func chargeFormText(
        _ r: ReferralRecord, hearing: LocalDate?, court: String?, asked: String?, by name: String
    ) -> String {
        func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
        let lines: [(String, String)] = [
            ("Referral id", r.referralID), ("Route", "Witness Care Unit, at charge"), ("Given name", r.givenName),
            ("Family name", r.familyName), ("Phone (safe to use)", r.phone ?? "none"),
            ("Email (safe to use)", r.email ?? "none"), ("Preferred contact", r.preferredContact ?? "not given"),
            ("Preferred times", r.preferredTimes ?? "not given"), ("Language", r.language),
            ("Interpreter needed", yesNo(r.interpreterNeeded)), ("Needs assessed", yesNo(r.assessed)),
            ("Enhanced rights", yesNo(r.enhanced)),
            ("Enhanced grounds", r.enhancedGrounds.isEmpty ? "none" : r.enhancedGrounds.joined(separator: ", ")),
            ("Offence group", r.offenceGroup), ("Command unit", r.commandUnit),
            ("First hearing", hearing?.description ?? "not yet listed"), ("Court", court ?? "not yet listed"),
            ("Help they ask for", asked ?? "not stated"), ("Consent", "The victim agreed to this referral"),
            ("Sent by", name),
        ]
        return (["Referral to the victim support service (schema 1)", ""] + lines.map { "\($0.0): \($0.1)" })
            .joined(separator: "\n")
    }

    /// The support service's view: referrals that were sent to it, newest first, optionally of one status.
    static func sent(status: Referral.Status?, context: AccessContext, on db: any Database) async throws -> [Referral] {
        try AccessGuard.require(.manageReferrals, context)
        guard let sql = db as? any SQLDatabase else { return [] }
        let ids = try await FastRows.query(
            """
            SELECT r.id FROM referrals r \(ReferralSent.batchJoin)
            WHERE \(ReferralSent.isSent) \(status == nil ? "" : "AND \(ReferralSent.status) = ?")
            ORDER BY \(ReferralSent.sentAt) DESC, r.id LIMIT 200
            """, status.map { [.text($0.rawValue)] } ?? [], on: sql
        ).compactMap { $0.uuid(0) }
        let found = try await ReferralSent.resolve(Referral.query(on: db).filter(\.$id ~~ ids).all(), on: db)
        let byID = Dictionary(found.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    /// The support service's list: referrals sent to it with the victim's name, each person audited as seen.
    static func partnerList(status: Referral.Status?, context: AccessContext, on db: any Database) async throws
        -> [(referral: Referral, personID: UUID?, name: String)]
    {
        let referrals = try await sent(status: status, context: context, on: db)
        let victims = try await Victim.query(on: db).filter(\.$id ~~ referrals.map { $0.$victim.id }).with(\.$person)
            .all()
        let byVictim = Dictionary(victims.map { ($0.id!, $0.person) }, uniquingKeysWith: { a, _ in a })
        let lines = referrals.map { r in
            (referral: r, personID: byVictim[r.$victim.id]?.id, name: byVictim[r.$victim.id]?.fullName ?? "")
        }
        try await AuditLog.recordViews(
            "person", lines.compactMap(\.personID), summary: "support service's referral list", context: context, on: db
        )
        return lines
    }

    /// The support service records what happened next. Only forward along the way a referral goes, except
    /// that declined and closed end it.
    static func updateStatus(
        _ referralID: UUID, status raw: String?, note rawNote: String?, context: AccessContext, on db: any Database
    ) async throws -> Referral {
        try AccessGuard.require(.manageReferrals, context)
        guard let referral = try await Referral.find(referralID, on: db) else { throw DomainError.notFound("referral") }
        try await ReferralSent.resolve([referral], on: db)
        guard ![.ready, .withdrawn].contains(referral.status) else { throw DomainError.notFound("referral") }
        let status = try nextStatus(from: referral.status, raw, note: rawNote)
        referral.statusCode = status.status.rawValue
        referral.statusAt = Date()
        referral.statusByName = context.actor.name
        referral.note = status.note
        try await db.transaction { tx in
            try await referral.save(on: tx)
            try await AuditLog.record(
                .update, "referral", referralID, summary: "status \(status.status.rawValue)", context: context, on: tx)
        }
        return referral
    }

    /// The support service's next step for a referral of any route: only forward, and declined or closed end it.
    static func nextStatus(from current: Referral.Status, _ raw: String?, note rawNote: String?) throws
        -> (status: Referral.Status, note: String?)
    {
        var v = Validator()
        let status = v.requiredCode(raw, "status", "the new status", as: Referral.Status.self)
        let note = v.optional(rawNote, "note", "the note", max: 500)
        if let status, [.ready, .withdrawn, .sent].contains(status) {
            v.fail("status", "Choose received, contacted, accepted, declined or closed")
        }
        try v.check()
        let order: [Referral.Status] = [.sent, .received, .contacted, .accepted, .declined, .closed]
        if [.declined, .closed].contains(current) || order.firstIndex(of: status!)! < order.firstIndex(of: current)! {
            throw DomainError.conflict(
                field: "status", message: "The referral is already \(current.rawValue); it cannot go back")
        }
        return (status!, note)
    }

    /// Sent, and the service has not said it received it within `hours`.
    static func unacknowledged(_ referral: Referral, hours: Int, now: Date = Date()) -> Bool {
        referral.status == .sent && (referral.sentAt ?? now) < now.addingTimeInterval(-Double(hours) * 3600)
    }
}
