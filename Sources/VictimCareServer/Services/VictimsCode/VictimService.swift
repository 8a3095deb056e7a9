import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Victims as the Victims' Code sees them: one per person per crime, with their enhanced rights, needs
/// assessment, what was done for them and what they are still owed.
enum VictimService {
    static func find(_ id: UUID, on db: any Database) async throws -> Victim {
        guard let victim = try await Victim.find(id, on: db) else { throw DomainError.notFound("victim") }
        return victim
    }

    /// Checks `permission` against the victim's crime (a reason given to read the crime covers its victims);
    /// returns the scope it was checked on.
    @discardableResult
    static func checkAccess(_ permission: Permission, _ victim: Victim, context: AccessContext, on db: any Database)
        async throws -> RecordScope
    {
        let (crime, scope) = try await Self.scope(of: victim, context: context, on: db)
        try await AccessGuard.check(permission, "crime", crime.id!, scope: scope, context: context, on: db)
        return scope
    }

    /// The victim's crime and the scope a check on the victim is decided on (their crime's unit, and whether
    /// the person is shared with the actor).
    static func scope(of victim: Victim, context: AccessContext, on db: any Database) async throws -> (
        Crime, RecordScope
    ) {
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        var scope = CrimeService.scope(of: crime)
        scope.sharedWithActor = try await SharingService.isShared(
            personID: victim.$person.id, with: context.actor, on: db)
        return (crime, scope)
    }

