import Fluent
import FluentSQL
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// Recognising one person across records (issue 18): people are matched as they are recorded, analysts review
/// the grey band and can undo any merge or split, and everything a person is shown through a link passes the same
/// access policy as the person themselves.
enum LinkageService {
    // MARK: - Matching people as they are recorded

    /// Marks a person to be matched again (their details changed). Call in the transaction that changes them, so
    /// the change and the mark are kept or lost together.
    static func enqueue(_ personID: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        // Already waiting: its version goes up, so a matcher that read the older version leaves it queued.
        try await sql.insert(into: "linkage_queue").columns("person_id", "queued_at", "version")
            .values(SQLBind(personID), SQLBind(Date()), SQLBind(Int64(0)))
            .onConflict(with: "person_id") { $0.set("version", to: SQLRaw("linkage_queue.version + 1")) }.run()
    }

    /// Queues everyone not matched yet and not waiting (after a bulk load that wrote people directly).
    static func enqueueUnmatched(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            """
            INSERT INTO linkage_queue (person_id, queued_at, version)
            SELECT p.id, p.created_at, 0 FROM persons p
            WHERE NOT EXISTS (SELECT 1 FROM linkage_clusters lc WHERE lc.person_id = p.id)
            AND NOT EXISTS (SELECT 1 FROM linkage_queue q WHERE q.person_id = p.id)
            """
        ).run()
    }

    /// Matches up to `limit` people waiting in the queue; returns how many. Any node may run it: the lock makes
    /// the queue one sequence, and a person leaves the queue in the transaction that records them.
    /// `only`: just these people, if they are waiting (what a form that saved them asks for).
    @discardableResult
    static func processQueue(
        hub: LinkageHub, limit: Int = 500, only: [UUID]? = nil, for caller: LinkageHub.Caller = .worker,
        on db: any Database
    ) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        struct Row: Decodable {
            var person_id: UUID
            var version: Int64
        }
        /// `claim`: on PostgreSQL, lock the rows taken and pass over any an edit is writing now (it holds its row
        /// until it commits; taken later, its change is matched then). Rows locked first, then a person's victims:
        /// the order an edit takes them too (its queue row before its reassessment), so the two never deadlock.
        @Sendable func waiting(_ sql: any SQLDatabase, limit: Int, claim: Bool) async throws -> [Row] {
            var query = sql.select().columns("person_id", "version").from("linkage_queue")
            if let only { query = query.where("person_id", .in, only) }
            query = query.orderBy("person_id").limit(limit)
            if claim, sql.dialect.name == "postgresql" {
                query = query.lockingClause(SQLRaw("FOR UPDATE SKIP LOCKED"))
            }
            return try await query.all(decoding: Row.self)
        }
        if let only, only.isEmpty { return 0 }
        // Nothing waiting: no lock taken.
        guard try await !waiting(sql, limit: 1, claim: false).isEmpty else { return 0 }
        return try await hub.transaction(on: db, for: caller) { held, tx in
            guard let sql = tx as? any SQLDatabase else { return 0 }
            let rows = try await waiting(sql, limit: limit, claim: true)
            guard !rows.isEmpty else { return 0 }
            let inputs = try await LinkageInputs.load(rows.map(\.person_id), on: tx)
            try await record(inputs, held: held, on: tx)
            // Only the version read: a change committed meanwhile raised it, and keeps the person waiting.
            for row in rows {
                try await sql.delete(from: "linkage_queue").where("person_id", .equal, row.person_id)
                    .where("version", .equal, row.version).run()
            }
            return rows.count
        }
    }

    /// Matches the people a form just saved, so the page that follows shows who they may be (anyone else waiting
    /// is the worker's; a failure here loses nothing: the worker tries again). A request never trains the force's
    /// first model, nor replays more than a page of the log (a node just started): that is seconds or minutes of
    /// work, and the worker's.
    static func catchUp(_ ids: [UUID], hub: LinkageHub, on db: any Database, logger: Logger) async {
        do {
            try await processQueue(hub: hub, only: ids, for: .request, on: db)
        } catch let reason as LinkageHub.NotReady {
            logger.debug("linkage left to the worker", metadata: ["reason": "\(reason)"])
        } catch {
            logger.warning("linkage deferred to the worker", metadata: ["error_type": "\(type(of: error))"])
        }
    }

    /// Records people in the index and writes what it did.
    static func record(_ inputs: [LinkageInput], held: LinkageHub.Held, on db: any Database) async throws {
        var affected: Set<String> = []
        var moved: Set<String> = []
        for input in inputs {
            held.changed = true
            let outcome = held.index.record(input)
            let seq = try await appendLog(
                op: "record", person: UUID(uuidString: input.id), input: input, held: held, on: db)
            affected.insert(input.id)
            if !outcome.links.isEmpty { moved.insert(input.id) }
            try await writeEvents(outcome.events, logSeq: seq, affected: &moved, on: db)
            try await writeReviews(input.id, outcome.review, on: db)
        }
        try await writeClusters(affected.union(moved), held: held, on: db)
        try await reassess(moved, held: held, on: db)
    }

    /// Whether a victim is persistently targeted is counted over every record linked to them, so when links
    /// change, the victims in the clusters concerned are assessed again: everyone in the cluster of a record that
    /// moved or joined one (a record alone in its own cluster changes nobody's count).
    static func reassess(_ affected: Set<String>, held: LinkageHub.Held, on db: any Database) async throws {
        var people: Set<UUID> = []
        for id in affected {
            guard let cluster = held.index.cluster(of: id) else { continue }
            let members = held.index.members(of: cluster)
            for member in members + [id] { if let uuid = UUID(uuidString: member) { people.insert(uuid) } }
        }
        guard !people.isEmpty else { return }
        let victims = try await Victim.query(on: db).filter(\.$person.$id ~~ Array(people)).all().compactMap(\.id)
        guard !victims.isEmpty else { return }
        try await VictimService.bumpFacts(victims, on: db)
        try await ObligationService.recompute(victims, reassess: true, on: db)
    }

    // MARK: - Analysts' decisions

    enum Decision: String, Sendable, CaseIterable {
        case same, different, unsure

        var label: String {
            switch self {
            case .same: "Same person"
            case .different: "Not the same person"
            case .unsure: "Not sure"
            }
        }
    }

    /// An analyst's answer to a pair in review. "Same" and "different" bind every later clustering; "not sure"
    /// keeps the pair in the queue, marked.
    static func decide(
        reviewID: UUID, _ decision: Decision, hub: LinkageHub, context: AccessContext, on db: any Database
    ) async throws -> [LinkageIndex.Event] {
        try AccessGuard.require(.reviewLinkage, context)
        guard let review = try await LinkageReview.find(reviewID, on: db) else {
            throw DomainError.notFound("pair for review")
        }
        let (a, b) = (review.personA, review.personB)
        return try await hub.transaction(on: db) { held, tx in
            var events: [LinkageIndex.Event] = []
            var affected: Set<String> = [a.uuidString, b.uuidString]
            if decision != .unsure {
                do {
                    events = try held.index.decide(a.uuidString, b.uuidString, same: decision == .same)
                } catch LinkageIndex.Problem.unknownRecord {
                    // Checked before anything changed: the index is kept.
                    throw DomainError.notFound("person")
                }
                held.changed = true
                affected.formUnion(events.flatMap { $0.sides.keys })
                let seq = try await appendLog(
                    op: "decide", person: a, other: b, same: decision == .same, actor: context.actor.id,
                    held: held, on: tx)
                try await writeEvents(events, logSeq: seq, affected: &affected, on: tx)
                try await writeClusters(affected, held: held, on: tx)
                try await reassess(affected, held: held, on: tx)
            }
            review.status = decision.rawValue
            review.decidedBy = context.actor.id
            review.decidedByName = context.actor.name
            review.decidedAt = Date()
            try await review.save(on: tx)
            try await AuditLog.record(
                .update, "linkage_review", reviewID, summary: "decided: \(decision.rawValue)", context: context, on: tx)
            return events
        }
    }

    /// Reverses a merge or split (see `LinkageIndex.undo`).
    static func undo(
        eventSeq: Int64?, hub: LinkageHub, context: AccessContext, on db: any Database
    ) async throws -> [LinkageIndex.Event] {
        try AccessGuard.require(.reviewLinkage, context)
        guard let eventSeq else { throw DomainError.notFound("merge or split") }
        return try await hub.transaction(on: db) { held, tx in
            let events: [LinkageIndex.Event]
            // Everyone the change concerned: the undo gives them back their old cluster ids.
            var affected: Set<String> = Set(
                held.index.events.first { $0.sequence == Int(eventSeq) }.map { Array($0.sides.keys) } ?? [])
            do {
                events = try held.index.undo(Int(eventSeq))
            } catch LinkageIndex.Problem.unknownEvent {
                throw DomainError.notFound("merge or split")
            } catch LinkageIndex.Problem.alreadyUndone {
                throw DomainError.conflict(field: "event", message: "This change has already been undone")
            }
            held.changed = true
            let seq = try await appendLog(
                op: "undo", eventSeq: eventSeq, actor: context.actor.id, held: held, on: tx)
            try await writeEvents(events, logSeq: seq, affected: &affected, on: tx)
            guard let sql = tx as? any SQLDatabase else { return events }
            try await sql.update("linkage_events").set("undone_by", to: seq).where("seq", .equal, eventSeq).run()
            try await writeClusters(affected, held: held, on: tx)
            try await reassess(affected, held: held, on: tx)
            try await AuditLog.record(
                .update, "linkage_event", nil, summary: "undid change \(eventSeq)", context: context, on: tx)
            return events
        }
    }

    // MARK: - Writing

    static func appendLog(
        op: String, person: UUID? = nil, other: UUID? = nil, same: Bool? = nil, eventSeq: Int64? = nil,
        input: LinkageInput? = nil, actor: UUID? = nil, held: LinkageHub.Held, on db: any Database
    ) async throws -> Int64 {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let seq = held.applied + 1
        let text = try input.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await sql.insert(into: "linkage_log")
            .columns("seq", "op", "person_id", "other_id", "same", "event_seq", "input", "actor_id", "created_at")
            .values(
                SQLBind(seq), SQLBind(op), SQLBind(person), SQLBind(other), SQLBind(same), SQLBind(eventSeq),
                SQLBind(text), SQLBind(actor), SQLBind(Date())
            ).run()
        held.applied = seq
        return seq
    }

    struct Moves: Codable {
        var before: [String: Int64]
        var after: [String: Int64]
        var sides: [String: Int64]
    }

    static func writeEvents(
        _ events: [LinkageIndex.Event], logSeq: Int64, affected: inout Set<String>, on db: any Database
    ) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for event in events {
            affected.formUnion(event.after.keys)
            affected.formUnion(event.before.keys)
            affected.formUnion(event.sides.keys)
            let evidence = String(decoding: try JSONEncoder().encode(event.evidence), as: UTF8.self)
            let moves = String(
                decoding: try JSONEncoder().encode(Moves(before: event.before, after: event.after, sides: event.sides)),
                as: UTF8.self)
            try await sql.insert(into: "linkage_events")
                .columns("seq", "kind", "person_a", "person_b", "weight", "evidence", "moves", "log_seq", "created_at")
                .values(
                    SQLBind(Int64(event.sequence)), SQLBind(event.kind.rawValue),
                    SQLBind(event.pair.flatMap { UUID(uuidString: $0.0) }),
                    SQLBind(event.pair.flatMap { UUID(uuidString: $0.1) }), SQLBind(event.weight), SQLBind(evidence),
                    SQLBind(moves), SQLBind(logSeq), SQLBind(Date())
                ).run()
        }
    }

    /// The grey band's pairs, once each: a pair already in the queue keeps its status (an analyst's "not sure"
    /// or decision stands) and takes the newest weights.
    static func writeReviews(_ id: String, _ matches: [LinkageIndex.Match], on db: any Database) async throws {
        guard let me = UUID(uuidString: id) else { return }
        for match in matches {
            guard let other = UUID(uuidString: match.record) else { continue }
            let (a, b) = me.uuidString < other.uuidString ? (me, other) : (other, me)
            let evidence = String(decoding: try JSONEncoder().encode(match.evidence), as: UTF8.self)
            if let existing = try await LinkageReview.query(on: db).filter(\.$personA == a).filter(\.$personB == b)
                .first()
            {
                existing.weight = match.weight
                existing.probability = match.probability
                existing.evidence = evidence
                try await existing.save(on: db)
            } else {
                let review = LinkageReview()
                review.personA = a
                review.personB = b
                review.weight = match.weight
                review.probability = match.probability
                review.evidence = evidence
                review.status = "open"
                try await review.create(on: db)
            }
        }
    }

    /// The cluster, as the index has it now, of each affected person and of everyone in the same cluster (so the
    /// table never holds one id for two clusters).
    static func writeClusters(_ affected: Set<String>, held: LinkageHub.Held, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, !affected.isEmpty else { return }
        var everyone = affected
        for id in affected {
            if let cluster = held.index.cluster(of: id) { everyone.formUnion(held.index.members(of: cluster)) }
        }
        let rows = everyone.sorted().compactMap { id -> (UUID, Int64)? in
            guard let uuid = UUID(uuidString: id), let cluster = held.index.cluster(of: id) else { return nil }
            return (uuid, cluster)
        }
        let now = Date()
        for chunk in stride(from: 0, to: rows.count, by: 300).map({ rows[$0..<min($0 + 300, rows.count)] }) {
            try await sql.delete(from: "linkage_clusters").where("person_id", .in, chunk.map(\.0)).run()
            var insert = sql.insert(into: "linkage_clusters").columns("person_id", "cluster_id", "updated_at")
            for (person, cluster) in chunk { insert = insert.values(SQLBind(person), SQLBind(cluster), SQLBind(now)) }
            try await insert.run()
        }
    }

    // MARK: - Reading

    struct ClusterRow: Decodable {
        var person_id: UUID
    }

    /// The records linked to a person (themselves first); just them if they are not matched yet.
    static func linked(_ personID: UUID, on db: any Database) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [personID] }
        let rows = try await sql.raw(
            """
            SELECT o.person_id FROM linkage_clusters me JOIN linkage_clusters o ON o.cluster_id = me.cluster_id
            JOIN persons p ON p.id = o.person_id
            WHERE me.person_id = \(bind: personID) ORDER BY o.person_id
            """
        ).all(decoding: ClusterRow.self)
        return [personID] + rows.map(\.person_id).filter { $0 != personID }
    }

    /// The crimes reported in `since...until` in which the person, or a record linked to them, was a victim.
    static func victimisations(
        of personID: UUID, from since: Date, to until: Date = .distantFuture, on db: any Database
    ) async throws -> Int {
        try await victimisations(of: try await linked(personID, on: db), from: since, to: until, on: db)
    }

    static func victimisations(
        of people: [UUID], from since: Date, to until: Date = .distantFuture, on db: any Database
    ) async throws -> Int {
        let links = try await CrimePerson.query(on: db)
            .join(Crime.self, on: \CrimePerson.$crime.$id == \Crime.$id)
            .filter(\.$person.$id ~~ people).filter(\.$roleCode == PersonRole.victim.rawValue)
            .filter(Crime.self, \.$reportedAt >= since).filter(Crime.self, \.$reportedAt <= until)
            .field(\.$crime.$id).all()
        return Set(links.map { $0.$crime.id }).count
    }
}
