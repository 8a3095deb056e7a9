import Fluent
import Foundation
import Logging
import SQLKit
import Vapor
import VictimCareDomain

/// The bulk recompute: after a change to the calendar, the rules or the call-back policy, every victim's
/// enhanced rights and obligations are worked out again in the background, in batches, while the service
/// runs. One node claims a queued job; progress is kept in the database so any node can show it.
enum RecomputeService {
    static let batchSize = 1000

    @discardableResult
    static func enqueue(reason: String, context: AccessContext, on db: any Database) async throws -> RecomputeJob {
        let job = RecomputeJob()
        job.reason = reason
        job.state = "queued"
        job.total = try await Victim.query(on: db).count()
        job.done = 0
        job.changed = 0
        job.victimsChanged = 0
        job.requestedByName = context.actor.name
        job.requestedAt = Date()
        try await job.create(on: db)
        try await AuditLog.record(.create, "recompute_job", job.id, summary: reason, context: context, on: db)
        return job
    }

    /// Claims the oldest queued job (or one whose node stopped reporting) and runs it. Returns it when done.
    static func runNext(
        on db: any Database, lanes: [any Database] = [], logger: Logger, verify: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) async throws
        -> RecomputeJob?
    {
        guard let sql = db as? any SQLDatabase else { return nil }
        let stale = Date().addingTimeInterval(-120)
        let candidates = try await RecomputeJob.query(on: db).group(.or) { group in
            group.filter(\.$state == "queued")
            group.group(.and) { $0.filter(\.$state == "running").filter(\.$heartbeatAt < stale) }
        }.sort(\.$requestedAt).all()
        for job in candidates {
            // Claim it: only one node's conditional update succeeds.
            let now = Date()
            let token = UUID.random().uuidString
            try await sql.raw(
                """
                UPDATE recompute_jobs SET state = 'running', claimed_by = \(bind: token), started_at = \(bind: now),
                    heartbeat_at = \(bind: now), done = 0, changed = 0, victims_changed = 0
                WHERE id = \(bind: job.id!) AND (state = 'queued' OR (state = 'running' AND heartbeat_at < \(bind: stale)))
                """
            ).run()
            guard let claimed = try await RecomputeJob.find(job.id, on: db), claimed.claimedBy == token else {
                continue
            }
            do {
                try await run(claimed, on: db, lanes: lanes, logger: logger, verify: verify, progress: progress)
            } catch {
                claimed.state = "failed"
                claimed.error = String(describing: type(of: error))
                claimed.finishedAt = Date()
                try await claimed.save(on: db)
                logger.error(
                    "recompute failed", metadata: ["job": "\(claimed.id!)", "error_type": "\(type(of: error))"])
                throw error
            }
            return claimed
        }
        return nil
    }

    private static func run(
        _ job: RecomputeJob, on db: any Database, lanes given: [any Database], logger: Logger, verify: Bool,
        progress: ((Int, Int) -> Void)?
    )
        async throws
    {
        // One batch per lane at a time: with a connection per core, reading the next batch's facts overlaps.
        let lanes = given.isEmpty ? [db] : given
        guard db is any SQLDatabase else { return }
        logger.info("recompute started", metadata: ["job": "\(job.id!)", "victims": "\(job.total)"])
        var done = 0
        var changed = ObligationService.Changes()
        var inFlight: [(Int, Task<ObligationService.Changes, any Error>)] = []
        var batch = 0
        func finishOldest() async throws {
            let (count, task) = inFlight.removeFirst()
            let batchChanges = try await task.value
            changed.rows += batchChanges.rows
            changed.victims += batchChanges.victims
            done += count
            job.done = done
            job.changed = changed.rows
            job.victimsChanged = changed.victims
            job.heartbeatAt = Date()
            try await job.save(on: db)
            progress?(done, job.total)
        }
        // Every victim, in the order their rows lie: a batch of victims next to each other touches few pages
        // (ids made at random, as the services make them, are spread over the whole table). Victims recorded
        // after this list was read are worked out by the transaction that records them, under the new rules.
        let ordered = try await TableOrder.victims(on: db)
        var next = 0
        while next < ordered.count {
            let ids = Array(ordered[next..<min(next + batchSize, ordered.count)])
            next += ids.count
            let lane = lanes[batch % lanes.count]
            batch += 1
            inFlight.append((ids.count, Task { try await recomputeBatch(ids, verify: verify, on: lane) }))
            if inFlight.count >= lanes.count { try await finishOldest() }
        }
        while !inFlight.isEmpty { try await finishOldest() }
        job.state = "done"
        job.finishedAt = Date()
        job.total = max(job.total, done)
        try await job.save(on: db)
        logger.info(
            "recompute finished",
            metadata: [
                "job": "\(job.id!)", "victims": "\(done)", "changed": "\(changed.rows)",
                "victims_changed": "\(changed.victims)",
            ])
    }

