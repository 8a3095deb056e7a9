import Fluent
import Foundation
import VictimCareDomain

/// Issue 16, item 1: the triage of a report and each victim's answer to the offer of a video call. The rules
/// are ``VideoResponse``'s; this service checks who may record them, keeps every version, and audits.
enum ResponseTriageService {
    // MARK: the triage

    struct TriageDraft: Sendable {
        var threat: String?
        var risk: String?
        var harm: String?
        /// "yes" or "no".
        var attendanceNeeded: String?
        var reason: String?
    }

    /// The current triage of a crime (the latest), if any.
    static func current(crimeID: UUID, on db: any Database) async throws -> ResponseTriageRecord? {
        try await ResponseTriageRecord.query(on: db).filter(\.$crime.$id == crimeID)
            .sort(\.$decidedAt, .descending).first()
    }

    static func history(crimeID: UUID, on db: any Database) async throws -> [ResponseTriageRecord] {
        try await ResponseTriageRecord.query(on: db).filter(\.$crime.$id == crimeID)
            .sort(\.$decidedAt, .descending).limit(50).all()
    }

    /// Records a triage of the crime; an earlier one stays in the history.
    static func record(_ crimeID: UUID, _ draft: TriageDraft, context: AccessContext, on db: any Database)
        async throws -> ResponseTriageRecord
    {
        let crime = try await CrimeService.find(crimeID, on: db)
        try await AccessGuard.check(
            .editCrime, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        var problems: [FieldError] = []
        func level(_ field: String, _ raw: String?, _ label: String) -> VideoResponse.Level {
            guard let level = raw.flatMap(VideoResponse.Level.init(rawValue:)) else {
                problems.append(.init(field: field, message: "Choose the \(label): none, low, medium or high."))
                return .high
            }
            return level
        }
        let threat = level("threat", draft.threat, "threat")
        let risk = level("risk", draft.risk, "risk")
        let harm = level("harm", draft.harm, "harm")
        let attendance = yesNo(draft.attendanceNeeded)
        if attendance == nil {
            problems.append(.init(field: "attendanceNeeded", message: "Say whether an officer must attend now."))
        }
        let triage = VideoResponse.Triage(
            threat: threat, risk: risk, harm: harm, attendanceNeeded: attendance ?? true,
            reason: (draft.reason ?? "").trimmingWhitespaceAndNewlines())
        problems += triage.problems()
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let record = ResponseTriageRecord()
        record.$crime.id = crimeID
        record.threat = threat.rawValue
        record.risk = risk.rawValue
        record.harm = harm.rawValue
        record.attendanceNeeded = triage.attendanceNeeded
        record.reason = triage.reason
        record.offersVideo = triage.offersVideo
        record.decidedByID = context.actor.kind == .user ? context.actor.id : nil
        record.decidedByName = context.actor.name
        record.decidedAt = Date()
        try await db.transaction { tx in
            try await record.create(on: tx)
            try await AuditLog.record(
                .create, "response_triage", record.id,
                summary:
                    "crime \(crimeID): threat \(threat.rawValue), risk \(risk.rawValue), harm \(harm.rawValue); "
                    + (triage.offersVideo ? "video may be offered" : "attendance"),
                context: context, on: tx)
        }
        return record
    }

    // MARK: the offer to one victim

    struct OfferDraft: Sendable {
        /// "yes", "no", or nothing when not asked (only asked when no date of birth is recorded).
        var statedAdult: String?
        var guardianPresent = false
        var hasVideoDevice: String?
        var hasConnection: String?
        var offenderPresent: String?
        var accessNeeds: String?
        var officerSex: String?
        var choice: String?
        var declineReason: String?
    }

    /// What the offer page shows: the victim, their crime's triage and what they answered before.
    struct Offer: Sendable {
        var victim: Victim
        var person: Person
        var crime: Crime
        var triage: ResponseTriageRecord?
        var choices: [ResponseChoice]
        /// A parent or guardian is recorded on the crime.
        var guardianOnCrime: Bool
        /// Another unit's victim, opened with a reason: the answer needs a reason of its own.
        var outsideUnit: Bool

        func facts(_ draft: OfferDraft? = nil) -> VideoResponse.Facts {
            let last = choices.first
            return VideoResponse.Facts(
                dateOfBirth: person.dateOfBirth.flatMap(LocalDate.init), today: London.date(of: Date()),
                guardianPresent: draft?.guardianPresent ?? last?.guardianPresent ?? false,
                hasVideoDevice: draft.map { yesNo($0.hasVideoDevice) } ?? last?.hasVideoDevice,
                hasConnection: draft.map { yesNo($0.hasConnection) } ?? last?.hasConnection,
                offenderPresent: draft.map { yesNo($0.offenderPresent) } ?? last?.offenderPresent,
                interpreterNeeded: victim.interpreterNeeded, language: person.language,
                accessNeeds: draft.map(\.accessNeeds) ?? last?.accessNeeds,
                statedAdult: draft.map { yesNo($0.statedAdult) } ?? last?.statedAdult,
                officerSex: draft.map(\.officerSex) ?? last?.officerSex)
        }
    }

    /// Loads the offer for the page: shown to those who may record the answer and read the victim (a reason
    /// opens another unit's), and audited as a view of the victim.
    static func offer(_ victimID: UUID, context: AccessContext, on db: any Database) async throws -> Offer {
        let victim = try await VictimService.find(victimID, on: db)
        let (crime, scope) = try await VictimService.scope(of: victim, context: context, on: db)
        let eachTime = try await AccessGuard.checkForm(
            .recordContact, reading: .viewPerson, "crime", crime.id!, scope: scope, context: context, on: db)
        try await AuditLog.record(.view, "victim", victimID, summary: "video response offer", context: context, on: db)
        try await AuditLog.recordViews(
            "person", [victim.$person.id], summary: "video response offer \(victimID)", context: context, on: db)
        return try await load(victim, crime, outsideUnit: eachTime, on: db)
    }

    private static func load(_ victim: Victim, _ crime: Crime, outsideUnit: Bool, on db: any Database)
        async throws -> Offer
    {
        let guardian = try await CrimePerson.query(on: db).filter(\.$crime.$id == crime.id!)
            .filter(\.$roleCode == PersonRole.parentOrGuardian.rawValue).count()
        return Offer(
            victim: victim, person: try await PersonService.find(victim.$person.id, on: db), crime: crime,
            triage: try await current(crimeID: crime.id!, on: db),
            choices: try await ResponseChoice.query(on: db).filter(\.$victim.$id == victim.id!)
                .sort(\.$recordedAt, .descending).limit(20).all(),
            guardianOnCrime: guardian > 0, outsideUnit: outsideUnit)
    }

    /// Records the victim's answer. Video only when the triage offers it and the rules allow it (each bar is
    /// said against the answer behind it, and a visit is offered instead); a visit is always possible, with
    /// the reason when video was open to them.
    @discardableResult
    static func choose(_ victimID: UUID, _ draft: OfferDraft, context: AccessContext, on db: any Database)
        async throws -> ResponseChoice
    {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.recordContact, victim, context: context, on: db)
        let offer = try await load(
            victim, try await CrimeService.find(victim.$crime.id, on: db), outsideUnit: false, on: db)
        let facts = offer.facts(draft)
        let decision = VideoResponse.decide(facts)
        var problems: [FieldError] = []
        let access = draft.accessNeeds?.trimmingWhitespaceAndNewlines().nilIfEmpty
        if (access?.count ?? 0) > 500 {
            problems.append(.init(field: "accessNeeds", message: "Keep their needs to 500 characters."))
        }
        let sex = draft.officerSex?.nilIfEmpty
        if let sex, !["female", "male"].contains(sex) {
            problems.append(.init(field: "officerSex", message: "Choose a female or male officer, or either."))
        }
        let decline = draft.declineReason?.trimmingWhitespaceAndNewlines().nilIfEmpty
        if (decline?.count ?? 0) > 1000 {
            problems.append(.init(field: "declineReason", message: "Keep the reason to 1,000 characters."))
        }
        let videoOpen = (offer.triage?.offersVideo ?? false) && decision.eligible
        switch draft.choice.flatMap(ResponseChoice.Choice.init(rawValue:)) {
        case nil:
            problems.append(.init(field: "choice", message: "Choose what the victim chose: a video call or a visit."))
        case .video?:
            if let triage = offer.triage {
                if let why = triage.triage.whyNoVideo { problems.append(.init(field: "choice", message: why)) }
            } else {
                problems.append(
                    .init(
                        field: "choice",
                        message: "Record the crime's triage first: video is offered only when nobody must attend now."
                    ))
            }
            problems += decision.unknowns + decision.bars
            if !decision.bars.isEmpty {
                problems.append(
                    .init(field: "choice", message: "A video call is not possible for them: offer a visit."))
            }
        case .inPerson?:
            if videoOpen && decline == nil {
                problems.append(
                    .init(field: "declineReason", message: "Say why they chose a visit over a video call."))
            }
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let choice = ResponseChoice()
        choice.$victim.id = victimID
        choice.$triage.id = offer.triage?.id
        choice.statedAdult = facts.statedAdult
        choice.guardianPresent = facts.guardianPresent
        choice.hasVideoDevice = facts.hasVideoDevice
        choice.hasConnection = facts.hasConnection
        choice.offenderPresent = facts.offenderPresent
        choice.accessNeeds = access
        choice.officerSex = sex
        choice.eligible = videoOpen
        choice.bars = (decision.bars + decision.unknowns).map(\.message).joined(separator: "\n")
        choice.adjustments = decision.adjustments.joined(separator: "\n")
        choice.choiceCode = draft.choice!
        choice.declineReason = decline
        choice.recordedByName = context.actor.name
        choice.byVictim = false
        choice.recordedAt = Date()
        try await db.transaction { tx in
            try await choice.create(on: tx)
            try await AuditLog.record(
                .create, "response_choice", choice.id, summary: "victim \(victimID): \(choice.choiceCode)",
                context: context, on: tx)
        }
        return choice
    }

    /// The victim's latest answer, if any.
    static func latestChoice(victimID: UUID, on db: any Database) async throws -> ResponseChoice? {
        try await ResponseChoice.query(on: db).filter(\.$victim.$id == victimID).sort(\.$recordedAt, .descending)
            .first()
    }

    static func yesNo(_ raw: String?) -> Bool? {
        switch raw {
        case "yes": true
        case "no": false
        default: nil
        }
    }
}

extension ResponseTriageService {
    /// The crime's response page: its triages, and each victim's latest answer to the offer.
    struct CrimeResponse: Sendable {
        struct VictimLine: Sendable {
            var victim: Victim
            var name: String
            var latest: ResponseChoice?
        }
        var crime: Crime
        var triages: [ResponseTriageRecord]
        var victims: [VictimLine]
        /// Another unit's crime: each triage needs a reason of its own.
        var outsideUnit: Bool
    }

