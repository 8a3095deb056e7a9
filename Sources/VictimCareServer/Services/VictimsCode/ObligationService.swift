import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Keeps each victim's stored obligations equal to what the engine derives from their facts.
enum ObligationService {
    /// An obligation as stored, read by position (see `FastRows`).
    struct StoredRow {
        var id: Int
        var victimID: UUID
        var key: String
        var code: String
        var trigger: String
        var dueDate: String
        var dueAt: Date?
        var triggeredAt: Date?
        var state: String
        var metAt: Date?
        var metBy: String?
        var reason: String?

        init(_ r: FastRows.Row) {
            id = r.int(0) ?? 0
            victimID = r.uuid(1)!
            key = r.string(2) ?? ""
            code = r.string(3) ?? ""
            trigger = r.string(4) ?? ""
            dueDate = r.string(5) ?? ""
            dueAt = r.date(6)
            triggeredAt = r.date(7)
            state = r.string(8) ?? ""
            metAt = r.date(9)
            metBy = r.string(10)
            reason = r.string(11)
        }
    }

    /// What a recompute would change, worked out without writing anything.
    struct Plan: Sendable {
        struct Victim: Sendable {
            var id: UUID
            var crimeID: UUID
            var factsVersion: Int
            /// A new enhanced-rights decision to record, when it differs from the stored one.
            var decision: EnhancedRightsDecision?
            /// The enhanced history worked out afresh, when it differs from the stored one (reassessing only).
            var history: [(at: Double, decision: EnhancedRightsDecision)]?
            var previousEnhanced: Bool
            var previousGrounds: String
            /// New obligations and their fingerprint, when they differ from what is stored.
            var obligations: [Obligation]?
            var fingerprint: Int64
            var markComputed: Bool
        }
        var victims: [Victim]
        /// Batches of referrals delivered when the facts were read (`ReferralSent.deliveries`), for a plan written
        /// later; nil for a plan written where it is made.
        var deliveries: Int?
        var isEmpty: Bool {
            victims.allSatisfy { $0.decision == nil && $0.history == nil && $0.obligations == nil && !$0.markComputed }
        }
    }

    /// What a recompute changed.
    struct Changes: Sendable {
        /// Obligation rows replaced, added or removed.
        var rows = 0
        /// Victims with at least one obligation changed.
        var victims = 0
    }

    /// Recomputes enhanced rights (when `reassess`) and obligations for these victims; returns how many
    /// obligations changed. Call inside the transaction that changed their facts. A victim whose derived
    /// obligations have the stored fingerprint is left alone without reading them; `verify` compares every
    /// stored row anyway (after a restore, or anything else that changed rows behind the application's back).
    @discardableResult
    static func recompute(_ victimIDs: [UUID], reassess: Bool = false, verify: Bool = false, on db: any Database)
        async throws -> Int
    {
        let plan = try await self.plan(victimIDs, reassess: reassess, verify: verify, forLater: false, on: db)
        return try await apply(plan, on: db).rows
    }

    /// Reads the facts and works out what would change. Writes nothing, so batches can plan in parallel.
    /// `forLater`: the plan is written in another transaction (`RecomputeService.write`), which checks it is not
    /// older than a delivery of referrals.
    static func plan(_ victimIDs: [UUID], reassess: Bool, verify: Bool, forLater: Bool = true, on db: any Database)
        async throws -> Plan
    {
        guard !victimIDs.isEmpty, let sql = db as? any SQLDatabase else { return Plan(victims: []) }
        let config = try await VictimsCodeConfig.current(on: db)
        let loader = VictimFactsLoader(sql: sql, config: config)
        // Counted before the facts are read: a delivery in between makes the plan be made again, never missed.
        var plan = Plan(
            victims: [], deliveries: forLater ? try await ReferralSent.deliveries(on: db, lock: false) : nil)
        for victim in try await loader.load(victimIDs, withAssessments: reassess) {
            plan.victims.append(self.plan(victim, reassess: reassess, verify: verify, config: config))
        }
        return plan
    }

