import Fluent
import Foundation

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
