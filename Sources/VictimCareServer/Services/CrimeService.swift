import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Recording and changing crimes (POLE events). Every function checks the policy first, then acts in a transaction.
enum CrimeService {
    struct Checked: Sendable {
        var reference: String
        var offence: Offence
        var offenceDescription: String
        var occurredFrom: Date
        var occurredTo: Date?
        var reportedAt: Date
        var channel: ReportingChannel
        var flags: Set<CrimeFlag>
        var unit: CommandUnit
        var officerInCaseID: UUID?
        var summary: String?
        var recordingDecisionAt: Date?
        /// The officer in the case is not of the crime's unit: refused for a new crime, and for a change that names
        /// the officer or moves the crime (`update`); a crime left as it was is not held up by it.
        var officerProblem: FieldError? = nil
    }

    /// Checks every field of a draft against the rules and the reference data, collecting all problems.
    static func check(_ draft: CrimeDraft, existingID: UUID? = nil, on db: any Database) async throws -> Checked {
        var v = Validator()
        let checked = try await check(draft, existingID: existingID, validator: &v, on: db)
        try v.check()
        return checked!
    }

    /// Adds the draft's problems to `v`; the checked crime when there were none.
    static func check(_ draft: CrimeDraft, existingID: UUID?, validator v: inout Validator, on db: any Database)
        async throws -> Checked?
    {
        check(draft, existingID: existingID, validator: &v, lookups: try await CrimeLookups.load(for: [draft], on: db))
    }

    /// The same check against reference data loaded beforehand (once for a whole chunk of an import).
    static func check(_ draft: CrimeDraft, existingID: UUID?, validator v: inout Validator, lookups: CrimeLookups)
        -> Checked?
    {
        let f = draft.fieldNames
        let rawReference = v.required(draft.reference, f.reference, "the crime reference", max: 32)
        let reference = Normalise.crimeReference(rawReference)
        if !rawReference.isEmpty, reference == nil {
            v.fail(f.reference, "Crime reference must be 4 to 32 letters, digits, / or -")
        }
        let code = v.required(draft.offenceCode, f.offenceCode, "the offence code", max: 16)
        let offence = code.isEmpty ? nil : lookups.offences[code]
        if !code.isEmpty, offence == nil { v.fail(f.offenceCode, "Offence code \(code) is not a known offence") }
        let description = v.optional(draft.offenceDescription, "offence", "the offence description", max: 200)
        let occurredFrom = v.requiredTime(
            draft.occurredFrom, f.occurredFrom, "when it happened", style: draft.timeStyle)
        let occurredTo = v.time(draft.occurredTo, f.occurredTo, "when it ended", style: draft.timeStyle)
        let reportedAt = v.requiredTime(draft.reportedAt, f.reportedAt, "when it was reported", style: draft.timeStyle)
        let channel = v.requiredCode(draft.channel, f.channel, "how it was reported", as: ReportingChannel.self)
        var flags = Set<CrimeFlag>()
        for raw in draft.flags where !raw.isEmpty {
            if let flag = CrimeFlag(rawValue: raw) {
                flags.insert(flag)
            } else {
                v.fail(f.flags, "\(raw) is not a known flag")
            }
        }
        let unitCode = v.required(draft.commandUnit, f.commandUnit, "the command unit", max: 40)
        let unit = unitCode.isEmpty ? nil : lookups.unit(unitCode)
        if !unitCode.isEmpty, unit == nil { v.fail(f.commandUnit, "Command unit \(unitCode) does not exist") }
        var officerID: UUID?
        var officerProblem: FieldError?
        if let officer = v.optional(draft.officerInCase, f.officerInCase, "the officer in the case", max: 100) {
            if let user = lookups.user(officer), user.active {
                officerID = user.id
                // The officer in the case sees the case's victims in their own list: someone of the unit that holds the
                // crime (or of a force-wide role). Refused here for a new crime; `update` refuses it when the officer
                // or the unit changes, so a move to another unit is checked too.
                if let unit, user.role.reach == .commandUnit, user.$commandUnit.id != unit.id {
                    officerProblem = FieldError(
                        field: f.officerInCase,
                        message:
                            "\(user.displayName) is not in command unit \(unit.code): the officer in the case must be of the unit that holds the crime"
                    )
                    if existingID == nil, let officerProblem { v.fail(officerProblem.field, officerProblem.message) }
                }
            } else {
                v.fail(f.officerInCase, "Officer \(officer) is not an active user")
            }
        }
        let summary = v.optional(draft.summary, f.summary, "the summary", max: 4000)
        if let from = occurredFrom, let to = occurredTo, to < from {
            v.fail(f.occurredTo, "When it ended must be after when it started")
        }
        // Each impossibility on the field that holds it: a future "when it happened" is that field's error,
        // not the report time's (2026-11-30, issue 13).
        let soon = Date().addingTimeInterval(300)
        if let from = occurredFrom, from > soon {
            v.fail(f.occurredFrom, "When it happened cannot be in the future")
        } else if let from = occurredFrom, let reported = reportedAt, reported < from {
            v.fail(f.reportedAt, "When it was reported must be after when it happened")
        }
        if let to = occurredTo, to > soon { v.fail(f.occurredTo, "When it ended cannot be in the future") }
        if let reported = reportedAt, reported > Date().addingTimeInterval(300) {
            v.fail(f.reportedAt, "When it was reported cannot be in the future")
        }
        let decidedAt = v.time(
            draft.recordingDecisionAt, "recording_decision_at", "when the crime recording decision was made",
            style: draft.timeStyle)
        if let decidedAt, decidedAt > soon {
            v.fail("recording_decision_at", "The recording decision cannot be in the future")
        } else if let decidedAt, let reported = reportedAt, decidedAt < reported {
            v.fail("recording_decision_at", "The recording decision must be after the report")
        }
        if let reference {
            if let clash = lookups.references[reference], clash != existingID {
                v.fail(f.reference, "Crime reference \(reference) is already recorded")
            }
        }
        guard v.isValid else { return nil }
        return Checked(
            reference: reference!, offence: offence!, offenceDescription: description ?? offence!.description,
            occurredFrom: occurredFrom!, occurredTo: occurredTo, reportedAt: reportedAt!, channel: channel!,
            flags: flags.union(offence!.flags), unit: unit!, officerInCaseID: officerID, summary: summary,
            recordingDecisionAt: decidedAt, officerProblem: officerProblem)
    }

