import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// What analysts see: the queue of pairs in the grey band, one pair side by side with its evidence, and the log of
/// merges and splits they can undo. Every person named passes the access policy and is audited as viewed.
extension LinkageService {
    struct Side: Sendable {
        var id: UUID
        /// Nil when the analyst may not read this record (it is then shown without its details).
        var name: String?
        var dateOfBirth: String?
        var phone: String?
        var email: String?
        var address: String?
        var cluster: Int64?
    }

    struct QueueRow: Sendable {
        var id: UUID
        var a: Side
        var b: Side
        var probability: Double
        var status: String
    }

    struct PairDetail: Sendable {
        var review: LinkageReview
        var a: Side
        var b: Side
        var evidence: [LinkageIndex.Evidence]
        var sameCluster: Bool
    }

    struct Change: Sendable {
        var seq: Int64
        var kind: String
        var a: Side?
        var b: Side?
        var weight: Double?
        var evidence: [LinkageIndex.Evidence]
        var moved: Int
        var undone: Bool
        var when: Date
    }

    static let queueStatuses = ["open", "unsure", "same", "different"]

    static func queue(status: String, context: AccessContext, on db: any Database) async throws -> [QueueRow] {
        try AccessGuard.require(.reviewLinkage, context)
        let status = queueStatuses.contains(status) ? status : "open"
        var query = LinkageReview.query(on: db).filter(\.$status == status)
        query =
            status == "open" || status == "unsure"
            ? query.sort(\.$probability, .descending)
            : query.sort(
                \.$decidedAt, .descending)
        let reviews = try await query.sort(\.$id).limit(100).all()
        let sides = try await sides(Set(reviews.flatMap { [$0.personA, $0.personB] }), context: context, on: db)
        try await audit(sides.values, summary: "linkage review queue", context: context, on: db)
        return reviews.compactMap { r in
            guard let a = sides[r.personA], let b = sides[r.personB] else { return nil }
            return QueueRow(id: r.id!, a: a, b: b, probability: r.probability, status: r.status)
        }
    }

    static func pair(_ reviewID: UUID, context: AccessContext, on db: any Database) async throws -> PairDetail {
        try AccessGuard.require(.reviewLinkage, context)
        guard let review = try await LinkageReview.find(reviewID, on: db) else {
            throw DomainError.notFound("pair for review")
        }
        let sides = try await sides([review.personA, review.personB], context: context, on: db)
        guard let a = sides[review.personA], let b = sides[review.personB] else {
            throw DomainError.notFound("person")
        }
        try await audit(sides.values, summary: "linkage review of pair \(reviewID)", context: context, on: db)
        let evidence = (try? JSONDecoder().decode([LinkageIndex.Evidence].self, from: Data(review.evidence.utf8))) ?? []
        return PairDetail(
            review: review, a: a, b: b, evidence: evidence, sameCluster: a.cluster != nil && a.cluster == b.cluster)
    }

    struct EventRow: Decodable {
        var seq: Int64
        var kind: String
        var person_a: UUID?
        var person_b: UUID?
        var weight: Double?
        var evidence: String
        var moves: String
        var undone_by: Int64?
        var created_at: Date
    }

    static func changes(context: AccessContext, on db: any Database) async throws -> [Change] {
        try AccessGuard.require(.reviewLinkage, context)
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = try await sql.select()
            .columns("seq", "kind", "person_a", "person_b", "weight", "evidence", "moves", "undone_by", "created_at")
            .from("linkage_events").orderBy("seq", .descending).limit(100).all(decoding: EventRow.self)
        let sides = try await sides(
            Set(rows.flatMap { [$0.person_a, $0.person_b].compactMap { $0 } }), context: context, on: db)
        try await audit(sides.values, summary: "linkage merges and splits", context: context, on: db)
        let decoder = JSONDecoder()
        return rows.map { row in
            let moves = try? decoder.decode(Moves.self, from: Data(row.moves.utf8))
            return Change(
                seq: row.seq, kind: row.kind, a: row.person_a.flatMap { sides[$0] },
                b: row.person_b.flatMap { sides[$0] }, weight: row.weight,
                evidence: (try? decoder.decode([LinkageIndex.Evidence].self, from: Data(row.evidence.utf8))) ?? [],
                moved: moves?.after.count ?? 0, undone: row.undone_by != nil, when: row.created_at)
        }
    }

    /// People as an analyst sees them in the queue: details where the policy lets them read the record.
    static func sides(_ ids: Set<UUID>, context: AccessContext, on db: any Database) async throws -> [UUID: Side] {
        guard !ids.isEmpty else { return [:] }
        let people = try await Person.query(on: db).filter(\.$id ~~ Array(ids)).all()
        let points = try await ContactPoint.query(on: db).filter(\.$person.$id ~~ Array(ids)).sort(\.$createdAt).all()
        var clusters: [UUID: Int64] = [:]
        if let sql = db as? any SQLDatabase {
            struct Row: Decodable {
                var person_id: UUID
                var cluster_id: Int64
            }
            for row in try await sql.select().columns("person_id", "cluster_id").from("linkage_clusters")
                .where("person_id", .in, Array(ids)).all(decoding: Row.self)
            {
                clusters[row.person_id] = row.cluster_id
            }
        }
        var out: [UUID: Side] = [:]
        for p in people {
            let id = p.id!
            let scope = try await PersonService.scope(of: id, context: context, on: db)
            let readable =
                AccessPolicy.decide(context.actor, .viewPerson, on: scope) == .allowed
                || context.grantedRecords.contains(id)
            guard readable else {
                out[id] = Side(id: id, cluster: clusters[id])
                continue
            }
            let mine = points.filter { $0.$person.id == id }
            out[id] = Side(
                id: id, name: p.fullName, dateOfBirth: p.dateOfBirth, phone: mine.first { $0.kind == .phone }?.value,
                email: mine.first { $0.kind == .email }?.value, address: mine.first { $0.kind == .address }?.value,
                cluster: clusters[id])
        }
        return out
    }

    static func audit(
        _ sides: Dictionary<UUID, Side>.Values, summary: String, context: AccessContext, on db: any Database
    ) async throws {
        let named = sides.filter { $0.name != nil }.map(\.id).sorted { $0.uuidString < $1.uuidString }
        guard !named.isEmpty else { return }
        try await AuditLog.recordViews("person", named, summary: summary, context: context, on: db)
    }
}
