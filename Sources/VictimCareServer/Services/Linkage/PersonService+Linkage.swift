import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

extension PersonService {
    /// The other records of a person as the viewer may see them: those linked to them (the same person, by the
    /// linkage or an analyst) and those possibly the same (in review). Each passes the access policy as the person
    /// themselves would: named only where the viewer may read them, counted only where a reason would open them,
    /// left out where nothing would. Named records are audited as viewed.
    struct Links: Sendable {
        struct Other: Sendable {
            var id: UUID
            var name: String
            var dateOfBirth: String?
            var probability: Double?
            var status: String?
        }
        var linked: [Other]
        /// Linked records in other units, not named until the viewer gives a reason on their page.
        var linkedElsewhere: [UUID]
        var possible: [Other]
        var possibleElsewhere: Int
        /// Crimes in the last 12 months in which this person, or a record linked to them, was a victim.
        var victimisations12Months: Int
        /// The person is waiting to be matched (just recorded or changed, on a node still catching up, or the worker
        /// busy): the links above may be incomplete for a few seconds.
        var matching: Bool
    }

    struct ReviewRow: Decodable {
        var person_a: UUID
        var person_b: UUID
        var probability: Double
        var status: String
    }

    static func links(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Links {
        let linked = try await LinkageService.linked(id, on: db).filter { $0 != id }
        var reviews: [ReviewRow] = []
        var matching = false
        if let sql = db as? any SQLDatabase {
            matching =
                try await sql.select().column("person_id").from("linkage_queue").where("person_id", .equal, id)
                .first() != nil
            reviews = try await sql.raw(
                """
                SELECT person_a, person_b, probability, status FROM linkage_reviews
                WHERE (person_a = \(bind: id) OR person_b = \(bind: id)) AND status IN ('open', 'unsure')
                ORDER BY probability DESC
                """
            ).all(decoding: ReviewRow.self)
        }
        let linkedSet = Set(linked)
        let possibleReviews = reviews.filter { !linkedSet.contains($0.person_a == id ? $0.person_b : $0.person_a) }
        let possibleIDs = possibleReviews.map { $0.person_a == id ? $0.person_b : $0.person_a }
        var visible: Set<UUID> = []
        var elsewhere: Set<UUID> = []
        for other in Set(linked + possibleIDs) {
            let scope = try await scope(of: other, context: context, on: db)
            switch AccessPolicy.decide(context.actor, .viewPerson, on: scope) {
            case .allowed: visible.insert(other)
            case .reasonRequired, .reasonRequiredEachTime:
                if context.grantedRecords.contains(other) { visible.insert(other) } else { elsewhere.insert(other) }
            case .denied: break
            }
        }
        let people = try await Person.query(on: db).filter(\.$id ~~ Array(visible)).all()
        let byID = Dictionary(people.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        func other(_ x: UUID, _ review: ReviewRow?) -> Links.Other? {
            guard let p = byID[x] else { return nil }
            return Links.Other(
                id: x, name: p.fullName, dateOfBirth: p.dateOfBirth, probability: review?.probability,
                status: review?.status)
        }
        let named = Array(byID.keys).sorted { $0.uuidString < $1.uuidString }
        if !named.isEmpty {
            try await AuditLog.recordViews(
                "person", named, summary: "shown as the same or possibly the same person as \(id)", context: context,
                on: db)
        }
        let since = Date().addingTimeInterval(-365 * 86_400)
        return Links(
            linked: linked.compactMap { other($0, nil) }, linkedElsewhere: linked.filter(elsewhere.contains),
            possible: possibleReviews.compactMap { other($0.person_a == id ? $0.person_b : $0.person_a, $0) },
            possibleElsewhere: possibleIDs.filter(elsewhere.contains).count,
            // Over the records the viewer may see or open: a count must not reveal records their access hides.
            victimisations12Months: try await LinkageService.victimisations(
                of: [id] + linked.filter { visible.contains($0) || elsewhere.contains($0) }, from: since, on: db),
            matching: matching)
    }
}
