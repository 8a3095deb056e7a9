import Fluent
import Foundation
import VictimCareDomain

/// A victim of one crime (a person linked to it as victim; same id as the link) and their Victims' Code state.
final class Victim: Model, @unchecked Sendable {
    static let schema = "victims"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Parent(key: "person_id") var person: Person
    @Field(key: "enhanced") var enhanced: Bool
    /// Delimited like crime flags: `,vulnerable,intimidated,`.
    @Field(key: "grounds") var groundsCode: String
    @Field(key: "section16") var section16: Bool
    @Field(key: "section17") var section17: Bool
    @Field(key: "section28") var section28: Bool
    @Field(key: "referral_consent") var referralConsentCode: String
    @OptionalField(key: "explicit_consent_at") var explicitConsentAt: Date?
    @Field(key: "bereaved") var bereaved: Bool
    @Field(key: "interpreter_needed") var interpreterNeeded: Bool
    /// From the needs assessment: a suspect may see or hear messages sent to the victim.
    @Field(key: "suspect_may_see_messages") var suspectMaySeeMessages: Bool
    /// Domestic abuse: when an officer recorded that messages to the victim are safe (the suspect cannot see them).
    @OptionalField(key: "messaging_cleared_at") var messagingClearedAt: Date?
    @OptionalField(key: "messaging_cleared_by_name") var messagingClearedByName: String?
    @OptionalField(key: "agreed_update_days") var agreedUpdateDays: Int?
    @OptionalField(key: "vna_completed_at") var vnaCompletedAt: Date?
    @OptionalField(key: "vps_status") var vpsStatus: String?
    /// When the person became a victim of the crime: the report, or later when linked (issue 14).
    @OptionalField(key: "became_victim_at") var becameVictimAt: Date?
    /// When an assessment first recorded them as bereaved, or as needing an interpreter (nil: from the start).
    @OptionalField(key: "bereaved_since") var bereavedSince: Date?
    @OptionalField(key: "interpreter_needed_since") var interpreterNeededSince: Date?
    /// Why they are owed the Code (``VictimBasis``).
    @Field(key: "basis") var basisCode: String
    /// A business's named point of contact (name and role).
    @OptionalField(key: "business_contact") var businessContact: String?
    /// The victim knows the suspect (a partner, family, household, neighbour, colleague).
    @Field(key: "suspect_known") var suspectKnown: Bool
    /// The needs assessment asked whether a suspect may see their messages (otherwise the answer is unknown).
    @Field(key: "suspect_access_asked") var suspectAccessAsked: Bool
    /// Bumped by every change to the facts; recomputation records the version it used.
    @Field(key: "facts_version") var factsVersion: Int
    @Field(key: "computed_version") var computedVersion: Int
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(linkID: UUID, crimeID: UUID, personID: UUID) {
        self.id = linkID
        self.$crime.id = crimeID
        self.$person.id = personID
        self.enhanced = false
        self.groundsCode = ""
        self.section16 = false
        self.section17 = false
        self.section28 = false
        self.referralConsentCode = ReferralConsent.notAsked.rawValue
        self.bereaved = false
        self.interpreterNeeded = false
        self.suspectMaySeeMessages = false
        self.basisCode = VictimBasis.direct.rawValue
        self.suspectKnown = false
        self.suspectAccessAsked = false
        self.factsVersion = 1
        self.computedVersion = 0
    }

    var referralConsent: ReferralConsent { ReferralConsent(rawValue: referralConsentCode) ?? .notAsked }
    var basis: VictimBasis { VictimBasis(rawValue: basisCode) ?? .direct }
    /// The needs assessment's answer about the suspect seeing messages, nil when nobody asked.
    var suspectMaySee: Bool? { suspectAccessAsked || suspectMaySeeMessages ? suspectMaySeeMessages : nil }

    var grounds: [EnhancedGround] {
        groundsCode.split(separator: ",").compactMap { EnhancedGround(rawValue: String($0)) }.sorted()
    }

    static func encode(_ grounds: [EnhancedGround]) -> String {
        grounds.isEmpty ? "" : "," + grounds.sorted().map(\.rawValue).joined(separator: ",") + ","
    }
}
