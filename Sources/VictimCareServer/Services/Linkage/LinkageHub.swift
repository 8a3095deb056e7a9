import Fluent
import FluentSQL
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import VictimCareDomain

/// The linkage index of this node (issue 18), kept in step with every other node through `linkage_log`.
///
/// Every change to the index (a person recorded, an analyst's decision, an undo) happens inside one database
/// transaction that holds the linkage lock (PostgreSQL's advisory lock; on SQLite the one writer): the index is
/// first brought up to date by replaying the log entries other nodes wrote since, then changed, and the change is
/// appended to the log with its outcome (clusters, events, pairs for review). Replaying the same log gives the same
/// clusters and the same cluster ids on every node. If anything fails, the index is dropped and rebuilt from the log
/// on next use, so what a node holds in memory never runs ahead of what the database kept.
///
/// The long part of catching up (the model trained on first use, the whole log replayed after a start: about
/// 90 µs an entry) is done before the transaction, on reads alone: log entries are written only under the lock,
/// so those committed are a prefix of the log, and the transaction replays just what was committed since. Neither
/// SQLite's writers nor other nodes' linkage wait for it.
final class LinkageHub: Sendable {
    /// The index and the last log entry applied to it; touched only by whoever holds the gate.
    final class Held: @unchecked Sendable {
        var index: LinkageIndex
        var applied: Int64
        /// Set before this transaction's own change to the index; a failure before it keeps the index (it holds
        /// only what the log holds).
        var changed = false

        init(index: LinkageIndex, applied: Int64) {
            self.index = index
            self.applied = applied
        }
    }

    let settings: LinkageEngine.Settings
    /// The model a force starts from before it holds enough people to train its own.
    let referenceModel: LinkageModel
    /// At least this many people, and the first model is trained on the force's own records.
    let trainFrom: Int
    /// Called after each page of the log read (the last one empty), with whether it was read inside the
    /// transaction and how many entries it replayed (tests).
    let replayed: (@Sendable (_ inTransaction: Bool, _ entries: Int) async throws -> Void)?
    /// Called just before a model this node made is stored (tests).
    let storing: (@Sendable () async throws -> Void)?
    /// Log entries read and replayed at a time: about half a second of work at 5,000.
    let page: Int
    /// A request matches at once only if this node's index is at most this many entries behind the log (about half
    /// a second of replaying); further behind (just started, at a force's size a minute and more), the person is
    /// left to the worker, which is catching up anyway.
    let requestLag: Int64
    private let gate = Gate()
    private let held = NIOLockedValueBox<Held?>(nil)

    init(
        referenceModel: LinkageModel, trainFrom: Int = 5_000, settings: LinkageEngine.Settings = .init(),
        replayed: (@Sendable (_ inTransaction: Bool, _ entries: Int) async throws -> Void)? = nil,
        storing: (@Sendable () async throws -> Void)? = nil, page: Int = 5_000, requestLag: Int64 = 5_000
    ) {
        self.page = page
        self.requestLag = requestLag
        self.referenceModel = referenceModel
        self.trainFrom = trainFrom
        self.settings = settings
        self.replayed = replayed
        self.storing = storing
    }

    /// Why this node cannot match anyone yet.
    enum NotReady: Error {
        /// No model is stored, and the caller (a request) does not train one: the worker will.
        case noModel
        /// Another node is training the force's model (PostgreSQL).
        case training
        /// This node's index is further behind the log than a request waits for (`requestLag`).
        case catchingUp
    }

    /// Who asks. The worker (and an analyst's decision, which cannot be left to anyone else) waits for whatever
    /// bringing the index up to date takes, training the force's first model included. A request that saved a
    /// person does neither: the person stays queued and the worker matches them.
    enum Caller: Sendable {
        case worker
        case request
    }

