import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct CrimeSearchTests {
    @Test func nameSearchPagesNewestFirstWithoutRepeatsAndIncludesAliases() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            var expected: [String] = []
            for n in 1...28 {
                let reported = Instant.format(Date().addingTimeInterval(-Double(n) * 3600))
                let created = try await world.crime(
                    String(format: "SN/%07d/26", n), victim: ("Jo", "Smith"), reported: reported)
                expected.append(created.crime.reference)
                if n == 3 {
                    // A second Smith in the same crime must not list the crime twice.
                    _ = try await CrimeService.linkPerson(
                        crimeID: created.crime.id!, personID: nil,
                        draft: PersonDraft(givenName: "Al", familyName: "Smith", snakeCase: false),
                        role: "witness", context: .system, on: app.db)
                }
            }
            // A person known as Smith only by an alias, on an older crime.
            let aliased = try await world.crime(
                "SN/0000099/26", victim: ("Sam", "Jones"),
                reported: Instant.format(Date().addingTimeInterval(-100 * 3600)))
            _ = try await PersonService.addAlias(
                personID: aliased.victims[0].personID, givenName: "Sam", familyName: "Smith", context: .system,
                on: app.db)
            expected.append("SN/0000099/26")

            let context = AccessContext(actor: .system)
            let first = try await CrimeService.search(.init(name: "smith", page: 1), context: context, on: app.db)
            let second = try await CrimeService.search(.init(name: "smith", page: 2), context: context, on: app.db)
            #expect(first.rows.map(\.reference) == Array(expected.prefix(25)))
            #expect(first.hasNextPage)
            #expect(second.rows.map(\.reference) == Array(expected.dropFirst(25)))
            #expect(!second.hasNextPage)
            let named = try await CrimeService.search(.init(name: "Al Smith"), context: context, on: app.db)
            #expect(named.rows.map(\.reference) == ["SN/0000003/26"])
            let dated = try await CrimeService.search(
                .init(
                    name: "smith", from: London.date(of: Date().addingTimeInterval(-100 * 3600)).description,
                    to: London.date(of: Date().addingTimeInterval(-100 * 3600)).description), context: context,
                on: app.db)
            #expect(dated.rows.map(\.reference).contains("SN/0000099/26"))
            // Renaming a person moves their crimes to the new name.
            let person = try await PersonService.find(aliased.victims[0].personID, on: app.db)
            _ = try await PersonService.update(
                person.id!, PersonDraft(givenName: "Sam", familyName: "Brown", snakeCase: false), context: .system,
                on: app.db)
            #expect(
                try await CrimeService.search(.init(name: "brown"), context: context, on: app.db).rows.map(\.reference)
                    == ["SN/0000099/26"])
        }
    }

    @Test func aCrimeFullOfOneNameDoesNotHideTheOthers() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            var older: [String] = []
            for n in 1...30 {
                let created = try await world.crime(
                    String(format: "SN/%07d/26", n), victim: ("Kit", "Twin"),
                    reported: Instant.format(Date().addingTimeInterval(-Double(n + 1) * 3600)))
                older.append(created.crime.reference)
            }
            // The newest crime holds more people of the name than the first read of the index returns.
            let crowded = try await world.crime(
                "SN/0000099/26", victim: ("Ann", "Twin"), reported: Instant.format(Date()))
            for n in 1...55 {
                _ = try await CrimeService.linkPerson(
                    crimeID: crowded.crime.id!, personID: nil,
                    draft: PersonDraft(givenName: "W\(n)", familyName: "Twin", snakeCase: false), role: "witness",
                    context: .system, on: app.db)
            }
            let first = try await CrimeService.search(.init(name: "twin", page: 1), context: .system, on: app.db)
            #expect(first.rows.map(\.reference) == ["SN/0000099/26"] + older.prefix(24))
            #expect(first.hasNextPage)
        }
    }
}
