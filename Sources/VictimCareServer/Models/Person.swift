import Fluent
import Foundation
import VictimCareDomain

/// A person in the POLE model: one record however many events they appear in.
final class Person: Model, @unchecked Sendable {
    static let schema = "persons"

    @ID(key: .id) var id: UUID?
    @Field(key: "given_name") var givenName: String
    @Field(key: "family_name") var familyName: String
    @Field(key: "given_name_key") var givenNameKey: String
    @Field(key: "family_name_key") var familyNameKey: String
    @OptionalField(key: "date_of_birth") var dateOfBirth: String?
    @OptionalField(key: "preferred_contact") var preferredContact: String?
    @OptionalField(key: "preferred_times") var preferredTimes: String?
    @Field(key: "language") var language: String
    @Field(key: "interpreter_needed") var interpreterNeeded: Bool
    /// The person asked for no messages (emails, texts, letters) from VictimCare.
    @OptionalField(key: "messages_opt_out") var messagesOptOutValue: Bool?
    var messagesOptOut: Bool { messagesOptOutValue ?? false }
    @OptionalField(key: "communication_needs") var communicationNeeds: String?
    @OptionalField(key: "access_needs") var accessNeeds: String?
    @OptionalField(key: "sex") var sex: String?
    @OptionalField(key: "ethnicity") var ethnicity: String?
    @OptionalField(key: "disability") var disability: String?
    @OptionalField(key: "religion") var religion: String?
    @OptionalField(key: "sexual_orientation") var sexualOrientation: String?
    /// The unit that created the person, so a person with no event yet still has an owner.
    @OptionalField(key: "home_command_unit_id") var homeCommandUnitID: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    @Children(for: \.$person) var aliases: [PersonAlias]
    @Children(for: \.$person) var contactPoints: [ContactPoint]

    init() {}

    var fullName: String { "\(givenName) \(familyName)" }

    func setNames(given: String, family: String) {
        givenName = given
        familyName = family
        givenNameKey = Normalise.nameKey(given)
        familyNameKey = Normalise.nameKey(family)
    }

    var characteristics: Characteristics {
        get {
            Characteristics(
                sex: .code(sex), ethnicity: .code(ethnicity), disability: .code(disability),
                religion: .code(religion), sexualOrientation: .code(sexualOrientation))
        }
        set {
            sex = newValue.sex?.rawValue
            ethnicity = newValue.ethnicity?.rawValue
            disability = newValue.disability?.rawValue
            religion = newValue.religion?.rawValue
            sexualOrientation = newValue.sexualOrientation?.rawValue
        }
    }
}
