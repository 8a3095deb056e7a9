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
