import Fluent
import Foundation
import VictimCareDomain

/// Another name a person is known by. Searched like the main name.
final class PersonAlias: Model, @unchecked Sendable {
    static let schema = "person_aliases"

    @ID(key: .id) var id: UUID?
    @Parent(key: "person_id") var person: Person
    @Field(key: "given_name") var givenName: String
    @Field(key: "family_name") var familyName: String
    @Field(key: "family_name_key") var familyNameKey: String
    @OptionalField(key: "given_name_key") var givenNameKey: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(personID: UUID, givenName: String, familyName: String) {
        self.$person.id = personID
        self.givenName = givenName
        self.familyName = familyName
        self.familyNameKey = Normalise.nameKey(familyName)
        self.givenNameKey = Normalise.nameKey(givenName)
    }
}
