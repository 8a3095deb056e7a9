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
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID? = nil, crimeID: UUID, personID: UUID, role: PersonRole) {
        self.id = id
        self.$crime.id = crimeID
        self.$person.id = personID
        self.roleCode = role.rawValue
    }

    var role: PersonRole { PersonRole(rawValue: roleCode) ?? .witness }
}
