import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct DemoDataTests {
    struct Fingerprint: Equatable {
        var crimes: Int
        var persons: Int
        var repeatVictims: Int
        var references: [String]
        var names: [String]
    }

    static func load(seed: UInt64) async throws -> Fingerprint {
        var result: Fingerprint?
        try await withTestApp { app in
            var random = DemoRandom(seed: seed)
            var ids = SequentialIDs(seed: seed)
            let force = try await DemoForce.create(passwordHash: "x", random: &random, ids: &ids, on: app.db)
            let asOf = Instant.parse("2026-11-01T12:00:00Z")!
            var generator = DemoCrimes(
                force: force, profiles: DemoCrimes.profiles(from: try await Offence.query(on: app.db).all()),
                asOf: asOf, random: random, ids: ids)
            var tables = DemoCrimes.Tables()
            generator.generate(300, into: &tables)
            try await tables.flush(on: app.db)
            let sql = app.db as! any SQLDatabase
            struct Count: Decodable { var n: Int }
            let repeats =
                try await sql.raw(
                    "SELECT COUNT(*) AS n FROM (SELECT person_id FROM crime_persons WHERE role = 'victim' GROUP BY person_id HAVING COUNT(*) > 1) x"
                ).first(decoding: Count.self)?.n ?? 0
            let crimes = try await Crime.query(on: app.db).sort(\.$reference).all()
            let persons = try await Person.query(on: app.db).sort(\.$id).range(0..<5).all()
            // Every crime sits within the 18 months before the as-of date, and belongs to a real unit and offence.
            #expect(
                crimes.allSatisfy { $0.reportedAt <= asOf && $0.reportedAt > asOf.addingTimeInterval(-549 * 86_400) })
            #expect(try await User.query(on: app.db).filter(\.$roleCode == "officer").count() > 100)
            #expect(Set(try await User.query(on: app.db).all().map(\.roleCode)) == Set(Role.allCases.map(\.rawValue)))
            result = Fingerprint(
                crimes: crimes.count, persons: try await Person.query(on: app.db).count(), repeatVictims: repeats,
                references: Array(crimes.prefix(5).map(\.reference)), names: persons.map(\.fullName))
        }
        return try #require(result)
    }

    @Test func sameSeedSameForce() async throws {
        let first = try await Self.load(seed: 7)
        let again = try await Self.load(seed: 7)
        let other = try await Self.load(seed: 8)
        #expect(first == again)
        #expect(first.names != other.names)
        #expect(first.crimes == 300)
        #expect(first.persons > 300)
        #expect(first.repeatVictims > 0, "some victims appear in more than one crime")
    }
}