    /// One batch: its plan is worked out outside any transaction (so lanes read in parallel); the writes go in
    /// a short transaction that first checks no victim's facts changed since they were read (PostgreSQL also
    /// locks them). A victim whose facts did change is skipped: the transaction that changed them recomputed
    /// them from the newer facts, with the configuration in force.
    /// `reassess: false` keeps the stored enhanced-rights decisions (a fact such as a sent referral changed,
    /// not the rules).
    static func recomputeBatch(_ ids: [UUID], reassess: Bool = true, verify: Bool = false, on db: any Database)
        async throws -> ObligationService.Changes
    {
        let plan = try await ObligationService.plan(ids, reassess: reassess, verify: verify, on: db)
        return try await write(plan, of: ids, reassess: reassess, verify: verify, on: db)
    }

    /// Writes a batch's plan, made earlier from the facts as they were read. If the transaction fails (SQLite
    /// refuses a write from a transaction whose snapshot is older than another commit) the batch is planned again
    /// from fresh facts, up to eight times; so is the whole batch if a referral batch was delivered since the plan
    /// was made (its members' R7 changed without their rows changing). `replanMoved`: victims whose facts moved on
    /// are planned again too, rather than left to the transaction that moved them (which may have read its facts
    /// before a delivery: the referral catch-up).
    static func write(
        _ first: ObligationService.Plan, of ids: [UUID], reassess: Bool, verify: Bool, replanMoved: Bool = false,
        on db: any Database
    ) async throws -> ObligationService.Changes {
        var attempt = 0
        var planned = first
        var ids = ids
        var total = ObligationService.Changes()
        while true {
            attempt += 1
            if planned.isEmpty { return total }
            let plan = planned
            let outcome: (changes: ObligationService.Changes, moved: [UUID], delivered: Bool)
            do {
                outcome = try await db.transaction { tx in
                    guard let sql = tx as? any SQLDatabase else { return (ObligationService.Changes(), [], false) }
                    // Read by position (`FastRows`), as the facts are, not decoded through Codable.
                    var current: [UUID: Int] = [:]
                    for row in try await FastRows.query(
                        "SELECT id, facts_version FROM victims WHERE id IN (\(FastRows.placeholders(plan.victims.count)))"
                            + (tx.isPostgres ? " FOR UPDATE" : ""), plan.victims.map { .uuid($0.id) }, on: sql)
                    {
                        if let id = row.uuid(0) { current[id] = row.int(1) ?? 0 }
                    }
                    if let seen = plan.deliveries, try await ReferralSent.deliveries(on: tx, lock: true) != seen {
                        return (ObligationService.Changes(), [], true)
                    }
                    var fresh = plan
                    fresh.victims = plan.victims.filter { current[$0.id] == $0.factsVersion }
                    let moved = plan.victims.filter { current[$0.id] != nil && current[$0.id] != $0.factsVersion }
                    return (try await ObligationService.apply(fresh, on: tx), moved.map(\.id), false)
                }
            } catch  where attempt < 8 {
                try await Task.sleep(for: .milliseconds(20 * attempt))
                planned = try await ObligationService.plan(ids, reassess: reassess, verify: verify, on: db)
                continue
            }
            total.rows += outcome.changes.rows
            total.victims += outcome.changes.victims
            if outcome.delivered {
                planned = try await ObligationService.plan(ids, reassess: reassess, verify: verify, on: db)
            } else if replanMoved, !outcome.moved.isEmpty {
                ids = outcome.moved
                planned = try await ObligationService.plan(ids, reassess: reassess, verify: verify, on: db)
            } else {
                return total
            }
            // Not left undone in silence: the caller (the catch-up) fails, and tries the batch again later.
            guard attempt < 8 else {
                throw DomainError.conflict(
                    field: "victims", message: "\(ids.count) victims changed eight times while being worked out")
            }
        }
    }

