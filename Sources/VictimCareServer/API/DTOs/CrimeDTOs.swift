import Fluent
import Foundation
import Vapor
import VictimCareDomain

// DTO property names are the wire names (snake_case), so a field error names exactly what the client sent.

/// `POST /api/v1/crimes` and `PATCH /api/v1/crimes/{id}`.
struct CrimeRequest: Content {
    var reference: String?
    var offence_code: String?
    var offence: String?
    var flags: [String]?
    var command_unit: String?
    var occurred_at: String?
    var occurred_to: String?
    var reported_at: String?
    var channel: String?
    var officer_in_case: String?
    var summary: String?
    var recording_decision_at: String?
    var victims: [VictimRequest]?

    var draft: CrimeDraft {
        CrimeDraft(
            reference: reference, offenceCode: offence_code, offenceDescription: offence, occurredFrom: occurred_at,
            occurredTo: occurred_to, reportedAt: reported_at, channel: channel, flags: flags ?? [],
            commandUnit: command_unit,
            officerInCase: officer_in_case, summary: summary, recordingDecisionAt: recording_decision_at)
    }

    /// This request laid over an existing crime: what is sent changes, what is left out stays.
    func merged(over c: Crime, unitCode: String, officer: String?) -> CrimeDraft {
        CrimeDraft(
            reference: reference ?? c.reference, offenceCode: offence_code ?? c.offenceCode,
            offenceDescription: offence ?? (offence_code == nil ? c.offenceDescription : nil),
            occurredFrom: occurred_at ?? Instant.format(c.occurredFrom),
            occurredTo: occurred_to ?? c.occurredTo.map(Instant.format),
            reportedAt: reported_at ?? Instant.format(c.reportedAt), channel: channel ?? c.channelCode,
            flags: flags ?? c.flags.map(\.rawValue), commandUnit: command_unit ?? unitCode,
            officerInCase: officer_in_case ?? officer,
            summary: summary ?? c.summary, recordingDecisionAt: recording_decision_at)
    }
}

struct VictimRequest: Content {
    var person: PersonRequest?
    var needs: NeedsRequest?
}

/// What the records system already knows of a victim's needs: the enhanced-rights grounds it assessed and
/// whether they want a referral. Recorded as a needs assessment at the time of the report.
struct NeedsRequest: Content {
    var vulnerable: Bool?
    var intimidated: Bool?
    var persistently_targeted: Bool?
    var bereaved: Bool?
    var referral_consent: ReferralConsent?

    /// An empty object says nothing was assessed.
    var isEmpty: Bool {
        vulnerable == nil && intimidated == nil && persistently_targeted == nil && bereaved == nil
            && referral_consent == nil
    }

    func draft(language: String?) -> NeedsAssessmentService.Draft {
        func yesNo(_ value: Bool?) -> String? { value.map { $0 ? "yes" : "no" } }
        return NeedsAssessmentService.Draft(
            language: language, referralConsent: referral_consent?.rawValue, bereaved: yesNo(bereaved),
            persistentlyTargeted: yesNo(persistently_targeted),
            vulnerability: vulnerable == true ? [VulnerabilityFactor.section16.rawValue] : [],
            intimidated: yesNo(intimidated))
    }
}

struct CrimeSummaryDTO: Content {
    var id: UUID
    var reference: String
    var offence: String
    var reported_at: String
    var status: String
    var command_unit: String
    /// Only for crimes the caller may open without giving a reason.
    var victims: [String]?
}

struct CrimePageDTO: Content {
    var items: [CrimeSummaryDTO]
    var page: Int
    var next_page: Int?
}

struct LinkDTO: Content {
    var id: UUID
    var person_id: UUID
    var role: String
    var given_name: String
    var family_name: String
    /// For a victim link: the victim's id (the same as the link's), for `/api/v1/victims/{id}/...`.
    var victim_id: UUID?
}

