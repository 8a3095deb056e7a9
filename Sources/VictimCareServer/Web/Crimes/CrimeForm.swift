import Vapor
import VictimCareDomain

/// The crime form as posted. Times are London wall-clock times from `datetime-local` inputs.
struct CrimeForm: Content {
    var reference: String?
    var offenceCode: String?
    var occurredFrom: String?
    var occurredTo: String?
    var reportedAt: String?
    var channel: String?
    var flags: [String]?
    var commandUnit: String?
    var officerInCase: String?
    var summary: String?
    var victimGivenName: String?
    var victimFamilyName: String?
    var victimDateOfBirth: String?
    var victimPhone: String?
    var victimPhoneSafe: String?
    var victimEmail: String?
    var victimEmailSafe: String?
    var victimPreferredContact: String?
    var victimLanguage: String?

    var draft: CrimeDraft {
        CrimeDraft(
            reference: reference, offenceCode: offenceCode, offenceDescription: nil, occurredFrom: occurredFrom,
            occurredTo: occurredTo, reportedAt: reportedAt, channel: channel, flags: flags ?? [],
            commandUnit: commandUnit,
            officerInCase: officerInCase, summary: summary, timeStyle: .londonLocal, fieldNames: .form)
    }

    /// The victim typed into the new-crime form, if any of it was filled in.
    var victim: PersonDraft? {
        let parts = [victimGivenName, victimFamilyName, victimDateOfBirth, victimPhone, victimEmail]
        guard parts.contains(where: { !($0 ?? "").trimmingWhitespace().isEmpty }) else { return nil }
        return PersonDraft(
            givenName: victimGivenName, familyName: victimFamilyName, dateOfBirth: victimDateOfBirth,
            preferredContact: victimPreferredContact, language: victimLanguage, phone: victimPhone,
            phoneSafe: victimPhoneSafe,
            email: victimEmail, emailSafe: victimEmailSafe, fieldPrefix: "victim", snakeCase: false)
    }

    var values: [String: String] {
        [
            "reference": reference ?? "", "offenceCode": offenceCode ?? "", "occurredFrom": occurredFrom ?? "",
            "occurredTo": occurredTo ?? "", "reportedAt": reportedAt ?? "", "channel": channel ?? "",
            "commandUnit": commandUnit ?? "", "officerInCase": officerInCase ?? "", "summary": summary ?? "",
            "victimGivenName": victimGivenName ?? "", "victimFamilyName": victimFamilyName ?? "",
            "victimDateOfBirth": victimDateOfBirth ?? "", "victimPhone": victimPhone ?? "",
            "victimPhoneSafe": victimPhoneSafe ?? "", "victimEmail": victimEmail ?? "",
            "victimEmailSafe": victimEmailSafe ?? "",
            "victimPreferredContact": victimPreferredContact ?? "", "victimLanguage": victimLanguage ?? "",
        ]
    }
}
