import Fluent
import FluentSQL
import Foundation
import SQLKit

/// Repeat victims by command unit and offence group (issue 18): the people who were victims of a crime of the
/// group in the unit in the period, and of them those who were victims of two or more crimes in the period
/// anywhere in the force, counted over linked records (one person however many records they have). "Recognised by
/// linkage" are the repeat victims no single record shows: each of their records has fewer than two crimes.
enum RepeatVictimsReport {
    struct Row: Sendable, Equatable {
        var unitID: UUID
        var group: String
        var victims: Int
        var repeatVictims: Int
        var byLinkage: Int
    }

    struct Victimisation: Decodable {
        var person_id: UUID
        var cluster_id: Int64?
        var crime_id: UUID
        var command_unit_id: UUID
        var offence_group: String
    }

    static func build(unitID: UUID?, from: Date, to: Date, on db: any Database) async throws -> [Row] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = try await sql.raw(
            """
            SELECT cp.person_id, lc.cluster_id, c.id AS crime_id, c.command_unit_id, o.offence_group
            FROM crime_persons cp JOIN crimes c ON c.id = cp.crime_id JOIN offences o ON o.code = c.offence_code
            LEFT JOIN linkage_clusters lc ON lc.person_id = cp.person_id
            WHERE cp.role = 'victim' AND c.reported_at >= \(bind: from) AND c.reported_at < \(bind: to)
            """
        ).all(decoding: Victimisation.self)
        enum Who: Hashable {
            case cluster(Int64)
            case person(UUID)
        }
        func who(_ r: Victimisation) -> Who { r.cluster_id.map(Who.cluster) ?? .person(r.person_id) }
        var crimes: [Who: Set<UUID>] = [:]
        var crimesOfRecord: [UUID: Set<UUID>] = [:]
        var records: [Who: Set<UUID>] = [:]
        for r in rows {
            crimes[who(r), default: []].insert(r.crime_id)
            crimesOfRecord[r.person_id, default: []].insert(r.crime_id)
            records[who(r), default: []].insert(r.person_id)
        }
        struct Key: Hashable {
            var unit: UUID
            var group: String
        }
        var people: [Key: Set<Who>] = [:]
        for r in rows where unitID == nil || r.command_unit_id == unitID {
            people[Key(unit: r.command_unit_id, group: r.offence_group), default: []].insert(who(r))
        }
        return people.map { key, whos in
            let repeated = whos.filter { (crimes[$0]?.count ?? 0) >= 2 }
            let byLinkage = repeated.filter { w in
                (records[w] ?? []).allSatisfy { (crimesOfRecord[$0]?.count ?? 0) < 2 }
            }
            return Row(
                unitID: key.unit, group: key.group, victims: whos.count, repeatVictims: repeated.count,
                byLinkage: byLinkage.count)
        }.sorted { ($0.unitID.uuidString, $0.group) < ($1.unitID.uuidString, $1.group) }
    }
}
