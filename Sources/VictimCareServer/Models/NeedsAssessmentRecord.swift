import Fluent
import Foundation
import VictimCareDomain

/// One completed Victim Needs Assessment. Every one is kept; the newest is in force.
final class NeedsAssessmentRecord: Model, @unchecked Sendable {
    static let schema = "needs_assessments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "question_set") var questionSet: String
    /// The answers as JSON, in the question set's own shape.
    @Field(key: "answers") var answersJSON: String
    @Field(key: "enhanced") var enhanced: Bool
    @Field(key: "grounds") var grounds: String
    @Field(key: "completed_at") var completedAt: Date
    @OptionalField(key: "completed_by_id") var completedByID: UUID?
    @Field(key: "completed_by_name") var completedByName: String

    init() {}

    var answers: NeedsAssessment? {
        try? JSONDecoder().decode(NeedsAssessment.self, from: Data(answersJSON.utf8))
    }
}
