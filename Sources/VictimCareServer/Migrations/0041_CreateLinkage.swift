import Fluent
import FluentSQL
import Foundation
import SQLKit

/// Issue 18: one person however they were recorded. The linkage index lives in every node's memory; the database
/// holds what makes the nodes agree. `linkage_log` is every change in the order it was made (a record with the
/// details it was matched on, an analyst's decision, an undo), so any node replays it to the same clusters and
/// ids; `linkage_clusters` is the outcome per person, for SQL to count repeat victims over; `linkage_events`
/// the merges and splits with their evidence; `linkage_reviews` the grey band, for analysts; `linkage_queue`
/// the people whose details changed since they were matched, written in the same transaction as the change (its
/// `version` goes up with each change, so a change made while the person is being matched is not lost).
struct CreateLinkage: AsyncMigration {
    var name: String { "0041_CreateLinkage" }

    func prepare(on db: any Database) async throws {
        try await db.schema("linkage_models")
            .field("id", .int64, .identifier(auto: false))
            .field("model", .string, .required)
            .field("source", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("linkage_log")
            .field("seq", .int64, .identifier(auto: false))
            .field("op", .string, .required)
            .field("person_id", .uuid)
            .field("other_id", .uuid)
            .field("same", .bool)
            .field("event_seq", .int64)
            .field("input", .string)
            .field("actor_id", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("linkage_clusters")
            .field("person_id", .uuid, .identifier(auto: false))
            .field("cluster_id", .int64, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.createIndex("linkage_clusters_cluster", on: "linkage_clusters", "cluster_id")
        try await db.schema("linkage_events")
            .field("seq", .int64, .identifier(auto: false))
            .field("kind", .string, .required)
            .field("person_a", .uuid)
            .field("person_b", .uuid)
            .field("weight", .double)
            .field("evidence", .string, .required)
            .field("moves", .string, .required)
            .field("log_seq", .int64, .required)
            .field("undone_by", .int64)
            .field("created_at", .datetime, .required)
            .create()
        try await db.schema("linkage_reviews")
            .id()
            .field("person_a", .uuid, .required)
            .field("person_b", .uuid, .required)
            .field("weight", .double, .required)
            .field("probability", .double, .required)
            .field("evidence", .string, .required)
            .field("status", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_by_name", .string)
            .field("decided_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "person_a", "person_b")
            .create()
        try await db.createIndex("linkage_reviews_status", on: "linkage_reviews", "status", "probability")
        try await db.createIndex("linkage_reviews_b", on: "linkage_reviews", "person_b")
        try await db.createIndex("linkage_reviews_decided", on: "linkage_reviews", "status", "decided_at")
        try await db.schema("linkage_queue")
            .field("person_id", .uuid, .identifier(auto: false))
            .field("queued_at", .datetime)
            .field("version", .int64, .required, .sql(.default(0)))
            .create()
        // The people already held are matched by the nodes' workers once they start.
        try await LinkageService.enqueueUnmatched(on: db)
    }

    func revert(on db: any Database) async throws {
        for table in ["linkage_queue", "linkage_reviews", "linkage_events", "linkage_clusters", "linkage_log"] {
            try await db.schema(table).delete()
        }
        try await db.schema("linkage_models").delete()
    }
}
