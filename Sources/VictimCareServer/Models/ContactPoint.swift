import Fluent
import Foundation
import VictimCareDomain

/// A phone, email or address of a person, each marked safe or not safe to use (a suspect may see it).
final class ContactPoint: Model, @unchecked Sendable {
    static let schema = "contact_points"

    @ID(key: .id) var id: UUID?
    @Parent(key: "person_id") var person: Person
    @Field(key: "kind") var kindCode: String
    @Field(key: "value") var value: String
    @Field(key: "safe") var safe: Bool
    @OptionalField(key: "note") var note: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(personID: UUID, kind: ContactPointKind, value: String, safe: Bool, note: String?) {
        self.$person.id = personID
        self.kindCode = kind.rawValue
        self.value = value
        self.safe = safe
        self.note = note
    }

    var kind: ContactPointKind { ContactPointKind(rawValue: kindCode) ?? .phone }
}
