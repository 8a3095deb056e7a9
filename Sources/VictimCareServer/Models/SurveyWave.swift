import Fluent
import Foundation

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