    /// The reference model shipped in `Resources/Linkage/model.json` (trained by `victimcare linkage run --model`
    /// on generated people), or EM's starting values if it is missing.
    static func load(resources: String) -> LinkageHub {
        let path = resources + "Linkage/model.json"
        let model =
            (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap {
                try? JSONDecoder().decode(LinkageModel.self, from: $0)
            } ?? LinkageModel.initial()
        return LinkageHub(referenceModel: model)
    }

    /// Runs `body` on the index, brought up to date, in one transaction that holds the linkage lock. For a
    /// `.request`, a force with no model stored yet gets `NotReady.noModel`, not seconds of training, and an index
    /// more than `requestLag` entries behind gets `NotReady.catchingUp`, not a replay of minutes.
    func transaction<T: Sendable>(
        on db: any Database, for caller: Caller = .worker,
        _ body: @escaping @Sendable (Held, any Database) async throws -> T
    ) async throws -> T {
        if caller == .worker {
            // The long part first, without holding the index for longer than a page: the model trained or read, then
            // the log replayed a page at a time. A request arriving meanwhile waits for a page, not for all of it.
            if !isLoaded { _ = try await currentModel(on: db) }
            try await keepUp(on: db)
        }
        await gate.enter()
        let current = held.withLockedValue { h in
            let c = h
            h = nil
            return c
        }
        // What to keep if anything fails: the index as it was, or as far as the replay took it (each entry
        // replayed is one other nodes committed), unless this transaction changed it. An index built from nothing is
        // built on a model already stored.
        current?.changed = false
        var kept = current
        do {
            let ready: Held
            if let current { ready = current } else { ready = try await fresh(on: db, train: caller == .worker) }
            kept = ready
            if caller == .request, try await Self.lastEntry(on: db) - ready.applied > requestLag {
                throw NotReady.catchingUp
            }
            try await replay(ready, on: db, inTransaction: false)
            let result = try await db.transaction { tx -> T in
                try await Self.lock(tx)
                try await self.replay(ready, on: tx, inTransaction: true)
                return try await body(ready, tx)
            }
            held.withLockedValue { $0 = ready }
            await gate.leave()
            return result
        } catch {
            // Refused before changing anything (an unknown id, an undo already done, a busy database): the index
            // stays; changed and not kept, it is rebuilt from the log next time.
            if let kept, !kept.changed { held.withLockedValue { $0 = kept } }
            await gate.leave()
            throw error
        }
    }

    /// Brings this node's index up to date with the log (built from it if the node holds none) without taking the
    /// lock. The linkage worker does this on every node, so neither the first person recorded after a start nor
    /// a node that matches rarely waits for the log to be replayed inside a request. A force with no model stored
    /// yet is left to its first match, which trains one: every node training at its first start would be work
    /// wasted on all but one, and on a force whose queue may be empty. The index is taken a page at a time, so a
    /// request or an analyst's decision waits for one page (half a second), not for the whole log (a minute and
    /// more at a force's size).
    func keepUp(on db: any Database) async throws {
        while true {
            try Task.checkCancellation()
            await gate.enter()
            var kept = held.withLockedValue { h in
                let c = h
                h = nil
                return c
            }
            var entries = 0
            do {
                if kept == nil, let model = try await storedModel(on: db) {
                    kept = Held(index: LinkageIndex(model: model, settings: settings), applied: 0)
                }
                if let kept { entries = try await replayPage(kept, on: db) }
            } catch {
                // As far as it got: every entry replayed is one committed.
                held.withLockedValue { [kept] in $0 = kept }
                await gate.leave()
                throw error
            }
            held.withLockedValue { [kept] in $0 = kept }
            await gate.leave()
            guard kept != nil else { return }
            try await replayed?(false, entries)
            if entries == 0 { return }
        }
    }

    /// Whether this node holds an index now (else the next use rebuilds it from the log).
    var isLoaded: Bool { held.withLockedValue { $0 != nil } }

    /// Where replaying and training run: seconds of work on a thread of their own, not on the event loops that
    /// serve requests nor on the blocking pool that runs SQLite's statements (a replay there stalled recorded
    /// crimes 1.4–1.7 s after a start). The kernel shares the cores between them.
    static let work: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// PostgreSQL's advisory lock for linkage ("Link").
    static let lockKey = 0x4c_696e_6b

    static func lock(_ db: any Database) async throws {
        guard db.isPostgres, let sql = db as? any SQLDatabase else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: lockKey))").run()
    }

    // MARK: - Replaying the log

    struct LogRow: Decodable {
        var seq: Int64
        var op: String
        var person_id: UUID?
        var other_id: UUID?
        var same: Bool?
        var event_seq: Int64?
        var input: String?
    }

    /// An empty index on the force's model, to replay the log into.
    private func fresh(on db: any Database, train: Bool) async throws -> Held {
        let model: LinkageModel
        if train {
            model = try await currentModel(on: db)
        } else if let stored = try await storedModel(on: db) {
            model = stored
        } else {
            throw NotReady.noModel
        }
        return Held(index: LinkageIndex(model: model, settings: settings), applied: 0)
    }

    /// Applies to `h` the log entries committed after the last it applied.
    private func replay(_ h: Held, on db: any Database, inTransaction: Bool) async throws {
        while true {
            let entries = try await replayPage(h, on: db)
            try await replayed?(inTransaction, entries)
            if entries == 0 { break }
        }
    }

    /// Applies to `h` the next `page` log entries committed after the last it applied; returns how many.
    private func replayPage(_ h: Held, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let rows = try await sql.select().columns("seq", "op", "person_id", "other_id", "same", "event_seq", "input")
            .from("linkage_log").where("seq", .greaterThan, h.applied).orderBy("seq").limit(page)
            .all(decoding: LogRow.self)
        guard !rows.isEmpty else { return 0 }
        // A page is about half a second of work: on a thread of its own (see `work`).
        try await Self.work.runIfActive {
            let decoder = JSONDecoder()
            for row in rows {
                // Each entry succeeded when it was written; replayed on the same log it succeeds again. If it does
                // not, this node cannot agree with the others: it says so, naming the entry, rather than carry on
                // different.
                do {
                    switch row.op {
                    case "record":
                        guard let text = row.input else { throw Replay.failed(row.seq) }
                        h.index.record(try decoder.decode(LinkageInput.self, from: Data(text.utf8)))
                    case "decide":
                        guard let a = row.person_id, let b = row.other_id else { throw Replay.failed(row.seq) }
                        _ = try h.index.decide(a.uuidString, b.uuidString, same: row.same ?? false)
                    case "undo":
                        guard let event = row.event_seq else { throw Replay.failed(row.seq) }
                        _ = try h.index.undo(Int(event))
                    default: throw Replay.failed(row.seq)
                    }
                } catch let error as Replay {
                    throw error
                } catch {
                    throw Replay.failed(row.seq, because: "\(type(of: error))")
                }
                h.applied = row.seq
            }
        }
        return rows.count
    }

    /// The number of the last log entry committed (0 for none): entries are numbered consecutively from 1.
    static func lastEntry(on db: any Database) async throws -> Int64 {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct Row: Decodable { var last: Int64? }
        return try await sql.raw("SELECT MAX(seq) AS last FROM linkage_log").first(decoding: Row.self)?.last ?? 0
    }

    /// A log entry this node could not apply: its number, and what went wrong (a type's name, never the entry).
    enum Replay: SafeLogDetails {
        case failed(Int64, because: String? = nil)

        var logDetails: Logger.Metadata {
            switch self {
            case .failed(let seq, let cause):
                var details: Logger.Metadata = ["log_seq": "\(seq)"]
                if let cause { details["cause_type"] = "\(cause)" }
                return details
            }
        }
    }

    struct ModelRow: Decodable {
        var model: String
    }

    /// The force's model: the one stored, or (first use) one trained on the people held if there are enough of
    /// them, else the reference model; stored so every node uses the same, and trained outside the linkage lock. On
    /// PostgreSQL one node trains (under a lock of its own, taken without waiting) and the others get
    /// `NotReady.training` until it has stored the model. If two stores meet anyway (SQLite's command beside its
    /// server), the first stored is the one both use.
    func currentModel(on db: any Database) async throws -> LinkageModel {
        if let model = try await storedModel(on: db) { return model }
        guard try await Person.query(on: db).count() >= trainFrom else {
            return try await store(referenceModel, source: "reference", on: db)
        }
        guard db.isPostgres else { return try await trainAndStore(on: db) }
        return try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            struct Row: Decodable { var got: Bool }
            let got =
                try await sql.raw("SELECT pg_try_advisory_xact_lock(\(literal: Self.trainingKey)) AS got")
                .first(decoding: Row.self)?.got ?? false
            guard got else { throw NotReady.training }
            if let model = try await self.storedModel(on: tx) { return model }
            return try await self.trainAndStore(on: tx)
        }
    }

    /// PostgreSQL's advisory lock for training the force's model ("Trai").
    static let trainingKey = 0x5472_6169

    private func trainAndStore(on db: any Database) async throws -> LinkageModel {
        // Every person held: seconds of reading at a force's size, on a connection of its own (SQLite).
        let inputs = try await LinkageInputs.all(on: db.longReads)
        // Seconds of work at a force's size, off the event loops.
        let settings = settings
        let model = try await Self.work.runIfActive { LinkageEngine(settings: settings).run(inputs).model }
        return try await store(model, source: "trained on \(inputs.count) people", on: db)
    }

    /// Stores `model` unless one is stored already, and returns the one stored, as every node reads it.
    private func store(_ model: LinkageModel, source: String, on db: any Database) async throws -> LinkageModel {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let text = String(decoding: try JSONEncoder().encode(model), as: UTF8.self)
        try await storing?()
        try await sql.insert(into: "linkage_models").columns("id", "model", "source", "created_at")
            .values(SQLBind(1), SQLBind(text), SQLBind(source), SQLBind(Date())).ignoringConflicts(with: "id").run()
        guard let stored = try await storedModel(on: db) else { throw Abort(.internalServerError) }
        return stored
    }

    /// The force's model, if one is stored. One stored that this build cannot read is an error, named as such in
    /// the worker's log: taken for none, it had every node train a model it could never store, at every poll.
    func storedModel(on db: any Database) async throws -> LinkageModel? {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        guard
            let row = try await sql.select().column("model").from("linkage_models").where("id", .equal, 1)
                .first(decoding: ModelRow.self)
        else { return nil }
        do {
            return try JSONDecoder().decode(LinkageModel.self, from: Data(row.model.utf8))
        } catch {
            throw StoredModelUnreadable()
        }
    }

    /// The model stored in `linkage_models` is not one this build reads.
    struct StoredModelUnreadable: Error {}

    /// One at a time, in the order asked.
    private actor Gate {
        private var busy = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            if !busy {
                busy = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func leave() {
            if waiting.isEmpty {
                busy = false
            } else {
                waiting.removeFirst().resume()
            }
        }
    }
}

