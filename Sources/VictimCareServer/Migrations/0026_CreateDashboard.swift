import Fluent

/// The dashboard's own records: each unit's targets, the staffing a lead records for a team by month, and the
/// weekly waves of the satisfaction survey (its invitations are feedback invitations with source `survey`).
struct CreateDashboard: AsyncMigration {
    var name: String { "0026_CreateDashboard" }

    func prepare(on db: any Database) async throws {
        try await db.schema("metric_targets")
            .id()
            .field("command_unit_id", .uuid, .required, .references("command_units", "id"))
            .field("metric", .string, .required)
            // A share between 0 and 1.
            .field("target", .double, .required)
            .field("set_by_name", .string, .required)
            .field("set_at", .datetime, .required)
            .unique(on: "command_unit_id", "metric")
            .create()
        try await db.schema("team_staffing")
            .id()
            .field("team_id", .uuid, .required, .references("teams", "id"))
            // YYYY-MM
            .field("month", .string, .required)
            // Full-time-equivalent officers.
            .field("officers", .double, .required)
            .field("note", .string)
            .field("set_by_name", .string, .required)
            .field("set_at", .datetime, .required)
            .unique(on: "team_id", "month")
            .create()
        try await db.schema("survey_waves")
            .id()
            // The Monday of the week the wave samples for; one wave a week, whichever node gets there first.
            .field("week_of", .string, .required)
            .field("per_stratum", .int, .required)
            .field("eligible", .int, .required)
            .field("invited", .int, .required)
            .field("created_at", .datetime, .required)
            .field("created_by_name", .string, .required)
            .unique(on: "week_of")
            .create()
        // The dashboard reads its figures from the latest snapshot: one aggregate pass over the base tables,
        // made every few minutes by whichever node claims the slot (the unique `slot` lets only one in).
        try await db.schema("compliance_snapshots")
            .id()
            .field("slot", .int64, .required)
            .field("first_month", .string, .required)
            .field("last_month", .string, .required)
            .field("as_of", .datetime, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            .field("seconds", .double)
            .field("started_by", .string, .required)
            .unique(on: "slot")
            .create()
        try await db.schema("compliance_figures")
            .field("snapshot_id", .uuid, .required, .references("compliance_snapshots", "id", onDelete: .cascade))
            .field("metric", .string, .required)
            .field("command_unit_id", .uuid, .required)
            // YYYY-MM, or empty for a figure that is not monthly.
            .field("month", .string, .required)
            .field("numerator", .int, .required)
            .field("denominator", .int, .required)
            .create()
        try await db.createIndex("compliance_figures_snapshot", on: "compliance_figures", "snapshot_id")
        try await db.createIndex("feedback_invitations_source", on: "feedback_invitations", "source", "created_at")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("compliance_figures").delete()
        try await db.schema("compliance_snapshots").delete()
        try await db.schema("survey_waves").delete()
        try await db.schema("team_staffing").delete()
        try await db.schema("metric_targets").delete()
    }
}
