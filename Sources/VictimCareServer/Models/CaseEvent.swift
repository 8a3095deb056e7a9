import Fluent
import Foundation
import VictimCareDomain

/// Something that happened in a case (an arrest, a charge, a decision) that changes what victims are owed.
final class CaseEvent: Model, @unchecked Sendable {
    static let schema = "case_events"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Field(key: "type") var typeCode: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "note") var note: String?
    @OptionalField(key: "recorded_by_id") var recordedByID: UUID?
    @Field(key: "recorded_by_name") var recordedByName: String
    /// `web`, `api`, `import` or `demo`.
    @Field(key: "source") var source: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    var type: CaseEventType? { CaseEventType(rawValue: typeCode) }
}