/// A victim of the crime, however and whenever they were linked (issue 14: a records system could not learn
/// the id of a victim linked after the crime was created).
struct CrimeVictimDTO: Content {
    var id: UUID
    var person_id: UUID
    var enhanced: Bool
    var basis: String
    var became_victim_at: String
}

struct PropertyDTO: Content {
    var id: UUID
    var description: String
    var role: String
    var imei: String?
    var frame_number: String?
    var serial_number: String?
    var custody_status: String
    var stolen_on: String?
    var seized_on: String?
    var held_on: String?
    var returned_on: String?
}

struct LocationDTO: Content {
    var id: UUID
    var address: String
    var postcode: String?
    var latitude: Double?
    var longitude: Double?
    var role: String
}

struct StatusChangeDTO: Content {
    var status: String
    var at: String
    var by: String
    var note: String?
}

struct CrimeDTO: Content {
    var id: UUID
    var reference: String
    var offence_code: String
    var offence: String
    var flags: [String]
    var command_unit: String
    var occurred_at: String
    var occurred_to: String?
    var reported_at: String
    var channel: String
    var status: String
    var officer_in_case: String?
    var summary: String?
    var recording_decision_at: String?
    var people: [LinkDTO]
    var victims: [CrimeVictimDTO]
    var property: [PropertyDTO]
    var locations: [LocationDTO]
    var status_history: [StatusChangeDTO]

    init(_ d: CrimeService.Detail) {
        let c = d.crime
        id = c.id!
        reference = c.reference
        offence_code = c.offenceCode
        offence = c.offenceDescription
        flags = c.flags.sorted().map(\.rawValue)
        command_unit = d.unit.code
        occurred_at = Instant.format(c.occurredFrom)
        occurred_to = c.occurredTo.map(Instant.format)
        reported_at = Instant.format(c.reportedAt)
        channel = c.channelCode
        status = c.statusCode
        officer_in_case = d.officer?.username
        summary = c.summary
        recording_decision_at = c.recordingDecisionAt.map(Instant.format)
        people = d.people.map {
            LinkDTO(
                id: $0.link.id!, person_id: $0.person.id!, role: $0.link.roleCode, given_name: $0.person.givenName,
                family_name: $0.person.familyName,
                victim_id: $0.link.roleCode == PersonRole.victim.rawValue ? $0.link.id : nil)
        }
        victims = d.victims.map {
            CrimeVictimDTO(
                id: $0.id!, person_id: $0.$person.id, enhanced: $0.enhanced, basis: $0.basisCode,
                became_victim_at: Instant.format($0.becameVictimAt ?? c.reportedAt))
        }
        property = d.property.map {
            PropertyDTO(
                id: $0.item.id!, description: $0.item.description, role: $0.link.roleCode, imei: $0.item.imei,
                frame_number: $0.item.frameNumber,
                serial_number: $0.item.serialNumber, custody_status: $0.item.custodyStatusCode,
                stolen_on: $0.item.stolenOn,
                seized_on: $0.item.seizedOn, held_on: $0.item.heldOn, returned_on: $0.item.returnedOn)
        }
        locations = d.locations.map {
            LocationDTO(
                id: $0.location.id!, address: $0.location.address, postcode: $0.location.postcode,
                latitude: $0.location.latitude,
                longitude: $0.location.longitude, role: $0.link.roleCode)
        }
        status_history = d.history.map {
            StatusChangeDTO(status: $0.statusCode, at: Instant.format($0.at), by: $0.byName, note: $0.note)
        }
    }
}

struct CreatedVictimDTO: Content {
    var id: UUID
    var person_id: UUID
    var enhanced: Bool
}

struct CrimeCreatedDTO: Content {
    var id: UUID
    var reference: String
    var victims: [CreatedVictimDTO]
}

struct LinkRequest: Content {
    var role: String?
    var person_id: UUID?
    var person: PersonRequest?
    /// For a victim: why they are one (``VictimBasis``); `direct` when left out.
    var victim_basis: String?
    /// For a business victim: the named point of contact.
    var business_contact: String?
}
