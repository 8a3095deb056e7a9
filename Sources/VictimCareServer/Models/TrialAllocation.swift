import Fluent
import Foundation

/// Which arm of a trial one victim was given.
final class TrialAllocation: Model, @unchecked Sendable {
    static let schema = "trial_allocations"

    @ID(key: .id) var id: UUID?
    @Parent(key: "trial_id") var trial: Trial
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "arm") var arm: String
    @Field(key: "allocated_at") var allocatedAt: Date

    init() {}
}
