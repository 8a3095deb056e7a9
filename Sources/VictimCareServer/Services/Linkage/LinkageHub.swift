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
    private let gate = Gate()
    private let held = NIOLockedValueBox<Held?>(nil)

    init(referenceModel: LinkageModel, trainFrom: Int = 5_000, settings: LinkageEngine.Settings = .init()) {
        self.referenceModel = referenceModel
        self.trainFrom = trainFrom
        self.settings = settings
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

    /// Runs `body` on the index, brought up to date, in one transaction that holds the linkage lock.
    func transaction<T: Sendable>(
        on db: any Database, _ body: @escaping @Sendable (Held, any Database) async throws -> T
    ) async throws -> T {
        await gate.enter()
        let current = held.withLockedValue { h in
            let c = h
            h = nil
            return c
        }
        // What to keep if the transaction fails: the index as it was, or as far as the replay took it (each entry
        // replayed is one other nodes committed), unless this transaction changed it. An index built from nothing in
        // a transaction that failed is not kept: the model it was built on may not have been stored.
        current?.changed = false
        let slot = Slot()
        slot.held = current
        do {
            let (result, after) = try await db.transaction { tx -> (T, Held) in
                try await Self.lock(tx)
                let h = try await self.caughtUp(current, on: tx)
                return (try await body(h, tx), h)
            }
            held.withLockedValue { $0 = after }
            await gate.leave()
            return result
        } catch {
            // Refused before changing anything (an unknown id, an undo already done, a busy database): the index
            // stays; changed and not kept, it is rebuilt from the log next time.
            if let kept = slot.held, !kept.changed { held.withLockedValue { $0 = kept } }
            await gate.leave()
            throw error
        }
    }

    private final class Slot: @unchecked Sendable {
        var held: Held?
    }

    /// Whether this node holds an index now (else the next use rebuilds it from the log).
    var isLoaded: Bool { held.withLockedValue { $0 != nil } }

    static func lock(_ db: any Database) async throws {
        guard db.isPostgres, let sql = db as? any SQLDatabase else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: 0x4c_696e_6b))").run()
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

    func caughtUp(_ current: Held?, on db: any Database) async throws -> Held {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let h: Held
        if let current {
            h = current
        } else {
            let model = try await currentModel(on: db)
            h = Held(index: LinkageIndex(model: model, settings: settings), applied: 0)
        }
        let decoder = JSONDecoder()
        while true {
            let rows = try await sql.select().columns(
                "seq", "op", "person_id", "other_id", "same", "event_seq", "input"
            )
            .from("linkage_log").where("seq", .greaterThan, h.applied).orderBy("seq").limit(5_000)
            .all(decoding: LogRow.self)
            guard !rows.isEmpty else { break }
            for row in rows {
                // Each entry succeeded when it was written; replayed on the same log it succeeds again. If it does
                // not, this node cannot agree with the others: it says so rather than carry on different.
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
                h.applied = row.seq
            }
        }
        return h
    }

    enum Replay: Error {
        case failed(Int64)
    }

    struct ModelRow: Decodable {
        var model: String
    }

    /// The force's model: the one stored, or (first use) one trained on the people held if there are enough of
    /// them, else the reference model; stored so every node uses the same.
    func currentModel(on db: any Database) async throws -> LinkageModel {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        if let row = try await sql.select().column("model").from("linkage_models").where("id", .equal, 1)
            .first(decoding: ModelRow.self),
            let model = try? JSONDecoder().decode(LinkageModel.self, from: Data(row.model.utf8))
        {
            return model
        }
        let people = try await Person.query(on: db).count()
        let model: LinkageModel
        let source: String
        if people >= trainFrom {
            let inputs = try await LinkageInputs.all(on: db)
            model = LinkageEngine(settings: settings).run(inputs).model
            source = "trained on \(inputs.count) people"
        } else {
            model = referenceModel
            source = "reference"
        }
        let text = String(decoding: try JSONEncoder().encode(model), as: UTF8.self)
        try await sql.insert(into: "linkage_models").columns("id", "model", "source", "created_at")
            .values(SQLBind(1), SQLBind(text), SQLBind(source), SQLBind(Date())).run()
        // As every other node will read it.
        return try JSONDecoder().decode(LinkageModel.self, from: Data(text.utf8))
    }

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