    /// Records a new crime, with any victims given, in one transaction: planned in memory and written in one
    /// statement per table (issue 17), then the victims' obligations and any trial they join.
    static func create(
        _ draft: CrimeDraft, victims: [VictimDraft] = [], context: AccessContext, on db: any Database
    ) async throws -> CreatedCrime {
        let recording = try await plan(draft, victims: victims, context: context, on: db)
        do {
            // Outside a transaction it goes through the application's group-commit writer, in one transaction with
            // whatever other crimes are being recorded at that moment.
            if let writer = context.crimeWriter, !db.inTransaction,
                !((db as? LanedSQLiteDatabase)?.holdsLane ?? false)
            {
                return try await writer.write(recording)
            }
            return try await db.transaction { tx in try await NewCrime.write([recording], on: tx)[0] }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw DomainError.conflict(
                field: draft.fieldNames.reference, message: "That crime reference is already recorded")
        }
    }

    /// Checks a new crime and its victims and plans everything recording them writes; nothing is written.
    static func plan(
        _ draft: CrimeDraft, victims: [VictimDraft], context: AccessContext, on db: any Database
    ) async throws -> NewCrime {
        try AccessGuard.require(.createCrime, context)
        var v = Validator()
        // The reference data and the Victims' Code settings in one read (issue 17).
        let (lookups, stored) = try await CrimeLookups.load(draft, settings: VictimsCodeConfig.settingKeys, on: db)
        let crime = check(draft, existingID: nil, validator: &v, lookups: lookups)
        let people = victims.map { PersonService.checkDraft($0.person, validator: &v, context: context) }
        let needs = victims.map { victim in
            victim.needs.map { NeedsAssessmentService.check($0, validator: &v).assessment }
        }
        try v.check()
        let checked = crime!
        try await AccessGuard.check(
            .createCrime, "crime", checked.unit.id!, scope: RecordScope(commandUnitIDs: [checked.unit.id!]),
            context: context, on: db)
        let settings = try await VictimsCodeConfig.currentAndOptOut(settings: stored, on: db)
        return try NewCrime(
            checked, victims: Array(zip(people, needs)),
            officerTeamID: checked.officerInCaseID.flatMap { lookups.usersByID[$0]?.$team.id },
            config: settings.config, optOutFrom: victims.isEmpty ? nil : settings.optOutFrom, context: context)
    }

