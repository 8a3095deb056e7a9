import Fluent
import Foundation

/// A moment in an interview's recording with a note ("disclosure of the second incident").
final class InterviewBookmark: Model, @unchecked Sendable {
    static let schema = "interview_bookmarks"

    @ID(key: .id) var id: UUID?
    @Parent(key: "interview_id") var interview: Interview
    @Field(key: "at_seconds") var atSeconds: Double
    @Field(key: "note") var note: String
    @Field(key: "by_name") var byName: String
    @OptionalField(key: "by_id") var byID: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