    /// What one victim's recompute would change, from their facts (read from the database, or made in memory for
    /// a victim being generated): pure, no database.
    static func plan(_ loaded: VictimFactsLoader.Loaded, reassess: Bool, verify: Bool, config: VictimsCodeConfig)
        -> Plan.Victim
    {
        var victim = loaded
        var decision: EnhancedRightsDecision?
        var history: [(at: Double, decision: EnhancedRightsDecision)]?
        if reassess {
            // The history is worked out from the facts, not stamped now: a change to the rules (stalking is
            // persistently targeted) applies from when the facts held (2026-11-30, issue 14).
            let timeline = EnhancedRights.timeline(
                victim.assessmentInput, start: victim.facts.start, assessments: victim.assessments,
                policy: config.currentPolicy)
            let fresh = timeline.last!.decision
            if fresh.enhanced != victim.enhanced || Victim.encode(fresh.groundList) != victim.grounds {
                decision = fresh
            }
            let derived = EnhancedRights.history(timeline)
            if !Self.sameHistory(derived, victim.facts.enhancedHistory) {
                history = timeline
                victim.facts.enhancedHistory = derived
            }
        }
        let obligations = config.engine.obligations(for: victim.facts)
        let fingerprint = Obligation.fingerprint(obligations)
        let changed = verify || fingerprint != victim.obligationsHash
        return .init(
            id: victim.victimID, crimeID: victim.crimeID, factsVersion: victim.factsVersion, decision: decision,
            history: history, previousEnhanced: victim.enhanced, previousGrounds: victim.grounds,
            obligations: changed ? obligations : nil, fingerprint: fingerprint,
            markComputed: victim.computedVersion != victim.factsVersion)
    }

    /// Whether two enhanced histories say the same (times to the millisecond).
    static func sameHistory(_ a: [(at: Double, enhanced: Bool)], _ b: [(at: Double, enhanced: Bool)]) -> Bool {
        // A stored history may repeat a status; compare the changes only.
        func changes(_ h: [(at: Double, enhanced: Bool)]) -> [(at: Double, enhanced: Bool)] {
            var result: [(at: Double, enhanced: Bool)] = []
            for entry in h where result.last?.enhanced != entry.enhanced { result.append(entry) }
            return result
        }
        let x = changes(a)
        let y = changes(b)
        return x.count == y.count
            && zip(x, y).allSatisfy { $0.enhanced == $1.enhanced && abs($0.at - $1.at) < 0.002 }
    }

    /// Writes a plan. Returns how many obligation rows, and how many victims, changed.
    static func apply(_ plan: Plan, on db: any Database) async throws -> Changes {
        guard !plan.isEmpty, let sql = db as? any SQLDatabase else { return Changes() }
        let now = Date()
        for victim in plan.victims {
            if let decision = victim.decision {
                try await EnhancedRightsStore.apply(
                    decision, to: victim.id, previous: victim.previousEnhanced, previousGrounds: victim.previousGrounds,
                    at: now, recordChange: victim.history == nil, on: db)
            }
            if let history = victim.history {
                try await EnhancedRightsStore.replaceHistory(history, of: victim.id, on: db)
            }
        }
        let changedVictims = plan.victims.filter { $0.obligations != nil }
        let changed = try await store(changedVictims.map { ($0.id, $0.crimeID, $0.obligations!) }, on: sql)
        try await storeFingerprints(changedVictims.map { ($0.id, $0.fingerprint) }, on: sql)
        for (version, victims) in Dictionary(grouping: plan.victims.filter(\.markComputed), by: \.factsVersion) {
            try await sql.update("victims").set("computed_version", to: version)
                .where("id", .in, victims.map(\.id)).run()
        }
        return changed
    }

    /// Each victim's fingerprint of the obligations stored for them, one statement for the lot (SQLite and
    /// PostgreSQL both name a VALUES list's columns column1, column2).
    static func storeFingerprints(_ victims: [(victimID: UUID, fingerprint: Int64)], on sql: any SQLDatabase)
        async throws
    {
        guard !victims.isEmpty else { return }
        var values: SQLQueryString = ""
        for (index, victim) in victims.enumerated() {
            values +=
                index == 0
                ? "(\(bind: victim.victimID), \(bind: victim.fingerprint))"
                : ", (\(bind: victim.victimID), \(bind: victim.fingerprint))"
        }
        try await sql.raw(
            "UPDATE victims SET obligations_hash = t.column2 FROM (VALUES \(values)) AS t WHERE victims.id = t.column1"
        ).run()
    }

