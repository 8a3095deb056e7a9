import Fluent
import Foundation

/// Issue 16, items 4 and 5: what the victim sends during a call is kept under an interview of the call (its
/// photos and videos in the evidence store, with their hashes), and whether the call is being recorded (so a
/// victim who reconnects is told again); and a victim who had a video call is asked
/// whether they would recommend it (Dorset's measure), empty for every other interaction.
struct AddVideoFollowUp: AsyncMigration {
    var name: String { "0037_AddVideoFollowUp" }

    func prepare(on db: any Database) async throws {
        try await db.schema("feedback_responses").field("would_recommend", .bool).update()
        // No foreign key, as with the call's contact: SQLite cannot drop a column that has one.
        try await db.schema("video_calls").field("interview_id", .uuid).update()
        try await db.schema("video_calls").field("recording_since", .datetime).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("video_calls").deleteField("recording_since").update()
        try await db.schema("video_calls").deleteField("interview_id").update()
        try await db.schema("feedback_responses").deleteField("would_recommend").update()
    }
}