    /// Recomputes pages of victims one after another, planning the next page (reading its facts, running the
    /// engine) while the previous page's plan is written: on SQLite the reads go to a reading connection and
    /// do not wait for the writer, so the two overlap on two cores. Each page is written only after the one
    /// before it is committed. `next` gives the next page's victims, an empty list for a page with none to do,
    /// nil when there are no more.
    static func pipelined(
        reassess: Bool, replanMoved: Bool = false, on db: any Database, next: () async throws -> [UUID]?
    ) async throws -> ObligationService.Changes {
        var total = ObligationService.Changes()
        var writing: Task<ObligationService.Changes, any Error>?
        func finish() async throws {
            guard let task = writing else { return }
            writing = nil
            // Cancelling the caller (a node shutting down) cancels the page being written too.
            let changes = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            total.rows += changes.rows
            total.victims += changes.victims
        }
        do {
            while let ids = try await next() {
                guard !ids.isEmpty else { continue }
                let plan = try await ObligationService.plan(ids, reassess: reassess, verify: false, on: db)
                try await finish()
                writing = Task {
                    try await write(plan, of: ids, reassess: reassess, verify: false, replanMoved: replanMoved, on: db)
                }
            }
            try await finish()
        } catch {
            // A page already being written is let finish (or fail) before the error goes on.
            if let task = writing {
                do { _ = try await task.value } catch let writeError {
                    Logger(label: "victimcare.recompute").error(
                        "a page's write failed while the next page's planning failed",
                        metadata: ["error_type": "\(type(of: writeError))"])
                }
            }
            throw error
        }
        return total
    }
}

extension Application {
    /// A database handle per event loop: one connection each on SQLite, so work can proceed on every core.
    var databaseLanes: [any Database] {
        eventLoopGroup.makeIterator().compactMap { databases.database(logger: logger, on: $0) }
    }
}

/// Victims listed in the order their rows lie in the table (SQLite's rowid, PostgreSQL's ctid), for work that
/// goes through many of them in pages: consecutive victims share the table's and their obligations' pages, so
/// each page's transaction reads and writes few of them. A page of 2,000 victims taken in id or referral order
/// touched pages all over both tables (the referral catch-up of 58,396 victims: 9.5 s in referral order, 6.0 s in
/// table order, SQLite). The list is read a range of ids at a time and kept as 24 bytes a victim.
enum TableOrder {
    /// Where a victim's row lies, as one number. `v` is the victims table's alias.
    static func key(_ db: any Database) -> String {
        db.isPostgres
            ? "((v.ctid::text::point)[0])::bigint * 65536 + ((v.ctid::text::point)[1])::bigint" : "v.rowid"
    }

    /// Every victim's id, in table order: read a range of ids at a time.
    static func victims(on db: any Database, page: Int = 50_000) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var found: [(key: Int64, id: UUID)] = []
        var after: UUID?
        while true {
            let rows = try await FastRows.query(
                "SELECT \(key(db)), v.id FROM victims v \(after == nil ? "" : "WHERE v.id > ?") ORDER BY v.id LIMIT ?",
                (after.map { [.uuid($0)] } ?? []) + [.int(page)], on: sql)
            found += keyed(rows)
            after = rows.last?.uuid(1)
            if rows.count < page || after == nil { break }
        }
        return sorted(found)
    }

    /// The victims a referral batch sent (not those withdrawn before it went), in table order: read a range of
    /// the (batch_id, id) index at a time, each member once.
    static func victims(ofBatch batchID: UUID, on db: any Database, page: Int) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var found: [(key: Int64, id: UUID)] = []
        var after: UUID?
        while true {
            let ids = try await ReferralRecord.memberIDs(batchID: batchID, after: after, limit: page, on: sql)
            guard let last = ids.last else { break }
            found += keyed(
                try await FastRows.query(
                    """
                    SELECT \(key(db)), v.id FROM referrals r JOIN victims v ON v.id = r.victim_id
                    WHERE r.batch_id = ? AND r.id >= ? AND r.id <= ? AND r.status <> 'withdrawn'
                    """, [.uuid(batchID), .uuid(ids[0]), .uuid(last)], on: sql))
            after = last
        }
        return sorted(found)
    }

    /// Rows of (key, id), as read by the queries above.
    private static func keyed(_ rows: [FastRows.Row]) -> [(key: Int64, id: UUID)] {
        rows.compactMap { row in row.uuid(1).map { (Int64(row.int(0) ?? 0), $0) } }
    }

    private static func sorted(_ found: [(key: Int64, id: UUID)]) -> [UUID] {
        found.sorted { $0.key < $1.key }.map(\.id)
    }
}
