import Fluent
import Foundation

/// A command unit's target for one dashboard metric, set by its lead.
final class MetricTarget: Model, @unchecked Sendable {
    static let schema = "metric_targets"

    @ID(key: .id) var id: UUID?
    @Field(key: "command_unit_id") var commandUnitID: UUID
    @Field(key: "metric") var metric: String
    @Field(key: "target") var target: Double
    @Field(key: "set_by_name") var setByName: String
    @Field(key: "set_at") var setAt: Date

    init() {}
}

/// The officers (full-time equivalent) a lead records for a team in a month.
final class TeamStaffing: Model, @unchecked Sendable {
    static let schema = "team_staffing"

    @ID(key: .id) var id: UUID?
    @Parent(key: "team_id") var team: Team
    @Field(key: "month") var month: String
    @Field(key: "officers") var officers: Double
    @OptionalField(key: "note") var note: String?
    @Field(key: "set_by_name") var setByName: String
    @Field(key: "set_at") var setAt: Date

    init() {}
}

/// One week's sample for the satisfaction survey.
final class SurveyWave: Model, @unchecked Sendable {
    static let schema = "survey_waves"

    @ID(key: .id) var id: UUID?
    @Field(key: "week_of") var weekOf: String
    @Field(key: "per_stratum") var perStratum: Int
    @Field(key: "eligible") var eligible: Int
    @Field(key: "invited") var invited: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "created_by_name") var createdByName: String

    init() {}
}

/// A randomised trial of a care practice.
final class Trial: Model, @unchecked Sendable {
    static let schema = "trials"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "practice") var practice: String
    @OptionalField(key: "offence_group") var offenceGroup: String?
    @OptionalField(key: "command_unit_id") var commandUnitID: UUID?
    @Field(key: "practice_share") var practiceShare: Int
    @Field(key: "usual_share") var usualShare: Int
    @Field(key: "status") var status: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?

    init() {}
}

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
