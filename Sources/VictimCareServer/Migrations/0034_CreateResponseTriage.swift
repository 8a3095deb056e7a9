import Fluent
import Foundation

/// Issue 16, item 1: how a report is answered. Each triage of a crime (threat, risk, harm, and whether someone
/// must attend now, why, by whom and when) and each victim's answer to the offer of a video call (what they
/// said about age, device, connection and the offender; what the rules decided; what they chose and why).
/// Both keep their history: the latest row is the current one.
struct CreateResponseTriage: AsyncMigration {
    var name: String { "0034_CreateResponseTriage" }

    func prepare(on db: any Database) async throws {
        try await db.schema("response_triages")
            .id()
            .field("crime_id", .uuid, .required, .references("crimes", "id"))
            .field("threat", .string, .required)
            .field("risk", .string, .required)
            .field("harm", .string, .required)
            .field("attendance_needed", .bool, .required)
            .field("reason", .string, .required)
            .field("offers_video", .bool, .required)
            .field("decided_by_id", .uuid, .references("users", "id"))
            .field("decided_by_name", .string, .required)
            .field("decided_at", .datetime, .required)
            .create()
        try await db.createIndex("response_triages_crime", on: "response_triages", "crime_id", "decided_at")
        try await db.schema("response_choices")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id"))
            .field("triage_id", .uuid, .references("response_triages", "id"))
            .field("stated_adult", .bool)
            .field("guardian_present", .bool, .required)
            .field("has_video_device", .bool)
            .field("has_connection", .bool)
            .field("offender_present", .bool)
            .field("access_needs", .string)
            .field("officer_sex", .string)
            .field("eligible", .bool, .required)
            .field("bars", .string, .required)
            .field("adjustments", .string, .required)
            .field("choice", .string, .required)
            .field("decline_reason", .string)
            .field("recorded_by_name", .string, .required)
            .field("by_victim", .bool, .required)
            .field("recorded_at", .datetime, .required)
            .create()
        try await db.createIndex("response_choices_victim", on: "response_choices", "victim_id", "recorded_at")
    }

    func revert(on db: any Database) async throws {
        try await db.schema("response_choices").delete()
        try await db.schema("response_triages").delete()
    }
}
