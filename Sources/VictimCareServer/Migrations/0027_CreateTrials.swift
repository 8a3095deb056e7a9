import Fluent

/// Randomised trials of a care practice: what is tried, on whom, in what ratio; and each new eligible victim's
/// allocation, made once when the victim is recorded.
struct CreateTrials: AsyncMigration {
    var name: String { "0027_CreateTrials" }

    func prepare(on db: any Database) async throws {
        try await db.schema("trials")
            .id()
            .field("name", .string, .required)
            .field("practice", .string, .required)
            // Eligibility: empty means any.
            .field("offence_group", .string)
            .field("command_unit_id", .uuid, .references("command_units", "id"))
            // The allocation ratio, practice : usual care.
            .field("practice_share", .int, .required)
            .field("usual_share", .int, .required)
            .field("status", .string, .required)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .field("closed_at", .datetime)
            .create()
        try await db.schema("trial_allocations")
            .id()
            .field("trial_id", .uuid, .required, .references("trials", "id", onDelete: .cascade))
            .field("victim_id", .uuid, .required, .references("victims", "id", onDelete: .cascade))
            // practice or usual
            .field("arm", .string, .required)
            .field("allocated_at", .datetime, .required)
            .unique(on: "trial_id", "victim_id")
            .create()
        try await db.createIndex("trial_allocations_victim", on: "trial_allocations", "victim_id")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("trial_allocations").delete()
        try await db.schema("trials").delete()
    }
}
