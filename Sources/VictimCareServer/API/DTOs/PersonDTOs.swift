import Foundation
import Vapor
import VictimCareDomain

/// A person in a request. Contact details are optional; `phone_safe`/`email_safe` say whether a suspect
/// could see messages sent there (left out: not safe for domestic abuse crimes, safe otherwise).
struct PersonRequest: Content {
    var given_name: String?
    var family_name: String?
    var date_of_birth: String?
    var phone: String?
    var phone_safe: Bool?
    var email: String?
    var email_safe: Bool?
    var preferred_contact: String?
    var preferred_times: String?
    var language: String?
    var interpreter_needed: Bool?
    var communication_needs: String?
    var access_needs: String?
    var sex: String?
    var ethnicity: String?
    var disability: String?
    var religion: String?
    var sexual_orientation: String?

    func draft(prefix: String = "") -> PersonDraft {
        PersonDraft(
            givenName: given_name, familyName: family_name, dateOfBirth: date_of_birth,
            preferredContact: preferred_contact,
            preferredTimes: preferred_times, language: language,
            interpreterNeeded: interpreter_needed.map { $0 ? "yes" : "no" },
            communicationNeeds: communication_needs, accessNeeds: access_needs, sex: sex, ethnicity: ethnicity,
            disability: disability,
            religion: religion, sexualOrientation: sexual_orientation, phone: phone,
            phoneSafe: phone_safe.map { $0 ? "yes" : "no" },
            email: email, emailSafe: email_safe.map { $0 ? "yes" : "no" }, fieldPrefix: prefix, snakeCase: true)
    }

    /// This request laid over an existing person for PATCH.
    func merged(over p: Person, canSeeCharacteristics: Bool) -> PersonDraft {
        var d = draft()
        d.givenName = given_name ?? p.givenName
        d.familyName = family_name ?? p.familyName
        d.dateOfBirth = date_of_birth ?? p.dateOfBirth
        d.preferredContact = preferred_contact ?? p.preferredContact
        d.preferredTimes = preferred_times ?? p.preferredTimes
        d.language = language ?? p.language
        d.interpreterNeeded = (interpreter_needed ?? p.interpreterNeeded) ? "yes" : "no"
        d.communicationNeeds = communication_needs ?? p.communicationNeeds
        d.accessNeeds = access_needs ?? p.accessNeeds
        if canSeeCharacteristics {
            d.sex = sex ?? p.sex
            d.ethnicity = ethnicity ?? p.ethnicity
            d.disability = disability ?? p.disability
            d.religion = religion ?? p.religion
            d.sexualOrientation = sexual_orientation ?? p.sexualOrientation
        }
        return d
    }
}

struct ContactPointRequest: Content {
    var kind: String?
    var value: String?
    var safe: Bool?
    var note: String?
}

struct ContactPointDTO: Content {
    var id: UUID
    var kind: String
    var value: String
    var safe: Bool
    var note: String?

    init(_ p: ContactPoint) {
        id = p.id!
        kind = p.kindCode
        value = p.value
        safe = p.safe
        note = p.note
    }
}

struct CharacteristicsDTO: Content {
    var sex: String?
    var ethnicity: String?
    var disability: String?
    var religion: String?
    var sexual_orientation: String?
}

struct PersonEventDTO: Content {
    var link_id: UUID
    var crime_id: UUID
    var reference: String
    var offence: String
    var role: String
    var reported_at: String
    var command_unit: String
}

struct AliasDTO: Content {
    var given_name: String
    var family_name: String
}

struct PersonDTO: Content {
    var id: UUID
    var given_name: String
    var family_name: String
    var aliases: [AliasDTO]
    var date_of_birth: String?
    var preferred_contact: String?
    var preferred_times: String?
    var language: String
    var interpreter_needed: Bool
    var communication_needs: String?
    var access_needs: String?
    var contact_points: [ContactPointDTO]
    /// Present only for roles allowed to read self-declared characteristics.
    var characteristics: CharacteristicsDTO?
    var events: [PersonEventDTO]

    init(_ d: PersonService.Detail) {
        let p = d.person
        id = p.id!
        given_name = p.givenName
        family_name = p.familyName
        aliases = d.aliases.map { AliasDTO(given_name: $0.givenName, family_name: $0.familyName) }
        date_of_birth = p.dateOfBirth
        preferred_contact = p.preferredContact
        preferred_times = p.preferredTimes
        language = p.language
        interpreter_needed = p.interpreterNeeded
        communication_needs = p.communicationNeeds
        access_needs = p.accessNeeds
        contact_points = d.contactPoints.map(ContactPointDTO.init)
        characteristics = d.characteristics.map {
            CharacteristicsDTO(
                sex: $0.sex?.rawValue, ethnicity: $0.ethnicity?.rawValue, disability: $0.disability?.rawValue,
                religion: $0.religion?.rawValue, sexual_orientation: $0.sexualOrientation?.rawValue)
        }
        events = d.events.map {
            PersonEventDTO(
                link_id: $0.link_id, crime_id: $0.crime_id, reference: $0.reference, offence: $0.offence_description,
                role: $0.role,
                reported_at: Instant.format($0.reported_at), command_unit: $0.unit_code)
        }
    }
}

struct PersonMatchDTO: Content {
    var id: UUID
    var given_name: String
    var family_name: String
    /// Only for people within the caller's reach; `year_of_birth` otherwise.
    var date_of_birth: String?
    var year_of_birth: Int?
    var command_units: [String]
    /// Outside the caller's command unit: read the person with `X-Access-Reason`.
    var match_only: Bool

    init(_ m: PersonService.Match) {
        id = m.id
        given_name = m.givenName
        family_name = m.familyName
        date_of_birth = m.dateOfBirth
        year_of_birth = m.yearOfBirth
        command_units = m.unitCodes
        match_only = !m.withinReach
    }
}

struct PersonPageDTO: Content {
    var items: [PersonMatchDTO]
}

struct CommandUnitDTO: Content {
    var id: UUID
    var code: String
    var name: String
    var kind: String
}

struct OffenceDTO: Content {
    var code: String
    var description: String
    var group: String
    var flags: [String]
    var most_serious: Bool
}
