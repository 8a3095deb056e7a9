import Foundation
import VictimCareDomain

/// A crime as submitted by a form or the API, before it is checked. Unknown or malformed values become
/// field errors in ``CrimeService``, never exceptions.
struct CrimeDraft: Sendable {
    var reference: String?
    var offenceCode: String?
    var offenceDescription: String?
    var occurredFrom: String?
    var occurredTo: String?
    var reportedAt: String?
    var channel: String?
    var flags: [String] = []
    var commandUnit: String?
    var officerInCase: String?
    var summary: String?
    /// When the crime recording decision was made (R2); a crime recorded here was decided when created.
    var recordingDecisionAt: String?
    var timeStyle: Validator.TimeStyle = .withOffset
    /// Field names as the caller knows them (`offence_code` for the API, `offenceCode` for a form).
    var fieldNames: FieldNames = .api

    struct FieldNames: Sendable {
        var reference, offenceCode, occurredFrom, occurredTo, reportedAt, channel, flags, commandUnit, officerInCase,
            summary: String

        static let api = FieldNames(
            reference: "reference", offenceCode: "offence_code", occurredFrom: "occurred_at", occurredTo: "occurred_to",
            reportedAt: "reported_at", channel: "channel", flags: "flags", commandUnit: "command_unit",
            officerInCase: "officer_in_case", summary: "summary")
        static let form = FieldNames(
            reference: "reference", offenceCode: "offenceCode", occurredFrom: "occurredFrom", occurredTo: "occurredTo",
            reportedAt: "reportedAt", channel: "channel", flags: "flags", commandUnit: "commandUnit",
            officerInCase: "officerInCase", summary: "summary")
    }
}

/// A person as submitted, before checking.
struct PersonDraft: Sendable {
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
    var phone: String?
    var phoneSafe: String?
    var email: String?
    var emailSafe: String?
    /// Prefix for field names in errors, e.g. `victims[0].person.` for the API.
    var fieldPrefix: String = ""
    var snakeCase: Bool = true

    /// The caller's name for a field: `victims[0].person.given_name` (API) or `victimGivenName` (a form).
    func name(_ camel: String, _ snake: String) -> String {
        if snakeCase { return fieldPrefix + snake }
        return fieldPrefix.isEmpty ? camel : fieldPrefix + camel.prefix(1).uppercased() + camel.dropFirst()
    }
}

/// A victim as submitted with a crime: the person, and optionally the needs already assessed.
struct VictimDraft: Sendable {
    var person: PersonDraft
    var needs: NeedsAssessmentService.Draft?
}
