import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The Victim Needs Assessment: each completion is kept, decides enhanced rights, and recomputes what is owed.
enum NeedsAssessmentService {
    /// The assessment as submitted (a form or the API's `needs`), before checking.
    struct Draft: Sendable {
        var language: String?
        var interpreterNeeded: String?
        var communicationNeeds: String?
        var accessNeeds: String?
        var preferredContact: String?
        var preferredTimes: String?
        var agreedUpdateDays: String?
        var feelsSafe: String?
        var suspectHasAccess: String?
        var suspectKnown: String?
        var safetyNotes: String?
        var supportWanted: String?
        var referralConsent: String?
        var bereaved: String?
        var persistentlyTargeted: String?
        var vulnerability: [String] = []
        var intimidated: String?
    }

    struct Checked {
        var assessment: NeedsAssessment
        var preferredContact: ContactMethod?
        var preferredTimes: String?
        var agreedUpdateDays: Int?
    }

    static func check(_ d: Draft, validator v: inout Validator) -> Checked {
        var language = "en"
        if let raw = v.optional(d.language, "language", "the language", max: 10) {
            if let known = Language.named(raw) {
                language = known.code
            } else {
                v.fail("language", "\(raw) is not a language VictimCare knows")
            }
        }
        var vulnerability = Set<VulnerabilityFactor>()
        for raw in d.vulnerability where !raw.isEmpty {
            if let factor = VulnerabilityFactor(rawValue: raw) {
                vulnerability.insert(factor)
            } else {
                v.fail("vulnerability", "\(raw) is not a known reason")
            }
        }
        var days: Int?
        if let raw = v.optional(d.agreedUpdateDays, "agreedUpdateDays", "how often they want updates", max: 4) {
            if let n = Int(raw), (1...90).contains(n) {
                days = n
            } else {
                v.fail("agreedUpdateDays", "Updates must be every 1 to 90 days")
            }
        }
        let interpreter = v.flag(d.interpreterNeeded, "interpreterNeeded", "needs an interpreter")
        let feelsSafe = v.flag(d.feelsSafe, "feelsSafe", "feels safe")
        let suspectAccess = v.flag(d.suspectHasAccess, "suspectHasAccess", "suspect may see messages")
        let suspectKnown = v.flag(d.suspectKnown, "suspectKnown", "knows the suspect")
        let supportWanted = v.flag(d.supportWanted, "supportWanted", "wants support")
        let consent = v.code(d.referralConsent, "referralConsent", "referral answer", as: ReferralConsent.self)
        let bereaved = v.flag(d.bereaved, "bereaved", "bereaved relative")
        let targeted = v.flag(d.persistentlyTargeted, "persistentlyTargeted", "persistently targeted")
        let intimidated = v.flag(d.intimidated, "intimidated", "intimidated")
        let answers: [(NeedsQuestion, Bool)] = [
            (.interpreter, interpreter != nil), (.feelsSafe, feelsSafe != nil), (.suspectAccess, suspectAccess != nil),
            (.supportWanted, supportWanted != nil), (.referralConsent, consent != nil && consent != .notAsked),
            (.bereaved, bereaved != nil), (.persistentlyTargeted, targeted != nil), (.intimidated, intimidated != nil),
        ]
        var assessment = NeedsAssessment(
            language: language,
            interpreterNeeded: interpreter ?? false,
            communicationNeeds: v.optional(
                d.communicationNeeds, "communicationNeeds", "the communication needs", max: 4000),
            accessNeeds: v.optional(d.accessNeeds, "accessNeeds", "the access needs", max: 4000),
            feelsSafe: feelsSafe,
            suspectHasAccessToContactPoints: suspectAccess ?? false,
            safetyNotes: v.optional(d.safetyNotes, "safetyNotes", "the safety notes", max: 4000),
            supportWanted: supportWanted, referralConsent: consent ?? .notAsked,
            bereavedRelative: bereaved ?? false, persistentlyTargeted: targeted ?? false,
            vulnerability: vulnerability, intimidated: intimidated ?? false)
        assessment.unanswered = answers.filter { !$0.1 }.map(\.0)
        assessment.suspectKnown = suspectKnown
        return Checked(
            assessment: assessment,
            preferredContact: v.code(d.preferredContact, "preferredContact", "contact method", as: ContactMethod.self),
            preferredTimes: v.optional(d.preferredTimes, "preferredTimes", "the preferred times", max: 200),
            agreedUpdateDays: days)
    }

