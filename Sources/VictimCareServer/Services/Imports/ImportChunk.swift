import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// A chunk of an import planned in memory and written in sets (issue 17): what each row creates is built by the
/// services' own pure parts (the crime check, the person check, the needs assessment, the enhanced-rights
/// decision, the referral rule, the case event's status effect) against facts read once for the chunk, one
/// query per table; then every table is written in multi-row statements and the obligations of every victim the
/// chunk touched are worked out in one recompute.
///
/// A row the plan does not cover goes through the services a row at a time (`.service`): a change to a record
/// already imported, a victim of a crime recent enough to be told about it now (messages, trials, referrals),
/// a representative, or an actor whose role needs a reason for some records. Before such a row the plan so far
/// is written, and after it the facts it changed are read again, so rows keep their order.
///
/// A bulk load plans each chunk while the one before it is written (`load(carry:ahead:)`): what that chunk
/// created or changed and has not yet committed comes from its ``Carry``, the rest from the database; and the
/// records the plan found there are checked again when it is written (``stillHolds(on:)``), so a change made
/// meanwhile by someone else sends the chunk back to be planned inside its transaction.
struct ImportChunk: Sendable {
    enum Step: Equatable {
        case planned(CrimeImport.Change)
        case service
    }

    let source: String
    let runID: UUID
    let context: AccessContext
    private let config: VictimsCodeConfig
    private let policy: VictimsCodePolicy
    private let optOutFrom: Date?
    /// Whether the actor may do everything a plan does to any record, whatever its unit (decided on a record no
    /// unit owns: allowed there is allowed everywhere). Otherwise every row takes the services' checks.
    private let unrestricted: Bool

    private var lookups: CrimeLookups
    private var keys: [String: ImportKey] = [:]
    private var crimes: [UUID: Crime] = [:]
    private var persons: [UUID: Person] = [:]
    /// Each known person's links: crime, role, and the crime's report time.
    private var links: [UUID: [(crimeID: UUID, role: String, reportedAt: Date)]] = [:]
    /// The latest status change of each crime in hand.
    private var latestStatus: [UUID: Date] = [:]
    /// Whether each offence in hand is one of the most serious (active or not: a crime keeps its offence).
    private var mostSerious: [String: Bool] = [:]
    /// One instant for every crime the chunk creates or changes (their created and updated times), so a chunk
    /// planned ahead knows what the database holds once this one is written.
    private var stamp = Date.storedNow()

    // What the chunk made or changed, for the chunk planned after it (`carry()`).
    private var ownKeys: Set<String> = []
    private var changedCrimes: Set<UUID> = []
    private var linkedPersons: Set<UUID> = []
    private var createdReferences: [String: UUID] = [:]
    private var created: Set<UUID> = []
    /// Records that existed before the chunk, as its plan found them: checked again when the plan is written.
    /// Their update times: every change to a crime or person stamps one.
    private var baseCrimes: [UUID: Date?] = [:]
    private var basePersons: [UUID: Date?] = [:]

    // The plan so far.
    private var rows = ModelRows()
    private var newCrimes: [Crime] = []
    private var statusChanged: Set<UUID> = []
    private var touches: [(id: UUID, line: Int, fingerprint: String)] = []
    private var newVictims: [UUID] = []
    private var eventCrimes: Set<UUID> = []
    /// The crimes this plan created since it was last written, with the unit's code and every status change and
    /// event the plan gave them: all their history, so their new victims' facts are known without reading back.
    private var histories: [UUID: History] = [:]
    /// New victims of those crimes: their obligations are worked out from memory once the plan is complete
    /// (``workOutObligations()``), with no read of what the chunk writes.
    private var pendingVictims: [(victim: Victim, person: Person, consent: ReferralConsentRecord?)] = []

    struct History {
        var unitCode: String
        var statusChanges: [(status: String, at: Double)]
        var events: [(id: UUID, type: String, at: Double)] = []
    }