    /// A new crime and its victims, planned in memory: the crime and its first status, each victim's person,
    /// contact points, link and Victims' Code record, the obligations worked out from those facts in hand (as
    /// `VictimFactsLoader` would read them back), the messages a victim with an email address is sent, and every
    /// audit entry.
    struct NewCrime: Sendable {
        private(set) var rows = ModelRows()
        private let crime: Crime
        private var victims: [CreatedCrime.Victim] = []

        init(
            _ checked: Checked, victims drafts: [(PersonService.Checked, NeedsAssessment?)], officerTeamID: UUID?,
            config: VictimsCodeConfig, optOutFrom: Date?, context: AccessContext
        ) throws {
            let policy = config.currentPolicy
            let today = London.date(of: Date())
            let (crime, recorded) = build(checked, context: context)
            self.crime = crime
            let crimeID = crime.id!
            try rows.create(crime)
            try rows.create(recorded)
            try rows.create(
                AuditLog.entry(.create, "crime", crimeID, summary: "reference \(checked.reference)", context: context))
            let safeByDefault = ContactSafety.safeByDefault(flags: checked.flags, suspectKnown: false, policy: policy)
            for (checkedPerson, assessment) in drafts {
                let (person, newPoints) = PersonService.build(
                    checkedPerson, homeUnitID: checked.unit.id, safeByDefault: safeByDefault)
                try rows.create(person)
                // Models here: the victim's first messages are addressed to them by id.
                let points = newPoints.map {
                    ContactPoint(personID: person.id!, kind: $0.kind, value: $0.value, safe: $0.safe, note: nil)
                }
                for point in points { try rows.create(point) }
                try rows.queueLinkage(person.id!)
                try rows.create(AuditLog.entry(.create, "person", person.id, context: context))
                let linkID = try rows.link(crime: crime, person: person, role: .victim)
                try rows.create(
                    AuditLog.entry(
                        .create, "crime_person", linkID, summary: "victim linked to crime \(crimeID)", context: context)
                )
                // A new person: this crime is their only one, so the only victimisation in the window.
                let planned = try VictimService.plan(
                    linkID, crime: crime, person: person, needs: assessment, start: crime.reportedAt,
                    mostSerious: checked.offence.mostSerious, recentVictimisations: 1, announce: true, policy: policy,
                    optOutFrom: optOutFrom, context: context, into: &rows)
                let victim = planned.victim
                let facts = VictimFactsLoader.loaded(
                    VictimFactsLoader.Record(
                        newVictim: victim, crime: crime, person: person, unitCode: checked.unit.code,
                        mostSerious: checked.offence.mostSerious, consent: planned.consent,
                        statusChanges: [(recorded.statusCode, recorded.at.timeIntervalSince1970)]),
                    config: config, today: today
                ).facts
                let owed = config.engine.obligations(for: facts)
                victim.computedVersion = victim.factsVersion
                try rows.create(victim, obligationsHash: Obligation.fingerprint(owed))
                try ObligationService.plan(owed, victimID: linkID, crimeID: crimeID, into: &rows)
                try CommunicationsService.planVictimRecorded(
                    victim: victim, person: person, crime: crime, points: points, policy: policy,
                    credited: (checked.officerInCaseID, officerTeamID, checked.unit.id!), into: &rows)
                victims.append(.init(victimID: linkID, personID: person.id!, enhanced: victim.enhanced))
            }
        }