    /// Shown to those who may change the crime and read it (a reason opens another unit's); audited.
    static func crimeResponse(_ crimeID: UUID, context: AccessContext, on db: any Database) async throws
        -> CrimeResponse
    {
        let crime = try await CrimeService.find(crimeID, on: db)
        let eachTime = try await AccessGuard.checkForm(
            .editCrime, reading: .viewCrime, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context,
            on: db)
        try await AuditLog.record(.view, "crime", crimeID, summary: "response triage", context: context, on: db)
        let victims = try await Victim.query(on: db).filter(\.$crime.$id == crimeID).sort(\.$createdAt).all()
        try await AuditLog.recordViews(
            "person", victims.map { $0.$person.id }, summary: "response triage of crime \(crimeID)", context: context,
            on: db)
        let people = try await Person.query(on: db).filter(\.$id ~~ victims.map { $0.$person.id }).all()
        let names = Dictionary(people.map { ($0.id!, $0.fullName) }, uniquingKeysWith: { a, _ in a })
        var lines: [CrimeResponse.VictimLine] = []
        for victim in victims {
            lines.append(
                .init(
                    victim: victim, name: names[victim.$person.id] ?? "Victim",
                    latest: try await latestChoice(victimID: victim.id!, on: db)))
        }
        return CrimeResponse(
            crime: crime, triages: try await history(crimeID: crimeID, on: db), victims: lines, outsideUnit: eachTime)
    }
}
