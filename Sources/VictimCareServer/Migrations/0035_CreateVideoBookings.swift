import Fluent
import FluentSQL
import Foundation
import SQLKit

/// Issue 16, item 2: the video team's rota (shifts cut into slots), booked calls, one hold per slot that the
/// database keeps unique (two people booking the last slot at once: one wins, on SQLite and PostgreSQL alike),
/// and the messages sent about each call.
struct CreateVideoBookings: AsyncMigration {
    var name: String { "0035_CreateVideoBookings" }

    func prepare(on db: any Database) async throws {
        try await db.schema("video_shifts")
            .id()
            .field("command_unit_id", .uuid, .required, .references("command_units", "id"))
            .field("officer_id", .uuid, .required, .references("users", "id"))
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("slot_minutes", .int, .required)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .field("cancelled_at", .datetime)
            .create()
        try await db.createIndex("video_shifts_unit", on: "video_shifts", "command_unit_id", "starts_at")
        try await db.schema("video_calls")
            .id()
            .field("victim_id", .uuid, .required, .references("victims", "id"))
            .field("crime_id", .uuid, .required, .references("crimes", "id"))
            .field("command_unit_id", .uuid, .required, .references("command_units", "id"))
            .field("shift_id", .uuid, .references("video_shifts", "id"))
            .field("slot_start", .datetime)
            .field("slot_minutes", .int, .required)
            .field("opens_at", .datetime, .required)
            .field("closes_at", .datetime, .required)
            .field("officer_id", .uuid, .references("users", "id"))
            .field("officer_name", .string)
            .field("channel", .string, .required)
            .field("state", .string, .required)
            .field("version", .int, .required)
            .field("reminded_at", .datetime)
            .field("ended_at", .datetime)
            .field("ended_reason", .string)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.createIndex("video_calls_unit", on: "video_calls", "command_unit_id", "state", "opens_at")
        try await db.createIndex("video_calls_victim", on: "video_calls", "victim_id")
        // One booked call per victim, kept by the database (two bookings at once: one wins).
        if let sql = db as? any SQLDatabase {
            try await sql.raw(
                "CREATE UNIQUE INDEX video_calls_one_booked ON video_calls (victim_id) WHERE state = 'booked'"
            ).run()
        }
        try await db.schema("video_slot_holds")
            .id()
            .field("shift_id", .uuid, .required, .references("video_shifts", "id"))
            .field("slot_start", .datetime, .required)
            .field("call_id", .uuid, .required, .references("video_calls", "id"))
            .unique(on: "shift_id", "slot_start")
            .create()
        try await db.schema("video_call_messages")
            .id()
            .field("call_id", .uuid, .required, .references("video_calls", "id"))
            .field("message_id", .uuid, .required, .references("messages", "id"))
            .field("kind", .string, .required)
            .field("version", .int, .required)
            .create()
        try await db.createIndex("video_call_messages_message", on: "video_call_messages", "message_id")
    }

    func revert(on db: any Database) async throws {
        for table in ["video_call_messages", "video_slot_holds", "video_calls", "video_shifts"] {
            try await db.schema(table).delete()
        }
    }
}