        /// Writes the plans (one or many crimes, one statement per table for them all) and any open trial their
        /// victims join. Call in a transaction.
        static func write(_ plans: [NewCrime], on db: any Database) async throws -> [CreatedCrime] {
            var rows = plans.first?.rows ?? ModelRows()
            for plan in plans.dropFirst() { rows.append(plan.rows) }
            try await rows.write(on: db)
            // A new victim (not one loaded from history) joins any open trial they are eligible for.
            let trials = plans.contains { !$0.victims.isEmpty } ? try await TrialService.openTrials(on: db) : []
            var created: [CreatedCrime] = []
            for plan in plans {
                for victim in plan.victims {
                    try await TrialService.allocate(victimID: victim.victimID, crime: plan.crime, among: trials, on: db)
                }
                // Stored now, as Fluent's own create would have marked it (a later save updates, not inserts).
                plan.crime.$id.exists = true
                created.append(CreatedCrime(crime: plan.crime, victims: plan.victims))
            }
            return created
        }
    }

    /// Group commit for recorded crimes (`GroupCommit`): the plans of every request that arrives while one write
    /// is under way are written together in the next transaction, one statement per table for them all, instead of
    /// a transaction and a dozen statements each. Each request still returns only once its crime is committed; a
    /// reference taken in between fails only the request that used it.
    struct Writer: Sendable {
        private let group: GroupCommit<NewCrime, CreatedCrime>

        /// `database`: the application's (every write goes through it, whichever request started the write).
        init(database: @escaping @Sendable () -> any Database) {
            // Weighed in rows: about 25 a crime with one victim, so a few dozen such crimes to a transaction; a crime
            // with hundreds of victims goes alone.
            group = GroupCommit(maxWeight: 1_000, database: database) { plans, db in
                try await db.transaction { tx in try await NewCrime.write(plans, on: tx) }
            }
        }

        func write(_ plan: NewCrime) async throws -> CreatedCrime {
            try await group.submit(plan, weight: plan.rows.rowCount)
        }

        /// How many transactions it has committed (for tests: fewer than its callers when they came together).
        var transactions: Int { get async { await group.writes } }
        /// How many crimes are not yet answered (for tests).
        var pending: Int { get async { await group.pending } }
    }

    /// A new crime as recorded, and the first entry of its status history (written by `create`, or by an
    /// import's chunk in one statement per table).
    static func build(_ checked: Checked, context: AccessContext) -> (Crime, CrimeStatusChange) {
        let crime = Crime()
        crime.id = UUID.ordered()
        apply(checked, to: crime)
        crime.statusCode = CrimeStatus.recorded.rawValue
        crime.recordingDecisionAt = checked.recordingDecisionAt ?? .storedNow()
        let recorded = CrimeStatusChange(
            crimeID: crime.id!, status: CrimeStatus.recorded.rawValue, at: checked.reportedAt,
            byUserID: context.actor.id, byName: context.actor.name, note: nil)
        return (crime, recorded)
    }

    struct CreatedCrime: Sendable {
        struct Victim: Sendable {
            var victimID: UUID
            var personID: UUID
            var enhanced: Bool
        }
        var crime: Crime
        var victims: [Victim]
    }

