import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Finding crimes by a person's name went through every person of that name and then every crime they are
/// in. Copying the name keys and the report time onto the link lets one index answer "the newest crimes of
/// anyone called Smith" directly.
struct AddSearchKeysToCrimePersons: AsyncMigration {
    var name: String { "0018_AddSearchKeysToCrimePersons" }

    func prepare(on db: any Database) async throws {
        // One column per ALTER: SQLite adds columns one at a time.
        try await db.schema("crime_persons").field("family_name_key", .string).update()
        try await db.schema("crime_persons").field("given_name_key", .string).update()
        try await db.schema("crime_persons").field("reported_at", .datetime).update()
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            """
            UPDATE crime_persons SET
                family_name_key = (SELECT p.family_name_key FROM persons p WHERE p.id = crime_persons.person_id),
                given_name_key = (SELECT p.given_name_key FROM persons p WHERE p.id = crime_persons.person_id),
                reported_at = (SELECT c.reported_at FROM crimes c WHERE c.id = crime_persons.crime_id)
            """
        ).run()
        try await db.createIndex("crime_persons_name_reported", on: "crime_persons", "family_name_key", "reported_at")
        // Aliases get a given-name key too, so "Al Smith" does not find Sam, known as Smith.
        try await db.schema("person_aliases").field("given_name_key", .string).update()
        struct Alias: Decodable {
            var id: UUID
            var given_name: String
        }
        for alias in try await sql.raw("SELECT id, given_name FROM person_aliases").all(decoding: Alias.self) {
            try await sql.update("person_aliases").set("given_name_key", to: Normalise.nameKey(alias.given_name))
                .where("id", .equal, alias.id).run()
        }
    }

    func revert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX IF EXISTS crime_persons_name_reported").run()
        try await db.schema("person_aliases").deleteField("given_name_key").update()
        for column in ["family_name_key", "given_name_key", "reported_at"] {
            try await db.schema("crime_persons").deleteField(.string(column)).update()
        }
    }
}
