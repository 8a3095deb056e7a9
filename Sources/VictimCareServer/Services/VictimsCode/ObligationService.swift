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

    /// Recomputes enhanced rights (when `reassess`) and obligations for these victims; returns how many
    /// obligations changed. Call inside the transaction that changed their facts. A victim whose derived
    /// obligations have the stored fingerprint is left alone without reading them; `verify` compares every
    /// stored row anyway (after a restore, or anything else that changed rows behind the application's back).
    @discardableResult
    static func recompute(_ victimIDs: [UUID], reassess: Bool = false, verify: Bool = false, on db: any Database)
        async throws -> Int
    {
        guard !victimIDs.isEmpty, let sql = db as? any SQLDatabase else { return 0 }
        let config = try await VictimsCodeConfig.current(on: db)
        let loader = VictimFactsLoader(sql: sql, config: config)
        var loaded = try await loader.load(victimIDs, withAssessments: reassess)
        if reassess {
            for index in loaded.indices {
                let decision = EnhancedRights.assess(loaded[index].assessmentInput, policy: config.currentPolicy)
                try await EnhancedRightsStore.apply(
                    decision, to: loaded[index].victimID, previous: loaded[index].enhanced,
                    previousGrounds: loaded[index].grounds, at: Date(), on: db)
                if decision.enhanced != loaded[index].enhanced {
                    loaded[index].facts.enhancedHistory.append((Date().timeIntervalSince1970, decision.enhanced))
                }
            }
        }
        var computed: [(UUID, UUID, [Obligation])] = []
        var fingerprints: [(UUID, Int64)] = []
        for victim in loaded {
            let obligations = config.engine.obligations(for: victim.facts)
            let fingerprint = Obligation.fingerprint(obligations)
            guard verify || fingerprint != victim.obligationsHash else { continue }
            computed.append((victim.victimID, victim.crimeID, obligations))
            fingerprints.append((victim.victimID, fingerprint))
        }
        let changed = try await store(computed, on: sql)
        if !fingerprints.isEmpty {
            // One statement for the batch, joined to a VALUES list (SQLite and PostgreSQL both name its
            // columns column1, column2).
            var values: SQLQueryString = ""
            for (index, (id, fingerprint)) in fingerprints.enumerated() {
                values += index == 0 ? "(\(bind: id), \(bind: fingerprint))" : ", (\(bind: id), \(bind: fingerprint))"
            }
            try await sql.raw(
                "UPDATE victims SET obligations_hash = t.column2 FROM (VALUES \(values)) AS t WHERE victims.id = t.column1"
            ).run()
        }
        let stale = loaded.filter { $0.computedVersion != $0.factsVersion }
        for (version, victims) in Dictionary(grouping: stale, by: \.factsVersion) {
            try await sql.update("victims").set("computed_version", to: version)
                .where("id", .in, victims.map(\.victimID)).run()
        }
        return changed
    }

    /// Replaces stored obligations that differ from the computed ones. Unchanged rows are left alone.
    static func store(_ computed: [(victimID: UUID, crimeID: UUID, obligations: [Obligation])], on sql: any SQLDatabase)
        async throws -> Int
    {
        guard !computed.isEmpty else { return 0 }
        let stored = try await FastRows.query(
            """
            SELECT id, victim_id, obligation_key, code, trigger, due_date, due_at, triggered_at, state, met_at, met_by, reason
            FROM obligations WHERE victim_id IN (\(Array(repeating: "?", count: computed.count).joined(separator: ", ")))
            """, computed.map { .uuid($0.victimID) }, on: sql
        ).map(StoredRow.init)
        var existing: [UUID: [String: StoredRow]] = [:]
        for row in stored { existing[row.victimID, default: [:]][row.key] = row }
        var deletions: [Int] = []
        var inserts = BulkInsert(
            "obligations",
            [
                "victim_id", "crime_id", "code", "obligation_key", "trigger", "due_date", "due_at",
                "triggered_at", "state", "met_at", "met_by", "reason",
            ])
        for (victimID, crimeID, obligations) in computed {
            var old = existing[victimID] ?? [:]
            for o in obligations {
                if let row = old.removeValue(forKey: o.key), same(row, o) {
                    continue
                } else if let row = existing[victimID]?[o.key] {
                    deletions.append(row.id)
                }
                inserts.add([
                    victimID, crimeID, o.code, o.key, o.trigger.rawValue, o.dueDate.description,
                    Date(timeIntervalSince1970: o.dueAt), Date(timeIntervalSince1970: o.triggeredAt), o.state.rawValue,
                    o.metAt.map { Date(timeIntervalSince1970: $0) }, o.metBy, o.reason,
                ])
            }
            deletions.append(contentsOf: old.values.map(\.id))
        }
        let changed = deletions.count + inserts.rowCount
        for chunk in stride(from: 0, to: deletions.count, by: 5000) {
            let part = Array(deletions[chunk..<min(chunk + 5000, deletions.count)])
            try await sql.delete(from: "obligations").where("id", .in, part).run()
        }
        var pending = inserts
        try await pending.flush(on: sql)
        return changed
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
            throw DomainError.notFound("obligation")
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
        on db: any Database
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
        if previous != decision.enhanced {
            try await EnhancedChange(victimID: victimID, at: at, enhanced: decision.enhanced, grounds: grounds).create(
                on: db)
        }
    }
}