    /// Changes a crime's recorded details. Status has its own history and function.
    static func update(_ id: UUID, _ draft: CrimeDraft, context: AccessContext, on db: any Database) async throws
        -> Crime
    {
        let crime = try await find(id, on: db)
        try await AccessGuard.check(.editCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        let checked = try await check(draft, existingID: id, on: db)
        if let problem = checked.officerProblem,
            checked.officerInCaseID != crime.$officerInCase.id || checked.unit.id != crime.$commandUnit.id
        {
            throw DomainError.invalid([problem])
        }
        if checked.unit.id != crime.$commandUnit.id {
            // Moving a crime hands it (and its people) to another unit: decided on the crime as it is now, by
            // its own unit's supervisor or lead, or an administrator (2026-11-30, issue 12).
            try await AccessGuard.check(.moveCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        }
        return try await db.transaction { tx in
            let before = snapshot(crime)
            apply(checked, to: crime)
            let changed = before.changedKeys(comparedWith: snapshot(crime))
            if changed.isEmpty { return crime }
            try await crime.save(on: tx)
            try await AuditLog.record(
                .update, "crime", id, summary: "changed: " + changed.joined(separator: ", "), context: context, on: tx)
            if changed.contains("reported_at"), let sql = tx as? any SQLDatabase {
                try await sql.update("crime_persons").set("reported_at", to: crime.reportedAt).where(
                    "crime_id", .equal, id
                )
                .run()
            }
            // What the crime is, and when, decide enhanced rights and deadlines.
            if !Set(changed).isDisjoint(with: [
                "offence_code", "flags", "occurred_from", "reported_at", "command_unit", "recording_decision_at",
            ]) {
                try await VictimService.recomputeCrime(id, reassess: true, on: tx)
            }
            return crime
        }
    }

    /// Moves a crime to a new status and keeps the history.
    static func changeStatus(
        _ id: UUID, to rawStatus: String?, note rawNote: String?, at: Date = Date(), context: AccessContext,
        on db: any Database
    ) async throws {
        let crime = try await find(id, on: db)
        try await AccessGuard.check(.editCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        var v = Validator()
        let status = v.requiredCode(rawStatus, "status", "a status", as: CrimeStatus.self)
        let note = v.optional(rawNote, "note", "the note", max: 2000)
        try v.check()
        guard let status, status != crime.status else { return }
        try await db.transaction { tx in
            crime.statusCode = status.rawValue
            try await crime.save(on: tx)
            try await CrimeStatusChange(
                crimeID: id, status: status.rawValue, at: at, byUserID: context.actor.id, byName: context.actor.name,
                note: note
            ).create(on: tx)
            try await AuditLog.record(
                .update, "crime", id, summary: "status \(status.rawValue)", context: context, on: tx)
            // Closing or reopening a case starts or stops the regular updates.
            try await VictimService.recomputeCrime(id, reassess: false, on: tx)
        }
    }

    static func find(_ id: UUID, on db: any Database) async throws -> Crime {
        guard let crime = try await Crime.find(id, on: db) else { throw DomainError.notFound("crime") }
        return crime
    }

    static func scope(of crime: Crime) -> RecordScope {
        RecordScope(commandUnitIDs: [crime.$commandUnit.id])
    }

    static func apply(_ c: Checked, to crime: Crime) {
        crime.reference = c.reference
        crime.offenceCode = c.offence.code
        crime.offenceDescription = c.offenceDescription
        crime.occurredFrom = c.occurredFrom
        crime.occurredTo = c.occurredTo
        crime.reportedAt = c.reportedAt
        crime.channelCode = c.channel.rawValue
        crime.flags = c.flags
        crime.$commandUnit.id = c.unit.id!
        crime.$officerInCase.id = c.officerInCaseID
        crime.summary = c.summary
        if let decided = c.recordingDecisionAt { crime.recordingDecisionAt = decided }
    }

    private static func snapshot(_ crime: Crime) -> [String: String] {
        [
            "reference": crime.reference, "offence_code": crime.offenceCode, "offence": crime.offenceDescription,
            "occurred_from": "\(crime.occurredFrom.timeIntervalSince1970)",
            "occurred_to": "\(crime.occurredTo?.timeIntervalSince1970 ?? 0)",
            "reported_at": "\(crime.reportedAt.timeIntervalSince1970)", "channel": crime.channelCode,
            "flags": crime.flagsCode, "command_unit": crime.$commandUnit.id.uuidString,
            "officer_in_case": crime.$officerInCase.id?.uuidString ?? "", "summary": crime.summary ?? "",
            "recording_decision_at": "\(crime.recordingDecisionAt?.timeIntervalSince1970 ?? 0)",
        ]
    }
}

extension Dictionary where Key == String, Value == String {
    /// Keys whose values differ, sorted; used to audit which fields changed without recording their values.
    func changedKeys(comparedWith other: [String: String]) -> [String] {
        Set(keys).union(other.keys).filter { self[$0] != other[$0] }.sorted()
    }
}
