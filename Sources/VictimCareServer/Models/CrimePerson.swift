import Fluent
import Foundation
import VictimCareDomain

/// A person's role in an event. A link with role `victim` is "a victim" to the Victims' Code engine:
/// its id is the victim id the API uses.
final class CrimePerson: Model, @unchecked Sendable {
    static let schema = "crime_persons"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Parent(key: "person_id") var person: Person
    @Field(key: "role") var roleCode: String
    /// Copies of the person's name keys and the crime's report time, kept in step by the services, so name
    /// search runs off one index.
    @OptionalField(key: "family_name_key") var familyNameKey: String?
    @OptionalField(key: "given_name_key") var givenNameKey: String?
    @OptionalField(key: "reported_at") var reportedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID? = nil, crime: Crime, person: Person, role: PersonRole) {
        self.id = id
        self.$crime.id = crime.id!
        self.$person.id = person.id!
        self.roleCode = role.rawValue
        self.familyNameKey = person.familyNameKey
        self.givenNameKey = person.givenNameKey
        self.reportedAt = crime.reportedAt
    }

    var role: PersonRole { PersonRole(rawValue: roleCode) ?? .witness }
}