    /// Brings stored obligations in line with the computed ones: a changed row is updated in place (it keeps its
    /// id), a new one inserted, one no longer owed deleted; unchanged rows are left alone. `new`: victims just
    /// recorded, who have none stored yet (nothing is read).
    @discardableResult
    static func store(
        _ computed: [(victimID: UUID, crimeID: UUID, obligations: [Obligation])], new: Bool = false,
        on sql: any SQLDatabase
    ) async throws -> Changes {
        guard !computed.isEmpty else { return Changes() }
        let stored =
            new
            ? []
            : try await FastRows.query(
                """
                SELECT id, victim_id, obligation_key, code, trigger, due_date, due_at, triggered_at, state, met_at, met_by, reason
                FROM obligations WHERE victim_id IN (\(FastRows.placeholders(computed.count)))
                """, computed.map { .uuid($0.victimID) }, on: sql
            ).map(StoredRow.init)
        var existing: [UUID: [String: StoredRow]] = [:]
        for row in stored { existing[row.victimID, default: [:]][row.key] = row }
        var deletions: [Int] = []
        var inserts = newRows()
        var updates: [(id: Int, crimeID: UUID, obligation: Obligation)] = []
        var victimsChanged = 0
        for (victimID, crimeID, obligations) in computed {
            let before = deletions.count + inserts.rowCount + updates.count
            defer { if deletions.count + inserts.rowCount + updates.count > before { victimsChanged += 1 } }
            var old = existing[victimID] ?? [:]
            for o in obligations {
                if let row = old.removeValue(forKey: o.key) {
                    if !same(row, o) { updates.append((row.id, crimeID, o)) }
                    continue
                }
                add(o, victimID: victimID, crimeID: crimeID, to: &inserts)
            }
            deletions.append(contentsOf: old.values.map(\.id))
        }
        let changed = deletions.count + inserts.rowCount + updates.count
        for chunk in stride(from: 0, to: deletions.count, by: 5000) {
            let part = Array(deletions[chunk..<min(chunk + 5000, deletions.count)])
            try await sql.delete(from: "obligations").where("id", .in, part).run()
        }
        try await update(updates, on: sql)
        var pending = inserts
        try await pending.flush(on: sql)
        return Changes(rows: changed, victims: victimsChanged)
    }

    /// New obligation rows, written in one statement per 2,600 or so (the id is the table's own).
    static func newRows() -> BulkInsert {
        BulkInsert("obligations", obligationColumns)
    }

    private static let obligationColumns = [
        "victim_id", "crime_id", "code", "obligation_key", "trigger", "due_date", "due_at", "triggered_at", "state",
        "met_at", "met_by", "reason",
    ]

    static func add(_ o: Obligation, victimID: UUID, crimeID: UUID, to rows: inout BulkInsert) {
        rows.add([
            victimID, crimeID, o.code, o.key, o.trigger.rawValue, o.dueDate.description,
            Date(timeIntervalSince1970: o.dueAt), Date(timeIntervalSince1970: o.triggeredAt), o.state.rawValue,
            o.metAt.map { Date(timeIntervalSince1970: $0) }, o.metBy, o.reason,
        ])
    }

    /// A new victim's obligations, worked out with the plan that records them, added to it: written with the
    /// plan's other rows, the victim's fingerprint in its own row (`ModelRows.create(_:obligationsHash:)`).
    static func plan(
        _ obligations: [Obligation], victimID: UUID, crimeID: UUID, into rows: inout ModelRows
    ) throws {
        for o in obligations {
            try rows.add(
                "obligations", obligationColumns,
                [
                    .uuid(victimID), .uuid(crimeID), .text(o.code), .text(o.key), .text(o.trigger.rawValue),
                    .text(o.dueDate.description), .date(Date(timeIntervalSince1970: o.dueAt)),
                    .date(Date(timeIntervalSince1970: o.triggeredAt)), .text(o.state.rawValue),
                    .of(o.metAt.map { Date(timeIntervalSince1970: $0) }), .of(o.metBy), .of(o.reason),
                ])
        }
    }

    /// Updates changed obligations in place, one statement for the lot.
    private static func update(_ rows: [(id: Int, crimeID: UUID, obligation: Obligation)], on sql: any SQLDatabase)
        async throws
    {
        var update = BulkUpdate(
            "obligations", key: ("id", "integer"),
            [
                ("crime_id", "uuid"), ("code", "text"), ("trigger", "text"), ("due_date", "text"),
                ("due_at", "timestamptz"), ("triggered_at", "timestamptz"), ("state", "text"),
                ("met_at", "timestamptz"), ("met_by", "text"), ("reason", "text"),
            ])
        for (id, crimeID, o) in rows {
            update.add([
                .int(id), .uuid(crimeID), .text(o.code), .text(o.trigger.rawValue), .text(o.dueDate.description),
                .date(Date(timeIntervalSince1970: o.dueAt)), .date(Date(timeIntervalSince1970: o.triggeredAt)),
                .text(o.state.rawValue), .of(o.metAt.map { Date(timeIntervalSince1970: $0) }), .of(o.metBy),
                .of(o.reason),
            ])
        }
        try await update.run(on: sql)
    }

