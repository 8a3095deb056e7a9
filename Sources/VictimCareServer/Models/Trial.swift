import Fluent
import Foundation

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
