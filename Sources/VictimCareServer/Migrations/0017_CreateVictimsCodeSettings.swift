import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Configuration administrators change with an effective date: the policy (rules table and figures),
/// calendar overrides and the call-back policy; and the bulk recompute jobs those changes start.
struct CreateVictimsCodeSettings: AsyncMigration {
    var name: String { "0017_CreateVictimsCodeSettings" }

    func prepare(on db: any Database) async throws {
        try await db.schema("policy_versions")
            .id()
            .field("effective_from", .string, .required)
            .field("policy", .string, .required)
            .field("note", .string, .required)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("calendar_overrides")
            .id()
            .field("date", .string, .required)
            .field("holiday", .bool, .required)
            .field("name", .string, .required)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "date")
            .create()
        try await db.schema("callback_policies")
            .id()
            .field("offence_code", .string, .required)
            .field("call_back", .bool, .required)
            .field("note", .string, .required)
            .field("effective_from", .string, .required)
            .field("created_by_name", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("recompute_jobs")
            .id()
            .field("reason", .string, .required)
            .field("state", .string, .required)
            .field("total", .int, .required)
            .field("done", .int, .required)
            .field("changed", .int, .required)
            .field("requested_by_name", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("started_at", .datetime)
            .field("finished_at", .datetime)
            .field("heartbeat_at", .datetime)
            .field("claimed_by", .string)
            .field("error", .string)
            .create()
        try await db.schema("settings")
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()

        guard let sql = db as? any SQLDatabase else { return }
        // The instance id tells caches on every node which database they hold configuration for.
        try await sql.insert(into: "settings").columns("key", "value")
            .values(SQLBind("config_version"), SQLBind("1"))
            .values(SQLBind("instance_id"), SQLBind(UUID.random().uuidString))
            .run()
        // The seed's call-back policy (Oversight Board paper, section 9): not routinely called back where
        // the report already holds enough; theft from a motor vehicle mandatory from 5 September 2022.
        let notRoutine: [(String, String)] = [
            ("045/00", "theft from a motor vehicle with enough information on the report"),
            ("058/03", "criminal damage to a motor vehicle with no aggravating factors"),
            ("046/01", "low-value shoplifting"),
            ("049/05", "theft of a mobile phone (IMEI needed; snatch thefts go under robbery)"),
            ("044/00", "theft of a pedal cycle (frame number requested)"),
            ("049/07", "theft of petrol"),
            ("049/06", "theft of parcels"),
            ("058/04", "criminal damage with no aggravating factors"),
            ("129/00", "fly-tipping"),
        ]
        var insert = sql.insert(into: "callback_policies")
            .columns("id", "offence_code", "call_back", "note", "effective_from", "created_by_name", "created_at")
        for (code, note) in notRoutine {
            insert = insert.values(
                SQLBind(UUID.random()), SQLBind(code), SQLBind(false), SQLBind(note), SQLBind("2021-04-01"),
                SQLBind("seed policy"), SQLBind(Date()))
        }
        insert = insert.values(
            SQLBind(UUID.random()), SQLBind("045/00"), SQLBind(true),
            SQLBind("mandatory call-back for theft from a motor vehicle"),
            SQLBind("2022-09-05"), SQLBind("seed policy"), SQLBind(Date()))
        try await insert.run()
    }

    func revert(on db: any Database) async throws {
        for table in ["settings", "recompute_jobs", "callback_policies", "calendar_overrides", "policy_versions"] {
            try await db.schema(table).delete()
        }
    }
}
