import Fluent
import Foundation

/// A bulk recomputation of every victim's obligations, run in the background on one node.
final class RecomputeJob: Model, @unchecked Sendable {
    static let schema = "recompute_jobs"

    @ID(key: .id) var id: UUID?
    @Field(key: "reason") var reason: String
    /// `queued`, `running`, `done` or `failed`.
    @Field(key: "state") var state: String
    @Field(key: "total") var total: Int
    @Field(key: "done") var done: Int
    /// Obligation rows replaced or added.
    @Field(key: "changed") var changed: Int
    /// Victims whose obligations changed.
    @Field(key: "victims_changed") var victimsChanged: Int
    @Field(key: "requested_by_name") var requestedByName: String
    @Field(key: "requested_at") var requestedAt: Date
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @OptionalField(key: "heartbeat_at") var heartbeatAt: Date?
    /// A token the claiming node wrote, so it knows the claim is its own.
    @OptionalField(key: "claimed_by") var claimedBy: String?
    @OptionalField(key: "error") var error: String?

    init() {}
}
