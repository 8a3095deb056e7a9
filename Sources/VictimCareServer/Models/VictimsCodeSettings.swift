import Fluent
import Foundation

/// A version of the Victims' Code policy, in force from a date.
final class PolicyVersion: Model, @unchecked Sendable {
    static let schema = "policy_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "effective_from") var effectiveFrom: String
    @Field(key: "policy") var policyJSON: String
    @Field(key: "note") var note: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A day added to or removed from the bank holidays.
final class CalendarOverrideRecord: Model, @unchecked Sendable {
    static let schema = "calendar_overrides"

    @ID(key: .id) var id: UUID?
    @Field(key: "date") var date: String
    @Field(key: "holiday") var holiday: Bool
    @Field(key: "name") var name: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// One entry of the call-back policy.
final class CallBackPolicyRecord: Model, @unchecked Sendable {
    static let schema = "callback_policies"

    @ID(key: .id) var id: UUID?
    @Field(key: "offence_code") var offenceCode: String
    @Field(key: "call_back") var callBack: Bool
    @Field(key: "note") var note: String
    @Field(key: "effective_from") var effectiveFrom: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A bulk recomputation of every victim's obligations, run in the background on one node.
final class RecomputeJob: Model, @unchecked Sendable {
    static let schema = "recompute_jobs"

    @ID(key: .id) var id: UUID?
    @Field(key: "reason") var reason: String
    /// `queued`, `running`, `done` or `failed`.
    @Field(key: "state") var state: String
    @Field(key: "total") var total: Int
    @Field(key: "done") var done: Int
    @Field(key: "changed") var changed: Int
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