    /// Marks these victims' facts changed. First statement of any transaction that changes them: on
    /// PostgreSQL it also locks the rows, so a bulk recompute cannot overwrite the change with older facts.
    static func bumpFacts(_ ids: [UUID], on db: any Database) async throws {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            "UPDATE victims SET facts_version = facts_version + 1 WHERE id IN (\(binds: ids as [any Encodable & Sendable]))"
        ).run()
    }

    /// Creates the Victims' Code record for a new victim link, decides enhanced rights from the crime (and the
    /// needs given, if any), and works out what is owed. Call inside the transaction that created the link.
    /// `announce` false: a crime loaded from history, whose victim is not sent a confirmation and leaflet now.
    /// `becameVictimAt`: when the person became a victim of the crime — the report for a victim recorded with
    /// the crime, now for one linked later (2026-11-30, issue 14: late victims were owed everything from the
    /// report, overdue the moment they existed).
    static func create(
        linkID: UUID, crime: Crime, personID: UUID, needs: NeedsAssessment?, announce: Bool = true,
        becameVictimAt: Date? = nil, basis: VictimBasis = .direct, businessContact: String? = nil,
        context: AccessContext, on db: any Database
    ) async throws {
        let start = max(crime.reportedAt, becameVictimAt ?? crime.reportedAt)
        let victim = Victim(linkID: linkID, crimeID: crime.id!, personID: personID)
        victim.becameVictimAt = start
        victim.basisCode = basis.rawValue
        victim.businessContact = businessContact
        try await victim.create(on: db)
        if let needs {
            try await NeedsAssessmentService.store(needs, victimID: linkID, at: start, context: context, on: db)
        }
        // The first entry of the enhanced history stands at the victim's start, so duties raised then use it.
        let decision = try await NeedsAssessmentService.decide(victimID: linkID, assessment: needs, on: db)
        try await EnhancedRightsStore.apply(
            decision, to: linkID, previous: nil, previousGrounds: nil, at: start, on: db)
        // Referred unless they opt out (a victim of a crime needing explicit consent only after a yes).
        if needs == nil, announce {
            try await ReferralService.sync(
                victimID: linkID, method: "Recorded as a victim", byName: context.actor.name, on: db)
        }
        try await ObligationService.recompute([linkID], on: db)
        if announce {
            try await CommunicationsService.victimRecorded(victimID: linkID, on: db)
            // A new victim (not one loaded from history) joins any open trial they are eligible for.
            try await TrialService.allocate(victimID: linkID, crime: crime, on: db)
        }
    }

    /// A new victim's Victims' Code record planned in memory, as `create` stores it (issue 17): the needs
    /// assessment and what its answers change, the referral its consent (or, when `announce`, the opt-out rule)
    /// makes, the enhanced-rights decision and the first entry of its history, added to `rows`. The victim's own
    /// row is the caller's to add (once it has worked out what depends on it); so are obligations, messages and
    /// trials. `recentVictimisations`: the person's victim links (this one among them) to crimes reported in the
    /// persistently-targeted window up to this one.
    struct Planned {
        var victim: Victim
        /// The consent recorded with the assessment, if one was.
        var consent: ReferralConsentRecord?
    }

    static func plan(
        _ id: UUID, crime: Crime, person: Person, needs: NeedsAssessment?, start: Date, mostSerious: Bool,
        recentVictimisations: Int, announce: Bool, policy: VictimsCodePolicy, optOutFrom: Date?,
        context: AccessContext, into rows: inout ModelRows
    ) throws -> Planned {
        let victim = Victim(linkID: id, crimeID: crime.id!, personID: person.id!)
        victim.becameVictimAt = start
        victim.basisCode = VictimBasis.direct.rawValue
        let decision = EnhancedRights.assess(
            NeedsAssessmentService.input(
                crime: crime, mostSerious: mostSerious, dateOfBirth: person.dateOfBirth, assessment: needs,
                recentVictimisations: recentVictimisations, exceptions: [], business: false),
            policy: policy)
        var consent: ReferralConsentRecord?
        if let needs {
            try rows.create(
                NeedsAssessmentService.record(needs, victimID: id, at: start, decision: decision, context: context))
            NeedsAssessmentService.applyAnswers(needs, to: victim, at: start)
            if victim.referralConsent != .notAsked {
                consent = ReferralService.consentRecord(
                    victimID: id, consent: victim.referralConsent, method: "Needs assessment",
                    byName: context.actor.name, at: .storedNow())
            }
        }
        // Consent asked in the assessment decides the referral; without one, a victim announced now is referred
        // unless the rule says not (as `ReferralService.sync` decides for a stored victim).
        let refer =
            (needs != nil || announce)
            && ReferralService.shouldRefer(victim, crime: crime, policy: policy, optOutFrom: optOutFrom)
        let grounds = Victim.encode(decision.groundList)
        victim.enhanced = decision.enhanced
        victim.groundsCode = grounds
        victim.section16 = decision.section16
        victim.section17 = decision.section17
        victim.section28 = decision.section28
        try rows.enhancedChange(victimID: id, at: start, enhanced: decision.enhanced, grounds: grounds)
        if let consent { try rows.create(consent) }
        if refer { try rows.create(ReferralService.transferReferral(victimID: id)) }
        return Planned(victim: victim, consent: consent)
    }

    /// Reassesses enhanced rights and recomputes obligations for every victim of a crime (after the crime changed).
    static func recomputeCrime(_ crimeID: UUID, reassess: Bool, on db: any Database) async throws {
        let ids = try await Victim.query(on: db).filter(\.$crime.$id == crimeID).all().compactMap(\.id)
        try await bumpFacts(ids, on: db)
        if reassess {
            // A crime that became one needing explicit consent withdraws a referral still waiting without it.
            for id in ids {
                try await ReferralService.sync(victimID: id, method: "Crime changed", byName: "VictimCare", on: db)
            }
        }
        try await ObligationService.recompute(ids, reassess: reassess, on: db)
    }

    static func recomputePerson(_ personID: UUID, on db: any Database) async throws {
        let ids = try await Victim.query(on: db).filter(\.$person.$id == personID).all().compactMap(\.id)
        try await bumpFacts(ids, on: db)
        try await ObligationService.recompute(ids, reassess: true, on: db)
    }

    // MARK: actions

    /// Records something done for the victim that meets a duty (written confirmation, the leaflet, a VPS offer...).
    static func recordAction(
        victimID: UUID, kind rawKind: String?, at rawAt: String? = nil, method rawMethod: String? = nil,
        note rawNote: String? = nil, language rawLanguage: String? = nil,
        timeStyle: Validator.TimeStyle = .withOffset, context: AccessContext, on db: any Database
    ) async throws -> VictimAction {
        let victim = try await find(victimID, on: db)
        try await checkAccess(.recordVictimAction, victim, context: context, on: db)
        var v = Validator()
        let kind = rawKind.flatMap(VictimActionKind.init(rawValue:))
        if kind == nil { v.fail("kind", "Choose what was done") }
        let at = v.time(rawAt, "at", "when it was done", style: timeStyle) ?? Date()
        if at > Date().addingTimeInterval(300) { v.fail("at", "When it was done cannot be in the future") }
        let method = v.optional(rawMethod, "method", "how", max: 40)
        let note = v.optional(rawNote, "note", "the note", max: 1000)
        // The leaflet counts only in the victim's language: say which one was given (their own by default).
        var language: String?
        if kind == .informationLeaflet {
            let person = try await PersonService.find(victim.$person.id, on: db)
            if let raw = v.optional(rawLanguage, "language", "the leaflet's language", max: 10) {
                if let known = Language.named(raw) {
                    language = known.code
                } else {
                    v.fail("language", "\(raw) is not a language VictimCare knows")
                }
            } else {
                language = Language.named(person.language)?.code ?? "en"
            }
        }
        // A referral for a crime that needs explicit consent first (R7a) is made only after a yes
        // (2026-11-30, issue 14: recording one met R7 without consent).
        if kind == .referral, victim.referralConsent != .yes {
            let crime = try await CrimeService.find(victim.$crime.id, on: db)
            let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
            if policy.needsExplicitConsent(flags: crime.flags, bereaved: victim.bereaved) {
                v.fail("kind", "This victim must consent before a referral: record their yes first")
            } else if victim.referralConsent == .no {
                v.fail("kind", "This victim declined a referral: record a change of mind first")
            }
        }
        try v.check()
        let leafletLanguage = language
        return try await db.transaction { tx in
            try await bumpFacts([victimID], on: tx)
            let action = VictimAction(
                victimID: victimID, kind: kind!.rawValue, at: at, method: method, note: note,
                byUserID: context.actor.id, byName: context.actor.name, language: leafletLanguage)
            try await action.create(on: tx)
            try await AuditLog.record(
                .create, "victim_action", action.id, summary: "\(kind!.rawValue) for victim \(victimID)",
                context: context, on: tx)
            try await ObligationService.recompute([victimID], on: tx)
            return action
        }
    }

    /// Victim Personal Statement: offered, made, declined, to follow, updated.
    static func recordStatement(
        victimID: UUID, status rawStatus: String?, note rawNote: String?, context: AccessContext,
        links: LinkSettings = .init(), on db: any Database
    ) async throws {
        let victim = try await find(victimID, on: db)
        try await checkAccess(.recordVictimAction, victim, context: context, on: db)
        var v = Validator()
        let status = v.requiredCode(
            rawStatus, "vpsStatus", "what happened with the statement", as: StatementStatus.self)
        let note = v.optional(rawNote, "vpsNote", "the note", max: 1000)
        try v.check()
        try await db.transaction { tx in
            try await bumpFacts([victimID], on: tx)
            victim.vpsStatus = status!.rawValue
            try await victim.save(on: tx)
            // An offer of any kind (offered, or taken there and then) meets the duty to offer one.
            let kind =
                status == .declined || status == .offered || status == .made
                ? VictimActionKind.vpsOffered.rawValue : "vps_\(status!.rawValue)"
            try await VictimAction(
                victimID: victimID, kind: kind, at: Date(), method: status!.rawValue, note: note,
                byUserID: context.actor.id, byName: context.actor.name
            ).create(on: tx)
            try await AuditLog.record(
                .update, "victim", victimID, summary: "VPS \(status!.rawValue)", context: context, on: tx)
            try await ObligationService.recompute([victimID], on: tx)
            // Taking a statement is an interaction the victim is asked to rate.
            if status == .made || status == .updated,
                let actionID = try await VictimAction.query(on: tx)
                    .filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending).first()?.id
            {
                try await FeedbackService.invite(
                    victimID: victimID, source: .statement, sourceID: actionID, by: context.actor, links: links, on: tx)
            }
        }
    }
}

/// Where a Victim Personal Statement stands.
enum StatementStatus: String, Labelled {
    case offered, made, declined
    case toFollow = "to_follow"
    case updated

    var label: String {
        switch self {
        case .offered: "Offered"
        case .made: "Made"
        case .declined: "Declined"
        case .toFollow: "To follow"
        case .updated: "Updated"
        }
    }
}