    private static func same(_ row: StoredRow, _ o: Obligation) -> Bool {
        func close(_ a: Date?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (a?, b?): abs(a.timeIntervalSince1970 - b) < 0.002
            default: false
            }
        }
        return row.code == o.code && row.trigger == o.trigger.rawValue && row.dueDate == o.dueDate.description
            && row.state == o.state.rawValue && row.metBy == o.metBy && row.reason == o.reason
            && close(row.dueAt, o.dueAt) && close(row.triggeredAt, o.triggeredAt) && close(row.metAt, o.metAt)
    }

    /// A supervisor decides a duty is not owed in this case, with the reason.
    static func waive(
        victimID: UUID, key rawKey: String?, reason rawReason: String?, context: AccessContext, on db: any Database
    ) async throws {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.waiveObligation, victim, context: context, on: db)
        var v = Validator()
        let key = v.required(rawKey, "key", "the obligation", max: 120)
        let reason = v.required(rawReason, "reason", "the reason for waiving it", max: 1000)
        if !reason.isEmpty, reason.count < 10 { v.fail("reason", "Give a reason of at least 10 characters") }
        try v.check()
        guard
            try await ObligationRecord.query(on: db).filter(\.$victim.$id == victimID).filter(\.$key == key).first()
                != nil
        else {
            throw DomainError.invalid("key", "That duty is not one this victim is owed; reload the page")
        }
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victimID], on: tx)
            let waiver = ObligationWaiver()
            waiver.$victim.id = victimID
            waiver.obligationKey = key
            waiver.reason = reason
            waiver.byUserID = context.actor.id
            waiver.byName = context.actor.name
            waiver.at = Date()
            try await waiver.create(on: tx)
            try await AuditLog.record(.update, "victim", victimID, summary: "waived \(key)", context: context, on: tx)
            try await recompute([victimID], on: tx)
        }
    }
}

/// Writes an enhanced-rights decision onto the victim, keeping the history the engine reads.
enum EnhancedRightsStore {
    static func apply(
        _ decision: EnhancedRightsDecision, to victimID: UUID, previous: Bool?, previousGrounds: String?, at: Date,
        recordChange: Bool = true, on db: any Database
    ) async throws {
        let grounds = Victim.encode(decision.groundList)
        guard previous != decision.enhanced || previousGrounds != grounds else { return }
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.update("victims")
            .set("enhanced", to: decision.enhanced).set("grounds", to: grounds)
            .set("section16", to: decision.section16).set("section17", to: decision.section17).set(
                "section28", to: decision.section28
            )
            .where("id", .equal, victimID).run()
        if recordChange, previous != decision.enhanced {
            try await EnhancedChange(victimID: victimID, at: at, enhanced: decision.enhanced, grounds: grounds).create(
                on: db)
        }
    }

    /// Replaces the stored history with one worked out from the facts (each change in status, with its grounds).
    static func replaceHistory(
        _ timeline: [(at: Double, decision: EnhancedRightsDecision)], of victimID: UUID, on db: any Database
    ) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.delete(from: "enhanced_changes").where("victim_id", .equal, victimID).run()
        for change in changes(timeline) {
            try await EnhancedChange(
                victimID: victimID, at: change.at, enhanced: change.enhanced, grounds: change.grounds
            )
            .create(on: db)
        }
    }

    /// The rows a history is stored as: each change in status, with its grounds.
    static func changes(_ timeline: [(at: Double, decision: EnhancedRightsDecision)]) -> [(
        at: Date, enhanced: Bool, grounds: String
    )] {
        var last: Bool?
        var rows: [(at: Date, enhanced: Bool, grounds: String)] = []
        for entry in timeline where entry.decision.enhanced != last {
            last = entry.decision.enhanced
            rows.append(
                (
                    Date(timeIntervalSince1970: entry.at), entry.decision.enhanced,
                    Victim.encode(entry.decision.groundList)
                ))
        }
        return rows
    }
}
