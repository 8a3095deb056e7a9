import Vapor
import VictimCareDomain

/// The person form as posted.
struct PersonForm: Content {
    var givenName: String?
    var familyName: String?
    var dateOfBirth: String?
    var preferredContact: String?
    var preferredTimes: String?
    var language: String?
    var interpreterNeeded: String?
    var communicationNeeds: String?
    var accessNeeds: String?
    var sex: String?
    var ethnicity: String?
    var disability: String?
    var religion: String?
    var sexualOrientation: String?

    var draft: PersonDraft {
        PersonDraft(
            givenName: givenName, familyName: familyName, dateOfBirth: dateOfBirth, preferredContact: preferredContact,
            preferredTimes: preferredTimes, language: language, interpreterNeeded: interpreterNeeded,
            communicationNeeds: communicationNeeds, accessNeeds: accessNeeds, sex: sex, ethnicity: ethnicity,
            disability: disability, religion: religion, sexualOrientation: sexualOrientation, snakeCase: false)
    }

    var values: [String: String] {
        [
            "givenName": givenName, "familyName": familyName, "dateOfBirth": dateOfBirth,
            "preferredContact": preferredContact,
            "preferredTimes": preferredTimes, "language": language, "interpreterNeeded": interpreterNeeded,
            "communicationNeeds": communicationNeeds, "accessNeeds": accessNeeds, "sex": sex, "ethnicity": ethnicity,
            "disability": disability, "religion": religion, "sexualOrientation": sexualOrientation,
        ].mapValues { $0 ?? "" }
    }

    static func values(of p: Person) -> [String: String] {
        [
            "givenName": p.givenName, "familyName": p.familyName, "dateOfBirth": p.dateOfBirth ?? "",
            "preferredContact": p.preferredContact ?? "", "preferredTimes": p.preferredTimes ?? "",
            "language": p.language,
            "interpreterNeeded": p.interpreterNeeded ? "yes" : "no", "communicationNeeds": p.communicationNeeds ?? "",
            "accessNeeds": p.accessNeeds ?? "", "sex": p.sex ?? "", "ethnicity": p.ethnicity ?? "",
            "disability": p.disability ?? "", "religion": p.religion ?? "",
            "sexualOrientation": p.sexualOrientation ?? "",
        ]
    }
}