    /// Completes an assessment for a victim: keeps it, updates the person's contact preferences, decides
    /// enhanced rights afresh and recomputes obligations.
    /// A draft (required questions unanswered) is kept and acted on the same way, but leaves R6 open.
    static func complete(victimID: UUID, _ draft: Draft, context: AccessContext, on db: any Database) async throws
        -> (decision: EnhancedRightsDecision, unanswered: [NeedsQuestion])
    {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.completeAssessment, victim, context: context, on: db)
        var v = Validator()
        let checked = check(draft, validator: &v)
        try v.check()
        return try await db.transaction { tx in
            try await VictimService.bumpFacts([victimID], on: tx)
            let now = Date()
            try await store(checked.assessment, victimID: victimID, at: now, context: context, on: tx)
            if let days = checked.agreedUpdateDays {
                try await (tx as! any SQLDatabase).update("victims").set("agreed_update_days", to: days).where(
                    "id", .equal, victimID
                ).run()
            }
            let person = try await PersonService.find(victim.$person.id, on: tx)
            person.language = checked.assessment.language
            person.interpreterNeeded = checked.assessment.interpreterNeeded
            if let needs = checked.assessment.communicationNeeds { person.communicationNeeds = needs }
            if let needs = checked.assessment.accessNeeds { person.accessNeeds = needs }
            if let method = checked.preferredContact { person.preferredContact = method.rawValue }
            if let times = checked.preferredTimes { person.preferredTimes = times }
            try await person.save(on: tx)
            let fresh = try await VictimService.find(victimID, on: tx)
            let decision = try await decide(victimID: victimID, assessment: checked.assessment, on: tx)
            try await EnhancedRightsStore.apply(
                decision, to: victimID, previous: fresh.enhanced, previousGrounds: fresh.groundsCode, at: now, on: tx)
            try await AuditLog.record(
                .create, "needs_assessment", victimID, summary: "enhanced \(decision.enhanced)", context: context,
                on: tx)
            try await ObligationService.recompute([victimID], on: tx)
            // Messages held until someone asked whether the suspect sees them go, if the answer allows.
            try await OutboxService.recheckHeld(victimID: victimID, on: tx)
            return (decision, checked.assessment.unanswered ?? [])
        }
    }

    /// Keeps the assessment and copies what other parts of the system act on onto the victim.
    static func store(_ a: NeedsAssessment, victimID: UUID, at: Date, context: AccessContext, on db: any Database)
        async throws
    {
        let decision = try await decide(victimID: victimID, assessment: a, on: db)
        try await record(a, victimID: victimID, at: at, decision: decision, context: context).create(on: db)
        let victim = try await VictimService.find(victimID, on: db)
        applyAnswers(a, to: victim, at: at)
        try await victim.save(on: db)
        // Consent asked in the assessment: the referral follows it (made, or withdrawn before it goes).
        try await ReferralService.sync(
            victimID: victimID, method: "Needs assessment", byName: context.actor.name, on: db)
    }

    /// The stored assessment with the decision it made.
    static func record(
        _ a: NeedsAssessment, victimID: UUID, at: Date, decision: EnhancedRightsDecision, context: AccessContext
    ) -> NeedsAssessmentRecord {
        let record = NeedsAssessmentRecord()
        record.$victim.id = victimID
        record.questionSet = a.questionSetVersion
        record.answersJSON = a.json
        record.enhanced = decision.enhanced
        record.grounds = Victim.encode(decision.groundList)
        record.completedAt = at
        record.completedByID = context.actor.id
        record.completedByName = context.actor.name
        return record
    }

    /// What an assessment's answers change on the victim's record.
    static func applyAnswers(_ a: NeedsAssessment, to victim: Victim, at: Date) {
        victim.referralConsentCode = a.referralConsent.rawValue
        // A need found by a later assessment is owed from then (2026-11-30, issue 14).
        if a.bereavedRelative, !victim.bereaved { victim.bereavedSince = at }
        if !a.bereavedRelative { victim.bereavedSince = nil }
        victim.bereaved = a.bereavedRelative
        if a.interpreterNeeded, !victim.interpreterNeeded { victim.interpreterNeededSince = at }
        if !a.interpreterNeeded { victim.interpreterNeededSince = nil }
        victim.interpreterNeeded = a.interpreterNeeded
        victim.suspectMaySeeMessages = a.suspectHasAccessToContactPoints
        victim.suspectAccessAsked = !(a.unanswered ?? []).contains(.suspectAccess)
        if let known = a.suspectKnown { victim.suspectKnown = known }
        // Only a complete assessment meets R6; a draft is kept and its answers act, but the duty stays open.
        if a.isComplete, victim.vnaCompletedAt == nil { victim.vnaCompletedAt = at }
        if a.referralConsent != .notAsked, victim.explicitConsentAt == nil { victim.explicitConsentAt = at }
    }

    /// The enhanced-rights decision for a victim with a given assessment (or none).
    static func decide(victimID: UUID, assessment: NeedsAssessment?, on db: any Database) async throws
        -> EnhancedRightsDecision
    {
        let input = try await input(victimID: victimID, assessment: assessment, on: db)
        return EnhancedRights.assess(input, policy: try await VictimsCodeConfig.current(on: db).currentPolicy)
    }

    static func input(victimID: UUID, assessment: NeedsAssessment?, on db: any Database) async throws
        -> EnhancedRightsInput
    {
        let victim = try await VictimService.find(victimID, on: db)
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        let offence = try await Offence.query(on: db).filter(\.$code == crime.offenceCode).first()
        let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
        let exceptions = try await EnhancedGroundException.query(on: db).filter(\.$victim.$id == victimID).all()
        let since = crime.reportedAt.addingTimeInterval(-Double(policy.persistentlyTargetedWindowDays) * 86_400)
        // Over every record linked to this person (issue 18): a repeat victim recorded twice is still one.
        // Up to this crime's report, itself included: a second's grace, as a stored time read back and bound again
        // may differ from itself in its last digits.
        let recent = try await LinkageService.victimisations(
            of: person.id!, from: since, to: crime.reportedAt.addingTimeInterval(1), on: db)
        return input(
            crime: crime, mostSerious: offence?.mostSerious ?? false, dateOfBirth: person.dateOfBirth,
            assessment: assessment, recentVictimisations: recent, exceptions: exceptions,
            business: victim.basis == .business)
    }

    /// The same input from facts in hand. `recentVictimisations`: the person's victim links (this one among
    /// them) to crimes reported in the persistently-targeted window up to this crime's report.
    static func input(
        crime: Crime, mostSerious: Bool, dateOfBirth: String?, assessment: NeedsAssessment?,
        recentVictimisations recent: Int, exceptions: [EnhancedGroundException], business: Bool
    ) -> EnhancedRightsInput {
        EnhancedRightsInput(
            offenceIsMostSerious: mostSerious, flags: crime.flags, occurredOn: London.date(of: crime.occurredFrom),
            reportedOn: London.date(of: crime.reportedAt), dateOfBirth: dateOfBirth.flatMap(LocalDate.init),
            assessment: assessment, recentVictimisations: max(recent, 1), assessedOn: London.date(of: Date()),
            groundExceptions: Dictionary(
                exceptions.compactMap { e in e.ground.map { ($0, e.reason) } }, uniquingKeysWith: { a, _ in a }),
            business: business)
    }

    /// The newest assessment's answers, if any.
    static func latest(victimID: UUID, on db: any Database) async throws -> NeedsAssessmentRecord? {
        try await NeedsAssessmentRecord.query(on: db).filter(\.$victim.$id == victimID).sort(
            \.$completedAt, .descending
        ).first()
    }

    /// What the needs-assessment form shows: the victim, the person and the last answers; audited as a view of
    /// the person, since the form shows their needs and safety notes.
    struct ForForm: Sendable {
        var victim: Victim
        var person: Person
        var crime: Crime
        var last: NeedsAssessment?
        /// What the crime and the victim's record decide without the form (shown beside the questions).
        var automatic: EnhancedRightsDecision
        var outsideUnit: Bool
    }

    static func loadForm(victimID: UUID, context: AccessContext, on db: any Database) async throws -> ForForm {
        let victim = try await VictimService.find(victimID, on: db)
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        var scope = CrimeService.scope(of: crime)
        scope.sharedWithActor = try await SharingService.isShared(
            personID: victim.$person.id, with: context.actor, on: db)
        let outside = try await AccessGuard.checkForm(
            .completeAssessment, reading: .viewPerson, "crime", crime.id!, scope: scope, context: context, on: db)
        try await AuditLog.recordViews(
            "person", [victim.$person.id], summary: "needs assessment form, victim \(victimID)", context: context,
            on: db)
        let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
        return ForForm(
            victim: victim, person: try await PersonService.find(victim.$person.id, on: db), crime: crime,
            last: try await latest(victimID: victimID, on: db)?.answers,
            automatic: EnhancedRights.assess(
                try await input(victimID: victimID, assessment: nil, on: db), policy: policy),
            outsideUnit: outside)
    }
}
