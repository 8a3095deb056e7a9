import Fluent
import Foundation

/// One step in a crime's status history.
final class CrimeStatusChange: Model, @unchecked Sendable {
    static let schema = "crime_status_changes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Field(key: "status") var statusCode: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "by_user_id") var byUserID: UUID?
    @Field(key: "by_name") var byName: String
    @OptionalField(key: "note") var note: String?

    init() {}

    init(crimeID: UUID, status: String, at: Date, byUserID: UUID?, byName: String, note: String?) {
        self.$crime.id = crimeID
        self.statusCode = status
        self.at = at
        self.byUserID = byUserID
        self.byName = byName
        self.note = note
    }
}