    private static func name(_ kind: String, _ sourceID: String) -> String { kind + "\u{1F}" + sourceID }

    /// Reads what the chunk's rows refer to: their import keys, the crimes and people those name, the
    /// reference data their crimes are checked against.
    /// `carry`: what the chunk before this one made or changed, when it is not yet committed. `ahead`: planned
    /// outside the transaction that writes it (nothing is locked; `stillHolds(on:)` checks instead).
    static func load(
        _ importRows: [ImportRow], importer: CrimeImport, runID: UUID, carry: Carry? = nil, ahead: Bool = false,
        on db: any Database
    ) async throws -> ImportChunk {
        let config = try await VictimsCodeConfig.current(on: db)
        let actor = importer.context.actor
        let unrestricted = [Permission.createCrime, .editCrime, .editPerson, .createPerson, .recordCaseEvent]
            .allSatisfy { AccessPolicy.decide(actor, $0, on: .unowned) == .allowed }
        var chunk = ImportChunk(
            source: importer.source, runID: runID, context: importer.context, config: config,
            policy: config.currentPolicy, optOutFrom: try await ReferralService.optOutFrom(on: db),
            unrestricted: unrestricted,
            lookups: try await CrimeLookups.load(
                for: importRows.filter { $0["record"]?.lowercased() == "crime" }.map(\.crimeDraft), on: db))
        if let carry {
            chunk.keys = carry.keys
            chunk.crimes = carry.crimes
            chunk.persons = carry.persons
            chunk.links = carry.links
            chunk.latestStatus = carry.latestStatus
            chunk.mostSerious = carry.mostSerious
            for (reference, crimeID) in carry.references { chunk.lookups.recordReference(reference, crimeID: crimeID) }
        }
        var wanted: [String: Set<String>] = [:]
        for row in importRows {
            for (kind, id) in row.keyNames where chunk.keys[Self.name(kind, id)] == nil {
                wanted[kind, default: []].insert(id)
            }
        }
        try await chunk.readKeys(wanted, on: db)
        // On PostgreSQL the crimes that gain events are locked before their status is read, so a status changed
        // by someone else meanwhile is not overwritten from an older reading (SQLite has one writer at a time).
        let eventCrimes = importRows.filter { $0["record"]?.lowercased() == "event" }
            .compactMap { $0["crime_source_id"].flatMap { chunk.keys[Self.name("crime", $0)]?.targetID } }
        if !ahead, let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql", !eventCrimes.isEmpty {
            let ids = Array(Set(eventCrimes))
            for start in stride(from: 0, to: ids.count, by: 500) {
                try await sql.raw(
                    "SELECT id FROM crimes WHERE id IN (\(binds: Array(ids[start..<min(start + 500, ids.count)]) as [any Encodable & Sendable])) FOR UPDATE"
                ).run()
            }
        }
        // The records the rows name, unless the carry has them.
        let named = importRows.flatMap(\.keyNames).compactMap { chunk.keys[Self.name($0.kind, $0.id)] }
        try await chunk.readRecords(
            crimeIDs: named.filter { $0.kind == "crime" && chunk.crimes[$0.targetID] == nil }.map(\.targetID),
            personIDs: named.filter { $0.kind == "person" && chunk.persons[$0.targetID] == nil }.map(\.targetID),
            on: db)
        for offence in chunk.lookups.offences.values { chunk.mostSerious[offence.code] = offence.mostSerious }
        return chunk
    }

    private mutating func readKeys(_ wanted: [String: Set<String>], on db: any Database) async throws {
        for (kind, ids) in wanted {
            let ids = Array(ids)
            for start in stride(from: 0, to: ids.count, by: 500) {
                for key in try await ImportKey.find(
                    source: source, kind: kind, sourceIDs: Array(ids[start..<min(start + 500, ids.count)]), on: db)
                {
                    keys[Self.name(kind, key.sourceID)] = key
                }
            }
        }
    }

    private mutating func readRecords(crimeIDs: [UUID], personIDs: [UUID], on db: any Database) async throws {
        let crimeIDs = Array(Set(crimeIDs))
        let personIDs = Array(Set(personIDs))
        for start in stride(from: 0, to: crimeIDs.count, by: 500) {
            let part = Array(crimeIDs[start..<min(start + 500, crimeIDs.count)])
            let loaded = try await Crime.query(on: db).filter(\.$id ~~ part).all()
            for crime in loaded { crimes[crime.id!] = crime }
            let codes = Array(Set(loaded.map(\.offenceCode)).filter { mostSerious[$0] == nil })
            if !codes.isEmpty {
                for offence in try await Offence.query(on: db).filter(\.$code ~~ codes).all() {
                    mostSerious[offence.code] = offence.mostSerious
                }
            }
            for change in try await CrimeStatusChange.query(on: db).filter(\.$crime.$id ~~ part).all() {
                let crimeID = change.$crime.id
                latestStatus[crimeID] = max(latestStatus[crimeID] ?? .distantPast, change.at)
            }
        }
        guard let sql = db as? any SQLDatabase else { return }
        for start in stride(from: 0, to: personIDs.count, by: 500) {
            let part = Array(personIDs[start..<min(start + 500, personIDs.count)])
            for person in try await Person.query(on: db).filter(\.$id ~~ part).all() {
                persons[person.id!] = person
                links[person.id!] = []
            }
            struct Link: Decodable {
                var person_id: UUID
                var crime_id: UUID
                var role: String
                var reported_at: Date
            }
            for link in try await sql.select().column(SQLColumn("person_id", table: "cp"))
                .column(SQLColumn("crime_id", table: "cp")).column(SQLColumn("role", table: "cp"))
                .column(SQLColumn("reported_at", table: "c"))
                .from(SQLAlias(SQLIdentifier("crime_persons"), as: SQLIdentifier("cp")))
                .join(
                    SQLAlias(SQLIdentifier("crimes"), as: SQLIdentifier("c")),
                    on: SQLColumn("id", table: "c"), .equal, SQLColumn("crime_id", table: "cp")
                )
                .where(SQLColumn("person_id", table: "cp"), .in, SQLBind.group(part)).all(decoding: Link.self)
            {
                links[link.person_id, default: []].append((link.crime_id, link.role, link.reported_at))
            }
        }
    }

    // MARK: - Planning

    /// Plans one row, or says it must go through the services. Throws the rules' errors (the row is reported
    /// and nothing of it is planned).
    mutating func plan(_ row: ImportRow) throws -> Step {
        let (kind, sourceID) = try CrimeImport.recordKind(of: row)
        guard unrestricted else { return .service }
        switch kind {
        case "crime": return try planCrime(row, sourceID: sourceID)
        case "person": return try planPerson(row, sourceID: sourceID)
        default: return try planEvent(row, sourceID: sourceID)
        }
    }

    private mutating func planCrime(_ row: ImportRow, sourceID: String) throws -> Step {
        let fingerprint = row.fingerprint(CrimeImport.crimeColumns)
        if let key = keys[Self.name("crime", sourceID)] {
            try key.refuseRepeat(in: runID, what: "Crime \(sourceID)")
            guard key.fingerprint == fingerprint else { return .service }
            touch(key, row: row, fingerprint: fingerprint)
            return .planned(.unchanged)
        }
        try AccessGuard.require(.createCrime, context)
        var v = Validator()
        let checked = CrimeService.check(row.crimeDraft, existingID: nil, validator: &v, lookups: lookups)
        try v.check()
        let (crime, recorded) = CrimeService.build(checked!, context: context)
        let crimeID = crime.id!
        crime.createdAt = stamp
        crime.updatedAt = stamp
        created.insert(crimeID)
        changedCrimes.insert(crimeID)
        createdReferences[crime.reference] = crimeID
        newCrimes.append(crime)
        crimes[crimeID] = crime
        latestStatus[crimeID] = recorded.at
        mostSerious[crime.offenceCode] = checked!.offence.mostSerious
        lookups.recordReference(crime.reference, crimeID: crimeID)
        histories[crimeID] = History(
            unitCode: checked!.unit.code, statusChanges: [(recorded.statusCode, recorded.at.timeIntervalSince1970)])
        try rows.create(recorded)
        try rows.create(
            AuditLog.entry(.create, "crime", crimeID, summary: "reference \(crime.reference)", context: context))
        try addKey("crime", sourceID, target: crimeID, fingerprint: fingerprint, row: row)
        return .planned(.created)
    }

    private mutating func planPerson(_ row: ImportRow, sourceID: String) throws -> Step {
        let crimeSourceID = try parentCrimeSourceID(row)
        let crimeKey = try parentCrimeKey(crimeSourceID)
        var v = Validator()
        let parsedRole = v.requiredCode(row["role"], "role", "the person's role", as: PersonRole.self)
        let checkedPerson = PersonService.checkDraft(row.personDraft, validator: &v, context: context)
        let needsDraft = parsedRole == .victim ? row.needsDraft : nil
        let needs = needsDraft.map { NeedsAssessmentService.check($0, validator: &v).assessment }
        try v.check()
        let role = parsedRole!
        let linkSourceID = "\(crimeSourceID)|\(sourceID)|\(role.rawValue)"
        let linkKey = keys[Self.name("link", linkSourceID)]
        try linkKey?.refuseRepeat(
            in: runID, what: "Person \(sourceID) as \(role.rawValue) in crime \(crimeSourceID)")
        let personKey = keys[Self.name("person", sourceID)]
        let personPrint = row.fingerprint(CrimeImport.personColumns)
        let linkPrint = row.fingerprint(CrimeImport.needsColumns)
        if let personKey, personKey.fingerprint != personPrint { return .service }
        if let linkKey {
            // A later assessment in the source system is a reassessment: the services keep its history.
            if linkKey.fingerprint != linkPrint, needsDraft != nil { return .service }
            if let personKey { touch(personKey, row: row, fingerprint: personPrint) }
            touch(linkKey, row: row, fingerprint: linkPrint)
            return .planned(.unchanged)
        }
        guard let crime = crimes[crimeKey.targetID] else { return .service }
        noteBase(crime)
        // Yesterday's crimes are announced to their victims (messages, a trial, a referral): the services do that.
        if Date().timeIntervalSince(crime.reportedAt) <= Double(CrimeImport.announceDays) * 86_400 { return .service }
        // An agreed representative changes which contacts count for the crime's victims: the services recompute.
        if role == .representative || role == .parentOrGuardian { return .service }
        var known: Person?
        if let personKey {
            guard let person = persons[personKey.targetID] else { return .service }
            known = person
            if !created.contains(personKey.targetID), basePersons[personKey.targetID] == nil {
                basePersons[personKey.targetID] = person.updatedAt
            }
            // Seen again, whatever becomes of the link (as the services do).
            touch(personKey, row: row, fingerprint: personPrint)
        }
        // A crime loaded from history: the victim became one at the report.
        let start = crime.reportedAt
        if role == .victim,
            let problem = VictimBasis.direct.problem(flags: crime.flags, on: London.date(of: start), policy: policy)
        {
            throw DomainError.invalid("basis", problem)
        }
        if let personKey,
            links[personKey.targetID, default: []].contains(where: {
                $0.crimeID == crime.id! && $0.role == role.rawValue
            })
        {
            throw DomainError.conflict(
                field: "role", message: "This person is already linked to the crime as \(role.label.lowercased())")
        }

        let crimeID = crime.id!
        let person: Person
        if let known {
            person = known
        } else {
            let (created, points) = PersonService.build(
                checkedPerson, homeUnitID: crime.$commandUnit.id,
                safeByDefault: ContactSafety.safeByDefault(flags: crime.flags, suspectKnown: false, policy: policy))
            person = created
            persons[created.id!] = created
            self.created.insert(created.id!)
            try rows.create(created)
            for point in points { try rows.contactPoint(point, personID: created.id!) }
            try rows.queueLinkage(created.id!)
            try rows.create(AuditLog.entry(.create, "person", created.id, context: context))
            try addKey("person", sourceID, target: created.id!, fingerprint: personPrint, row: row)
        }
        let personID = person.id!
        let linkID = try rows.link(crime: crime, person: person, role: role)
        links[personID, default: []].append((crimeID, role.rawValue, crime.reportedAt))
        linkedPersons.insert(personID)
        try rows.create(
            AuditLog.entry(
                .create, "crime_person", linkID, summary: "\(role.rawValue) linked to crime \(crimeID)",
                context: context))
        if role == .victim {
            let since = crime.reportedAt.addingTimeInterval(-Double(policy.persistentlyTargetedWindowDays) * 86_400)
            let recent = links[personID, default: []].filter {
                $0.role == PersonRole.victim.rawValue && $0.reportedAt >= since && $0.reportedAt <= crime.reportedAt
            }.count
            let planned = try VictimService.plan(
                linkID, crime: crime, person: person, needs: needs, start: start,
                mostSerious: mostSerious[crime.offenceCode] ?? false, recentVictimisations: recent, announce: false,
                policy: policy, optOutFrom: optOutFrom, context: context, into: &rows)
            if histories[crimeID] != nil {
                // A crime this plan made: its whole history is in hand, so the obligations are worked out here.
                pendingVictims.append((planned.victim, person, planned.consent))
            } else {
                // Obligations are worked out from the database when the chunk is written.
                try rows.create(planned.victim)
                newVictims.append(linkID)
            }
        }
        try addKey("link", linkSourceID, target: linkID, fingerprint: linkPrint, row: row)
        return .planned(.created)
    }

    private mutating func planEvent(_ row: ImportRow, sourceID: String) throws -> Step {
        let crimeKey = try parentCrimeKey(try parentCrimeSourceID(row))
        let fingerprint = row.fingerprint(["type", "at"])
        if let key = keys[Self.name("event", sourceID)] {
            try key.refuseRepeat(in: runID, what: "Event \(sourceID)")
            guard key.fingerprint == fingerprint else { throw CrimeImport.eventChanged(sourceID) }
            touch(key, row: row, fingerprint: fingerprint)
            return .planned(.unchanged)
        }
        guard let crime = crimes[crimeKey.targetID] else { return .service }
        noteBase(crime)
        let crimeID = crime.id!
        let (type, at, note) = try CaseEventService.check(
            type: row["type"], at: row["at"], note: row["note"], occurredFrom: crime.occurredFrom)
        let event = CaseEventService.build(
            crimeID: crimeID, type: type, at: at, note: note, source: "import:\(source)", context: context)
        try rows.create(event)
        histories[crimeID]?.events.append((event.id!, type.rawValue, at.timeIntervalSince1970))
        // Later by more than the half millisecond a time loses on its way through the database (times here
        // are kept to the millisecond), as the services' query decides.
        let changedLater = (latestStatus[crimeID] ?? .distantPast).timeIntervalSince(at) > 0.0005
        let effect = CaseEventService.statusEffect(of: type, at: at, status: crime.status, changedLater: changedLater)
        if let change = effect.change {
            try rows.create(
                CrimeStatusChange(
                    crimeID: crimeID, status: change.rawValue, at: at, byUserID: context.actor.id,
                    byName: context.actor.name, note: type.label))
            latestStatus[crimeID] = max(latestStatus[crimeID] ?? .distantPast, at)
            histories[crimeID]?.statusChanges.append((change.rawValue, at.timeIntervalSince1970))
        }
        if let status = effect.newStatus {
            crime.statusCode = status.rawValue
            crime.updatedAt = stamp
            statusChanged.insert(crimeID)
        }
        changedCrimes.insert(crimeID)
        try rows.create(
            AuditLog.entry(
                .create, "case_event", event.id, summary: "\(type.rawValue) on crime \(crimeID)", context: context))
        try addKey("event", sourceID, target: event.id!, fingerprint: fingerprint, row: row)
        eventCrimes.insert(crimeID)
        return .planned(.created)
    }

    private func parentCrimeSourceID(_ row: ImportRow) throws -> String {
        guard let id = row["crime_source_id"] else {
            throw DomainError.invalid("crime_source_id", "Enter the source id of the crime this row belongs to")
        }
        return id
    }

    private func parentCrimeKey(_ crimeSourceID: String) throws -> ImportKey {
        guard let key = keys[Self.name("crime", crimeSourceID)] else {
            throw CrimeImport.missingCrime(crimeSourceID)
        }
        return key
    }

    /// A crime the plan relies on as it found it (one made before this chunk): checked again at the write.
    private mutating func noteBase(_ crime: Crime) {
        guard let id = crime.id, !created.contains(id), baseCrimes[id] == nil else { return }
        baseCrimes[id] = crime.updatedAt
    }

    private mutating func touch(_ key: ImportKey, row: ImportRow, fingerprint: String) {
        ownKeys.insert(Self.name(key.kind, key.sourceID))
        touches.append((key.id, row.line, fingerprint))
        var touched = key
        touched.runID = runID
        touched.line = row.line
        touched.fingerprint = fingerprint
        keys[Self.name(key.kind, key.sourceID)] = touched
    }

    private mutating func addKey(_ kind: String, _ sourceID: String, target: UUID, fingerprint: String, row: ImportRow)
        throws
    {
        let key = ImportKey(
            id: UUID.ordered(), kind: kind, sourceID: sourceID, targetID: target, fingerprint: fingerprint,
            runID: runID, line: row.line)
        keys[Self.name(kind, sourceID)] = key
        ownKeys.insert(Self.name(kind, sourceID))
        try rows.add(
            "import_keys", ["id", "source", "kind", "source_id", "target_id", "fingerprint", "run_id", "line"],
            [
                .uuid(key.id), .text(source), .text(kind), .text(sourceID), .uuid(target), .text(fingerprint),
                .uuid(runID), .int(row.line),
            ])
    }

    // MARK: - Writing

    /// Works out the obligations of the new victims of crimes this plan made, from the plan's own facts (as the
    /// API does for a crime recorded through it): the victims' rows join the plan, marked computed. Call once
    /// the plan is complete (a bulk load does it before the transaction that writes the plan); `write` calls it.
    /// Each victim is taken once: a plan this throws on is half-made and is not written (it is planned again).
    mutating func workOutObligations() throws {
        guard !pendingVictims.isEmpty else { return }
        let today = London.date(of: Date())
        let pending = pendingVictims
        pendingVictims = []
        for (victim, person, consent) in pending {
            let crimeID = victim.$crime.id
            guard let crime = crimes[crimeID], let history = histories[crimeID] else {
                try rows.create(victim)
                newVictims.append(victim.id!)
                continue
            }
            let facts = VictimFactsLoader.loaded(
                VictimFactsLoader.Record(
                    newVictim: victim, crime: crime, person: person, unitCode: history.unitCode,
                    mostSerious: mostSerious[crime.offenceCode] ?? false, consent: consent,
                    statusChanges: history.statusChanges, events: history.events),
                config: config, today: today
            ).facts
            let obligations = config.engine.obligations(for: facts)
            victim.computedVersion = victim.factsVersion
            try rows.create(victim, obligationsHash: Obligation.fingerprint(obligations))
            try ObligationService.plan(obligations, victimID: victim.id!, crimeID: crimeID, into: &rows)
        }
    }

    /// Writes the plan so far: every table in multi-row statements, the crimes whose status events changed,
    /// the keys seen again, then the obligations of every victim the plan touched. Call inside the chunk's
    /// transaction.
    mutating func write(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try workOutObligations()
        // Victims already stored whose crime gained an event: their facts change (first, so PostgreSQL locks them
        // before a bulk recompute can write older facts over the change).
        var eventVictims: [UUID] = []
        let existingEventCrimes = Array(eventCrimes.subtracting(newCrimes.map { $0.id! }))
        for start in stride(from: 0, to: existingEventCrimes.count, by: 500) {
            let part = Array(existingEventCrimes[start..<min(start + 500, existingEventCrimes.count)])
            struct Row: Decodable { var id: UUID }
            eventVictims += try await sql.select().column("id").from("victims").where("crime_id", .in, part)
                .all(decoding: Row.self).map(\.id)
        }
        try await VictimService.bumpFacts(eventVictims, on: db)
        let now = Date()
        for crime in newCrimes { try rows.create(crime, at: stamp) }
        try await rows.write(on: db)
        for crimeID in statusChanged.subtracting(newCrimes.map { $0.id! }) {
            guard let crime = crimes[crimeID] else { continue }
            try await sql.update("crimes").set("status", to: crime.statusCode).set(
                "updated_at", to: crime.updatedAt ?? now
            )
            .where("id", .equal, crimeID).run()
        }
        // A key seen twice in the plan is written once, as last seen.
        var last: [UUID: Int] = [:]
        for (index, touch) in touches.enumerated() { last[touch.id] = index }
        touches = touches.enumerated().filter { last[$0.element.id] == $0.offset }.map(\.element)
        for start in stride(from: 0, to: touches.count, by: 2000) {
            var values: SQLQueryString = ""
            for (index, touch) in touches[start..<min(start + 2000, touches.count)].enumerated() {
                values +=
                    "\(unsafeRaw: index == 0 ? "" : ", ")(\(bind: touch.id), \(bind: runID), \(bind: touch.line), \(bind: touch.fingerprint))"
            }
            try await sql.raw(
                """
                UPDATE import_keys SET run_id = t.column2, line = t.column3, fingerprint = t.column4
                FROM (VALUES \(values)) AS t WHERE import_keys.id = t.column1
                """
            ).run()
        }
        try await ObligationService.recompute(Array(Set(newVictims + eventVictims)), on: db)
        // Written: a crime's later rows (after a row through the services, say) are worked out from the database.
        histories = [:]
        newCrimes = []
        statusChanged = []
        touches = []
        newVictims = []
        eventCrimes = []
    }

    // MARK: - Planning ahead

    /// What a chunk leaves to the chunk planned after it while its own write is not yet committed: the import
    /// keys it made or saw again, the crimes it made or changed (copies: the write still reads its own), the people
    /// it linked with all their links, and the references it gave out. Everything older is in the database.
    struct Carry: Sendable {
        var keys: [String: ImportKey] = [:]
        var crimes: [UUID: Crime] = [:]
        var latestStatus: [UUID: Date] = [:]
        var persons: [UUID: Person] = [:]
        var links: [UUID: [(crimeID: UUID, role: String, reportedAt: Date)]] = [:]
        var mostSerious: [String: Bool] = [:]
        var references: [String: UUID] = [:]
    }

    /// Take once the chunk is planned, before it is written.
    func carry() -> Carry {
        var carry = Carry(mostSerious: mostSerious, references: createdReferences)
        for name in ownKeys { carry.keys[name] = keys[name] }
        for id in changedCrimes {
            guard let crime = crimes[id] else { continue }
            carry.crimes[id] = crime.copy()
            carry.latestStatus[id] = latestStatus[id]
        }
        // People are not changed by a plan once made, so the write and the next plan can share them.
        for id in linkedPersons {
            carry.persons[id] = persons[id]
            carry.links[id] = links[id]
        }
        return carry
    }

    /// Whether the crimes and people the plan found already made are still as it found them (locked on
    /// PostgreSQL until the transaction ends). Call in the transaction that writes the plan.
    func stillHolds(on db: any Database) async throws -> Bool {
        guard try await Self.unchanged("crimes", baseCrimes, on: db) else { return false }
        return try await Self.unchanged("persons", basePersons, on: db)
    }

    /// Whether each row still has the update time it had (to the half millisecond a stored time may lose).
    private static func unchanged(_ table: String, _ stamps: [UUID: Date?], on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let lock: SQLQueryString = db.isPostgres ? " FOR UPDATE" : ""
        struct Row: Decodable {
            var id: UUID
            var updated_at: Date?
        }
        let ids = Array(stamps.keys)
        for start in stride(from: 0, to: ids.count, by: 500) {
            let part = Array(ids[start..<min(start + 500, ids.count)]) as [any Encodable & Sendable]
            let found = try await sql.raw(
                "SELECT id, updated_at FROM \(ident: table) WHERE id IN (\(binds: part))" + lock
            )
            .all(decoding: Row.self)
            guard found.count == part.count else { return false }
            for row in found {
                switch (stamps[row.id] ?? nil, row.updated_at) {
                case (nil, nil): continue
                case (let a?, let b?) where abs(a.timeIntervalSince(b)) < 0.0005: continue
                default: return false
                }
            }
        }
        return true
    }

    /// After a row went through the services: reads again the keys, crime and person it may have changed.
    mutating func refresh(after row: ImportRow, on db: any Database) async throws {
        var wanted: [String: Set<String>] = [:]
        for (kind, id) in row.keyNames { wanted[kind, default: []].insert(id) }
        for (kind, ids) in wanted { for id in ids { keys[Self.name(kind, id)] = nil } }
        try await readKeys(wanted, on: db)
        let touched = row.keyNames.compactMap { keys[Self.name($0.kind, $0.id)] }
        let crimeIDs = touched.filter { $0.kind == "crime" }.map(\.targetID)
        var personIDs = touched.filter { $0.kind == "person" }.map(\.targetID)
        for id in crimeIDs {
            crimes[id] = nil
            latestStatus[id] = nil
            // A crime changed by the services may have a new reference, and a new report time its links carry.
            lookups.references = lookups.references.filter { $0.value != id }
            personIDs += links.filter { $0.value.contains { $0.crimeID == id } }.map(\.key)
        }
        for id in personIDs {
            persons[id] = nil
            links[id] = nil
        }
        try await readRecords(crimeIDs: crimeIDs, personIDs: personIDs, on: db)
        for id in crimeIDs { if let crime = crimes[id] { lookups.recordReference(crime.reference, crimeID: id) } }
    }
}

extension ImportRow {
    /// The import keys this row names: its own, and the crime it belongs to.
    var keyNames: [(kind: String, id: String)] {
        guard let sourceID = self["source_id"] else { return [] }
        let crime = self["crime_source_id"]
        switch self["record"]?.lowercased() {
        case "crime": return [("crime", sourceID)]
        case "person":
            var names: [(kind: String, id: String)] = [("person", sourceID)]
            if let crime {
                names.append(("crime", crime))
                if let role = self["role"]?.trimmingWhitespace(), !role.isEmpty {
                    names.append(("link", "\(crime)|\(sourceID)|\(role)"))
                }
            }
            return names
        case "event":
            return [("event", sourceID)] + (crime.map { [("crime", $0)] } ?? [])
        default: return []
        }
    }

    var crimeDraft: CrimeDraft {
        CrimeDraft(
            reference: self["reference"], offenceCode: self["offence_code"], offenceDescription: self["offence"],
            occurredFrom: self["occurred_at"], occurredTo: self["occurred_to"], reportedAt: self["reported_at"],
            channel: self["channel"], flags: list("flags"), commandUnit: self["command_unit"],
            officerInCase: self["officer_in_case"], summary: self["summary"])
    }
}
