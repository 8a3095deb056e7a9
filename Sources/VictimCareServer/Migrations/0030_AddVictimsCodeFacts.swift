import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// Issue 14 (the Victims' Code, exactly): the facts the engine was missing, each with its time — when a person
/// became a victim, since when they needed an interpreter or were bereaved, the language a leaflet was given
/// in, when the crime recording decision was made, why they are a victim (the 2024 Act's wider victims, a
/// business), whether they know the suspect and whether anyone asked if the suspect sees their messages, and
/// the grounds a supervisor recorded as not holding. Saved policy versions become the administrators' changes
/// only, and every victim's obligations are recomputed under the corrected rules.
struct AddVictimsCodeFacts: AsyncMigration {
    var name: String { "0030_AddVictimsCodeFacts" }

    /// The languages the message catalogues had on this date: a leaflet sent by the outbox in any other
    /// language went in English.
    static let catalogueLanguages = ["en", "cy", "pl", "ro", "ar", "ur", "bn", "so", "pt", "es", "tr", "fr"]

    func prepare(on db: any Database) async throws {
        for field in [
            ("became_victim_at", DatabaseSchema.DataType.datetime), ("bereaved_since", .datetime),
            ("interpreter_needed_since", .datetime), ("business_contact", .string),
        ] {
            try await db.schema("victims").field(.string(field.0), field.1).update()
        }
        try await db.schema("victims").field("basis", .string, .required, .sql(.default("direct"))).update()
        try await db.schema("victims").field("suspect_known", .bool, .required, .sql(.default(false))).update()
        try await db.schema("victims").field("suspect_access_asked", .bool, .required, .sql(.default(false)))
            .update()
        try await db.schema("crimes").field("recording_decision_at", .datetime).update()
        try await db.schema("victim_actions").field("language", .string).update()
        try await db.schema("recompute_jobs").field("victims_changed", .int, .required, .sql(.default(0))).update()
        try await db.schema("enhanced_ground_exceptions")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            .field("ground", .string, .required)
            .field("reason", .string, .required)
            .field("by_user_id", .uuid)
            .field("by_name", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "victim_id", "ground")
            .create()
        guard let sql = db as? any SQLDatabase else { return }

        // Crimes recorded in VictimCare were decided when they were created.
        try await sql.raw("UPDATE crimes SET recording_decision_at = created_at WHERE recording_decision_at IS NULL")
            .run()
        // A victim linked well after the crime was created became one then; the rest at the report.
        try await sql.raw(
            """
            UPDATE victims SET became_victim_at = (
                SELECT CASE WHEN cp.created_at > c.created_at AND cp.created_at > c.reported_at
                            AND \(unsafeRaw: secondsBetween("c.created_at", "cp.created_at", db)) > 3600
                       THEN cp.created_at ELSE c.reported_at END
                FROM crime_persons cp JOIN crimes c ON c.id = cp.crime_id WHERE cp.id = victims.id)
            """
        ).run()
        // Leaflets already recorded: in the person's language, except those the outbox sent in English because
        // no catalogue had theirs.
        try await sql.raw(
            """
            UPDATE victim_actions SET language = (
                SELECT p.language FROM victims v JOIN persons p ON p.id = v.person_id WHERE v.id = victim_actions.victim_id)
            WHERE kind = 'information_leaflet'
            """
        ).run()
        try await sql.update("victim_actions").set("language", to: "en")
            .where("kind", .equal, "information_leaflet").where("by_name", .equal, "VictimCare outbox")
            .where("language", .notIn, Self.catalogueLanguages).run()
        // An assessment recorded before drafts existed answered every question.
        try await sql.raw(
            "UPDATE victims SET suspect_access_asked = \(bind: true) WHERE vna_completed_at IS NOT NULL OR suspect_may_see_messages = \(bind: true)"
        ).run()

        // Policy versions keep only what administrators changed.
        struct Version: Decodable {
            var id: UUID
            var policy: String
        }
        for version in try await sql.select().columns("id", "policy").from("policy_versions")
            .all(decoding: Version.self)
        {
            let changes = try PolicyVersion.adjustments(from: version.policy)
            try await sql.update("policy_versions")
                .set("policy", to: String(decoding: try JSONEncoder().encode(changes), as: UTF8.self))
                .where("id", .equal, version.id).run()
        }

        // Referral unless the victim opts out applies to victims from now: earlier ones were never told.
        try await sql.insert(into: "settings").columns("key", "value")
            .values(SQLBind("referral_opt_out_from"), SQLBind(ISO8601DateFormatter().string(from: Date()))).run()

        // Every stored victim's obligations under the corrected rules, in the background.
        struct Count: Decodable { var n: Int }
        let victims = try await sql.raw("SELECT COUNT(*) AS n FROM victims").first(decoding: Count.self)?.n ?? 0
        if victims > 0 {
            try await sql.insert(into: "recompute_jobs")
                .columns("id", "reason", "state", "total", "done", "changed", "requested_by_name", "requested_at")
                .values(
                    SQLBind(UUID.random()),
                    SQLBind("Victims' Code rules corrected (issue 14): every victim recomputed"),
                    SQLBind("queued"), SQLBind(victims), SQLBind(0), SQLBind(0), SQLBind("Migration 0030"),
                    SQLBind(Date())
                ).run()
        }
    }

    /// Seconds from one timestamp column to another, in each dialect (SQLite holds times as seconds since 1970).
    private func secondsBetween(_ from: String, _ to: String, _ db: any Database) -> String {
        db.isPostgres
            ? "EXTRACT(EPOCH FROM (\(to) - \(from)))"
            : "(\(to) - \(from))"
    }

    func revert(on db: any Database) async throws {
        try await db.schema("enhanced_ground_exceptions").delete()
        try await db.schema("recompute_jobs").deleteField("victims_changed").update()
        try await db.schema("victim_actions").deleteField("language").update()
        try await db.schema("crimes").deleteField("recording_decision_at").update()
        for field in [
            "became_victim_at", "bereaved_since", "interpreter_needed_since", "business_contact", "basis",
            "suspect_known", "suspect_access_asked",
        ] {
            try await db.schema("victims").deleteField(.string(field)).update()
        }
        if let sql = db as? any SQLDatabase {
            try await sql.delete(from: "settings").where("key", .equal, "referral_opt_out_from").run()
        }
    }
}
