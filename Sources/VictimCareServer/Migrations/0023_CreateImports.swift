import Fluent

/// Imports from a force's records system: which source record became which VictimCare record (so importing a
/// file again changes nothing), each run with its counts, and the rows it could not take.
struct CreateImports: AsyncMigration {
    var name: String { "0023_CreateImports" }

    func prepare(on db: any Database) async throws {
        try await db.schema("import_runs")
            .id()
            .field("source", .string, .required)
            .field("file_name", .string, .required)
            // running, finished, failed
            .field("state", .string, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            // Moved on with every chunk written: a run that stops moving was interrupted.
            .field("heartbeat_at", .datetime, .required)
            .field("by_name", .string, .required)
            .field("bytes", .int, .required)
            .field("bytes_read", .int, .required)
            .field("rows", .int, .required)
            .field("created", .int, .required)
            .field("updated", .int, .required)
            .field("unchanged", .int, .required)
            .field("rejected", .int, .required)
            .field("message", .string)
            .create()
        try await db.createIndex("import_runs_started", on: "import_runs", "started_at")

        try await db.schema("import_problems")
            .id()
            .field("run_id", .uuid, .required, .references("import_runs", "id", onDelete: .cascade))
            .field("line", .int, .required)
            .field("reason", .string, .required)
            .create()
        try await db.createIndex("import_problems_run", on: "import_problems", "run_id", "line")

        try await db.schema("import_keys")
            .id()
            .field("source", .string, .required)
            // crime, person, link (a person in a crime in a role), event
            .field("kind", .string, .required)
            .field("source_id", .string, .required)
            .field("target_id", .uuid, .required)
            .field("fingerprint", .string, .required)
            .field("run_id", .uuid, .required)
            .field("line", .int, .required)
            .unique(on: "source", "kind", "source_id")
            .create()
    }

    func revert(on db: any Database) async throws {
        for table in ["import_keys", "import_problems", "import_runs"] { try await db.schema(table).delete() }
    }
}
