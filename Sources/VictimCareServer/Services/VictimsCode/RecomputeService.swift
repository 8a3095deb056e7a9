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
            let token = UUID().uuidString
            try await sql.raw(
                """
                UPDATE recompute_jobs SET state = 'running', claimed_by = \(bind: token), started_at = \(bind: now),
                    heartbeat_at = \(bind: now), done = 0, changed = 0
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
        guard let sql = db as? any SQLDatabase else { return }
        struct IDRow: Decodable { var id: UUID }
        logger.info("recompute started", metadata: ["job": "\(job.id!)", "victims": "\(job.total)"])
        var after: UUID?
        var done = 0
        var changed = 0
        var inFlight: [(Int, Task<Int, any Error>)] = []
        var batch = 0
        func finishOldest() async throws {
            let (count, task) = inFlight.removeFirst()
            changed += try await task.value
            done += count
            job.done = done
            job.changed = changed
            job.heartbeatAt = Date()
            try await job.save(on: db)
            progress?(done, job.total)
        }
        while true {
            var query = sql.select().column("id").from("victims").orderBy("id").limit(batchSize)
            if let after { query = query.where("id", .greaterThan, after) }
            let ids = try await query.all(decoding: IDRow.self).map(\.id)
            guard !ids.isEmpty else { break }
            after = ids.last
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
            "recompute finished", metadata: ["job": "\(job.id!)", "victims": "\(done)", "changed": "\(changed)"])
    }

    /// One batch in one transaction. Victims whose facts change meanwhile are locked (PostgreSQL) or the
    /// transaction is retried (SQLite refuses a write from a stale snapshot), so no newer fact is overwritten.
    static func recomputeBatch(_ ids: [UUID], verify: Bool = false, on db: any Database) async throws -> Int {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await db.transaction { tx in
                    guard let sql = tx as? any SQLDatabase else { return 0 }
                    // PostgreSQL: lock the victims, so a change to their facts waits for this batch or this batch
                    // for it. SQLite: a transaction that read before another connection wrote cannot write
                    // (SQLITE_BUSY_SNAPSHOT), so a stale batch fails and is retried from fresh facts.
                    if tx.isPostgres {
                        try await sql.raw(
                            "SELECT id FROM victims WHERE id IN (\(binds: ids as [any Encodable & Sendable])) FOR UPDATE"
                        ).run()
                    }
                    return try await ObligationService.recompute(ids, reassess: true, verify: verify, on: tx)
                }
            } catch  where attempt < 5 {
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }
}

extension Application {
    /// A database handle per event loop: one connection each on SQLite, so work can proceed on every core.
    var databaseLanes: [any Database] {
        eventLoopGroup.makeIterator().compactMap { databases.database(logger: logger, on: $0) }
    }
}
