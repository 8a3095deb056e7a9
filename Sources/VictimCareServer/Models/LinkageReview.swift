import Fluent
import Foundation

/// A pair of person records in the linkage grey band (issue 18): too alike to ignore, not alike enough to link
/// on their own. `person_a` sorts before `person_b`. Status: open, same, different, unsure.
final class LinkageReview: Model, @unchecked Sendable {
    static let schema = "linkage_reviews"

    @ID(key: .id) var id: UUID?
    @Field(key: "person_a") var personA: UUID
    @Field(key: "person_b") var personB: UUID
    @Field(key: "weight") var weight: Double
    @Field(key: "probability") var probability: Double
    /// The weights field by field, JSON (`[LinkageIndex.Evidence]`).
    @Field(key: "evidence") var evidence: String
    @Field(key: "status") var status: String
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @OptionalField(key: "decided_by_name") var decidedByName: String?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// A person waiting to be matched (new, or their details changed): written with the change itself.
final class LinkageQueueEntry: Model, @unchecked Sendable {
    static let schema = "linkage_queue"

    @ID(custom: "person_id", generatedBy: .user) var id: UUID?
    @OptionalField(key: "queued_at") var queuedAt: Date?
    @Field(key: "version") var version: Int64

    init() {}

    init(personID: UUID, at date: Date = Date()) {
        id = personID
        queuedAt = date
        version = 0
    }
}
