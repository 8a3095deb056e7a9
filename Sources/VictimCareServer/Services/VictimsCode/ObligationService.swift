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
        /// `Obligation.contentHash` of what the row says, as written; nil for a row written before rows kept one.
        var rowHash: Int64?

        /// The columns `fullColumns` lists, in its order.
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
            rowHash = r.int(12).map(Int64.init)
        }

        static let fullColumns =
            "id, victim_id, obligation_key, code, trigger, due_date, due_at, triggered_at, state, met_at, met_by, reason, row_hash"
    }

    /// A stored obligation as a recompute first reads it: which row, for which duty, and the hash of what it says.
    private struct HashedRow {
        var id: Int
        var key: String
        var rowHash: Int64?
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
            /// Each of `obligations`' `contentHash`, in order (worked out once, for the fingerprint).
            var hashes: [Int64] = []
            var fingerprint: Int64
            var markComputed: Bool
        }
        var victims: [Victim]
        /// Batches of referrals delivered when the facts were read (`ReferralSent.deliveries`), for a plan written
        /// later; nil for a plan written where it is made.
        var deliveries: Int?
        /// Stored obligations are compared column by column, not by the hash each row keeps (`verify`).
        var verify = false
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
            victims: [], deliveries: forLater ? try await ReferralSent.deliveries(on: db, lock: false) : nil,
            verify: verify)
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
        let hashes = obligations.map(\.contentHash)
        let fingerprint = hashes.reduce(0, &+)  // Obligation.fingerprint, each hash worked out once
        let changed = verify || fingerprint != victim.obligationsHash
        return .init(
            id: victim.victimID, crimeID: victim.crimeID, factsVersion: victim.factsVersion, decision: decision,
            history: history, previousEnhanced: victim.enhanced, previousGrounds: victim.grounds,
            obligations: changed ? obligations : nil, hashes: changed ? hashes : [], fingerprint: fingerprint,
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
        let changed = try await store(
            changedVictims.map { ($0.id, $0.crimeID, $0.obligations!) }, hashes: changedVictims.map(\.hashes),
            exact: plan.verify, on: sql)
        try await storeFingerprints(changedVictims.map { ($0.id, $0.fingerprint) }, on: sql)
        for (version, victims) in Dictionary(grouping: plan.victims.filter(\.markComputed), by: \.factsVersion) {
            try await sql.update("victims").set("computed_version", to: version)
                .where("id", .in, victims.map(\.id)).run()
        }
        return changed
    }

    /// Each victim's fingerprint of the obligations stored for them, one statement for the lot (`BulkUpdate`).
    static func storeFingerprints(_ victims: [(victimID: UUID, fingerprint: Int64)], on sql: any SQLDatabase)
        async throws
    {
        var update = BulkUpdate("victims", key: ("id", "uuid"), [("obligations_hash", "bigint")])
        for victim in victims { update.add([.uuid(victim.victimID), .int(Int(victim.fingerprint))]) }
        try await update.run(on: sql)
    }

    /// Brings stored obligations in line with the computed ones: a changed row is updated in place (it keeps its
    /// id), a new one inserted, one no longer owed deleted; unchanged rows are left alone. `new`: victims just
    /// recorded, who have none stored yet (nothing is read).
    ///
    /// A row whose stored hash is the computed one's is unchanged, known from three narrow columns (id, key,
    /// hash). Only a row whose hash differs, or that has none yet (written before rows kept one), is read in full
    /// and compared column by column: one that already says the right thing (a time a microsecond off, read back
    /// from PostgreSQL) is given the new hash and is not a change. `exact` (verifying) reads and compares every
    /// row in full, for rows changed behind the application's back.
    @discardableResult
    static func store(
        _ computed: [(victimID: UUID, crimeID: UUID, obligations: [Obligation])], hashes: [[Int64]]? = nil,
        new: Bool = false, exact: Bool = false, on sql: any SQLDatabase
    ) async throws -> Changes {
        guard !computed.isEmpty else { return Changes() }
        var existing: [UUID: [String: HashedRow]] = [:]
        var full: [Int: StoredRow] = [:]
        if !new {
            let victims = computed.map { SQLCell.uuid($0.victimID) }
            let list = FastRows.placeholders(computed.count)
            if exact {
                for row in try await FastRows.query(
                    "SELECT \(StoredRow.fullColumns) FROM obligations WHERE victim_id IN (\(list))", victims, on: sql
                ).map(StoredRow.init) {
                    full[row.id] = row
                    existing[row.victimID, default: [:]][row.key] = HashedRow(
                        id: row.id, key: row.key, rowHash: row.rowHash)
                }
            } else {
                for row in try await FastRows.query(
                    "SELECT id, victim_id, obligation_key, row_hash FROM obligations WHERE victim_id IN (\(list))",
                    victims, on: sql)
                {
                    let stored = HashedRow(
                        id: row.int(0) ?? 0, key: row.string(2) ?? "", rowHash: row.int(3).map(Int64.init))
                    existing[row.uuid(1)!, default: [:]][stored.key] = stored
                }
            }
        }
        var deletions: [Int] = []
        var inserts = newRows()
        // Rows whose hash is not the computed one's, to compare in full.
        var differing: [(victim: UUID, row: HashedRow, obligation: Obligation, hash: Int64)] = []
        var changedVictims = Set<UUID>()
        for (index, (victimID, crimeID, obligations)) in computed.enumerated() {
            var old = existing[victimID] ?? [:]
            let known = hashes.map { $0[index] } ?? []
            for (position, o) in obligations.enumerated() {
                let hash = known.count == obligations.count ? known[position] : o.contentHash
                guard let row = old.removeValue(forKey: o.key) else {
                    add(o, victimID: victimID, crimeID: crimeID, hash: hash, to: &inserts)
                    changedVictims.insert(victimID)
                    continue
                }
                if exact || row.rowHash != hash { differing.append((victimID, row, o, hash)) }
            }
            if !old.isEmpty {
                deletions.append(contentsOf: old.values.map(\.id))
                changedVictims.insert(victimID)
            }
        }
        let unread = differing.compactMap { full[$0.row.id] == nil ? SQLCell.int($0.row.id) : nil }
        for chunk in stride(from: 0, to: unread.count, by: 5000) {
            let part = Array(unread[chunk..<min(chunk + 5000, unread.count)])
            for row in try await FastRows.query(
                "SELECT \(StoredRow.fullColumns) FROM obligations WHERE id IN (\(FastRows.placeholders(part.count)))",
                part, on: sql
            ).map(StoredRow.init) {
                full[row.id] = row
            }
        }
        var updates = RowUpdates()
        // Rows that already say what they should, given the hash they lacked (not a change).
        var rehash = BulkUpdate("obligations", key: ("id", "bigint"), [("row_hash", "bigint")])
        for d in differing {
            // Gone since it was listed (another writer): nothing to compare, so written.
            guard let stored = full[d.row.id] else {
                updates.add(d.row.id, d.obligation, hash: d.hash, indexed: .all)
                changedVictims.insert(d.victim)
                continue
            }
            if same(stored, d.obligation) {
                if stored.rowHash != d.hash { rehash.add([.int(d.row.id), .int(Int(d.hash))]) }
            } else {
                updates.add(d.row.id, d.obligation, hash: d.hash, indexed: RowUpdates.indexed(stored, d.obligation))
                changedVictims.insert(d.victim)
            }
        }
        let changed = deletions.count + inserts.rowCount + updates.count
        for chunk in stride(from: 0, to: deletions.count, by: 5000) {
            let part = Array(deletions[chunk..<min(chunk + 5000, deletions.count)])
            try await sql.delete(from: "obligations").where("id", .in, part).run()
        }
        try await updates.run(on: sql)
        try await rehash.run(on: sql)
        var pending = inserts
        try await pending.flush(on: sql)
        return Changes(rows: changed, victims: changedVictims.count)
    }

    /// New obligation rows, written in one statement per 2,600 or so (the id is the table's own).
    static func newRows() -> BulkInsert {
        BulkInsert("obligations", obligationColumns)
    }

    private static let obligationColumns = [
        "victim_id", "crime_id", "code", "obligation_key", "trigger", "due_date", "due_at", "triggered_at", "state",
        "met_at", "met_by", "reason", "row_hash",
    ]

    static func add(
        _ o: Obligation, victimID: UUID, crimeID: UUID, hash: Int64? = nil, to rows: inout BulkInsert
    ) {
        rows.add(cells(o, victimID: victimID, crimeID: crimeID, hash: hash ?? o.contentHash))
    }

    /// A new obligation row's cells, in `obligationColumns` order.
    private static func cells(_ o: Obligation, victimID: UUID, crimeID: UUID, hash: Int64) -> [SQLCell] {
        [
            .uuid(victimID), .uuid(crimeID), .text(o.code), .text(o.key), .text(o.trigger.rawValue),
            .text(o.dueDate.description), .date(Date(timeIntervalSince1970: o.dueAt)),
            .date(Date(timeIntervalSince1970: o.triggeredAt)), .text(o.state.rawValue),
            .of(o.metAt.map { Date(timeIntervalSince1970: $0) }), .of(o.metBy), .of(o.reason), .int(Int(hash)),
        ]
    }

    /// A new victim's obligations, worked out with the plan that records them, added to it: written with the
    /// plan's other rows, the victim's fingerprint in its own row (`ModelRows.create(_:obligationsHash:)`).
    static func plan(
        _ obligations: [Obligation], victimID: UUID, crimeID: UUID, into rows: inout ModelRows
    ) throws {
        for o in obligations {
            try rows.add(
                "obligations", obligationColumns, cells(o, victimID: victimID, crimeID: crimeID, hash: o.contentHash))
        }
    }

    /// Changed obligations updated in place, a statement for each set of columns written. A row's indexed
    /// columns are written only when they change: SQLite rewrites the entry of every index a statement's SET
    /// names, changed or not, and an R7 met (the referral catch-up's one change a victim) changes the state
    /// alone. `crime_id` is never written: a victim's crime is theirs from the start.
    struct RowUpdates {
        /// The indexed columns a row's update writes: `obligations_code_due` (code, due date) and
        /// `obligations_open` (state, due time).
        struct Indexed: OptionSet, Hashable {
            let rawValue: Int
            static let codeDue = Indexed(rawValue: 1)
            static let open = Indexed(rawValue: 2)
            static let all: Indexed = [.codeDue, .open]
        }

        private var shapes: [Indexed: BulkUpdate] = [:]
        private(set) var count = 0

        static func indexed(_ row: StoredRow, _ o: Obligation) -> Indexed {
            var written: Indexed = []
            if row.code != o.code || row.dueDate != o.dueDate.description { written.insert(.codeDue) }
            if row.state != o.state.rawValue || !close(row.dueAt, o.dueAt) { written.insert(.open) }
            return written
        }

        mutating func add(_ id: Int, _ o: Obligation, hash: Int64, indexed: Indexed) {
            var cells: [SQLCell] = [
                .int(id), .text(o.trigger.rawValue), .date(Date(timeIntervalSince1970: o.triggeredAt)),
                .of(o.metAt.map { Date(timeIntervalSince1970: $0) }), .of(o.metBy), .of(o.reason), .int(Int(hash)),
            ]
            if indexed.contains(.codeDue) { cells += [.text(o.code), .text(o.dueDate.description)] }
            if indexed.contains(.open) {
                cells += [.text(o.state.rawValue), .date(Date(timeIntervalSince1970: o.dueAt))]
            }
            shapes[indexed, default: Self.statement(indexed)].add(cells)
            count += 1
        }

        private static func statement(_ indexed: Indexed) -> BulkUpdate {
            var columns = [
                ("trigger", "text"), ("triggered_at", "timestamptz"), ("met_at", "timestamptz"), ("met_by", "text"),
                ("reason", "text"), ("row_hash", "bigint"),
            ]
            if indexed.contains(.codeDue) { columns += [("code", "text"), ("due_date", "text")] }
            if indexed.contains(.open) { columns += [("state", "text"), ("due_at", "timestamptz")] }
            return BulkUpdate("obligations", key: ("id", "bigint"), columns)
        }

        mutating func run(on sql: any SQLDatabase) async throws {
            for key in shapes.keys.sorted(by: { $0.rawValue < $1.rawValue }) { try await shapes[key]!.run(on: sql) }
        }
    }

    /// Two times the same to the 2 ms a stored time may be off (PostgreSQL keeps microseconds).
    private static func close(_ a: Date?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (a?, b?): abs(a.timeIntervalSince1970 - b) < 0.002
        default: false
        }
    }

    private static func same(_ row: StoredRow, _ o: Obligation) -> Bool {
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
