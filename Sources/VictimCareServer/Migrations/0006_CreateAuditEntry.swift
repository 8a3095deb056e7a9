import Fluent
import SQLKit

struct CreateAuditEntry: AsyncMigration {
    var name: String { "0006_CreateAuditEntry" }

    func prepare(on db: any Database) async throws {
        try await db.schema("audit_entries")
            .id()
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_kind", .string, .required)
            .field("actor_name", .string, .required)
            .field("actor_role", .string, .required)
            .field("action", .string, .required)
            .field("record_type", .string, .required)
            .field("record_id", .uuid)
            .field("summary", .string, .required)
            .field("ip", .string)
            .field("reason", .string)
            .create()
        try await db.createIndex("audit_entries_at", on: "audit_entries", "at")
        try await db.createIndex("audit_entries_record", on: "audit_entries", "record_type", "record_id")
        try await db.createIndex("audit_entries_actor", on: "audit_entries", "actor_id", "at")
        // Append-only in the database too, not just in the application.
        guard let sql = db as? any SQLDatabase else { return }
        if db.isPostgres {
            try await sql.raw(
                """
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END $$
                """
            ).run()
            try await sql.raw(
                """
                CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
                """
            ).run()
        } else {
            for event in ["UPDATE", "DELETE"] {
                try await sql.raw(
                    """
                    CREATE TRIGGER audit_entries_no_\(unsafeRaw: event.lowercased()) BEFORE \(unsafeRaw: event) ON audit_entries
                    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END
                    """
                ).run()
            }
        }
    }

    func revert(on db: any Database) async throws {
        try await db.schema("audit_entries").delete()
        if db.isPostgres, let sql = db as? any SQLDatabase {
            try await sql.raw("DROP FUNCTION IF EXISTS audit_entries_append_only()").run()
        }
    }
}
