import Fluent
import SQLKit

/// The Victims' Code state of each victim (a person linked to a crime as victim), with the same id as the link.
struct CreateVictim: AsyncMigration {
    var name: String { "0014_CreateVictim" }

    func prepare(on db: any Database) async throws {
        try await db.schema("victims")
            .field("id", .uuid, .identifier(auto: false))
            .field("crime_id", .uuid, .required, .references("crimes", "id", onDelete: .cascade))
            .field("person_id", .uuid, .required, .references("persons", "id"))
            .field("enhanced", .bool, .required)
            .field("grounds", .string, .required)
            .field("section16", .bool, .required)
            .field("section17", .bool, .required)
            .field("section28", .bool, .required)
            .field("referral_consent", .string, .required)
            .field("explicit_consent_at", .datetime)
            .field("bereaved", .bool, .required)
            .field("interpreter_needed", .bool, .required)
            .field("suspect_may_see_messages", .bool, .required)
            .field("agreed_update_days", .int)
            .field("vna_completed_at", .datetime)
            .field("vps_status", .string)
            .field("facts_version", .int, .required)
            .field("computed_version", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await db.createIndex("victims_crime", on: "victims", "crime_id")
        try await db.createIndex("victims_person", on: "victims", "person_id")
        // Every victim already recorded gets a row with what the crime alone says.
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            """
            INSERT INTO victims (id, crime_id, person_id, enhanced, grounds, section16, section17, section28, referral_consent,
                bereaved, interpreter_needed, suspect_may_see_messages, facts_version, computed_version)
            SELECT cp.id, cp.crime_id, cp.person_id, \(false), '', \(false), \(false), \(false), 'not_asked', \(false), \(false), \(false), 1, 0
            FROM crime_persons cp WHERE cp.role = 'victim'
            """
        ).run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("victims").delete()
    }
}