extension Application {
    private struct LinkageKey: StorageKey {
        typealias Value = LinkageHub
    }

    /// The node's linkage index (set by `configure`).
    var linkage: LinkageHub {
        get { storage[LinkageKey.self]! }
        set { storage[LinkageKey.self] = newValue }
    }
}

/// People as the linkage engine compares them: names, date of birth, the first phone and email they have, and the
/// postcode of their first address.
enum LinkageInputs {
    struct PersonRow: Decodable {
        var id: UUID
        var given_name: String
        var family_name: String
        var date_of_birth: String?
    }

    struct PointRow: Decodable {
        var person_id: UUID
        var kind: String
        var value: String
    }

    static func load(_ ids: [UUID], on db: any Database) async throws -> [LinkageInput] {
        guard let sql = db as? any SQLDatabase, !ids.isEmpty else { return [] }
        var inputs: [LinkageInput] = []
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let people = try await sql.select().columns("id", "given_name", "family_name", "date_of_birth")
                .from("persons").where("id", .in, chunk).all(decoding: PersonRow.self)
            let points = try await sql.select().columns("person_id", "kind", "value").from("contact_points")
                .where("person_id", .in, chunk).orderBy("created_at").all(decoding: PointRow.self)
            inputs += build(people, points)
        }
        let order = Dictionary(ids.enumerated().map { ($1.uuidString, $0) }, uniquingKeysWith: { a, _ in a })
        return inputs.sorted { order[$0.id]! < order[$1.id]! }
    }

    /// Every person held, in id order (to train a model on).
    static func all(on db: any Database) async throws -> [LinkageInput] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let people = try await sql.select().columns("id", "given_name", "family_name", "date_of_birth")
            .from("persons").orderBy("id").all(decoding: PersonRow.self)
        let points = try await sql.select().columns("person_id", "kind", "value").from("contact_points")
            .orderBy("created_at").all(decoding: PointRow.self)
        return build(people, points)
    }

    static func build(_ people: [PersonRow], _ points: [PointRow]) -> [LinkageInput] {
        var byPerson: [UUID: [PointRow]] = [:]
        for point in points { byPerson[point.person_id, default: []].append(point) }
        return people.map { p in
            let mine = byPerson[p.id] ?? []
            return LinkageInput(
                id: p.id.uuidString, givenName: p.given_name, familyName: p.family_name, dateOfBirth: p.date_of_birth,
                postcode: mine.first { $0.kind == ContactPointKind.address.rawValue }.flatMap {
                    postcode(in: $0.value)
                },
                phone: mine.first { $0.kind == ContactPointKind.phone.rawValue }?.value,
                email: mine.first { $0.kind == ContactPointKind.email.rawValue }?.value)
        }
    }

    /// The last UK postcode written in an address ("Flat 2, 14 High Road, London N15 4AB" → "N15 4AB").
    static func postcode(in address: String) -> String? {
        let words = address.uppercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        for i in stride(from: words.count - 1, through: 1, by: -1) {
            let outward = words[i - 1]
            let inward = words[i]
            let inwardChars = Array(inward)
            guard inward.count == 3, inwardChars[0].isNumber, inwardChars[1].isLetter, inwardChars[2].isLetter,
                (2...4).contains(outward.count), outward.first!.isLetter, outward.contains(where: \.isNumber)
            else { continue }
            return outward + " " + inward
        }
        return nil
    }
}
