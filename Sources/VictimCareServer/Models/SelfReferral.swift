import Fluent
import Foundation
import VictimCareDomain

/// A victim's referral of themselves, from the public page. The support service works it from its list.
final class SelfReferral: Model, @unchecked Sendable {
    static let schema = "self_referrals"

    @ID(key: .id) var id: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "given_name") var givenName: String
    @Field(key: "family_name") var familyName: String
    @OptionalField(key: "phone") var phone: String?
    @OptionalField(key: "email") var email: String?
    @Field(key: "preferred_contact") var preferredContact: String
    @OptionalField(key: "preferred_times") var preferredTimes: String?
    @Field(key: "language") var language: String
    @Field(key: "offence_group") var offenceGroup: String
    @Field(key: "reported_to_police") var reportedToPolice: String
    @OptionalField(key: "crime_reference") var crimeReference: String?
    @Field(key: "status") var statusCode: String
    @OptionalField(key: "status_at") var statusAt: Date?
    @OptionalField(key: "status_by_name") var statusByName: String?
    @OptionalField(key: "note") var note: String?
    @Field(key: "source_hash") var sourceHash: String
    /// Why it looked automated (a hidden field filled in, sent too fast, an unsigned form): kept for the
    /// service to check before acting on it.
    @OptionalField(key: "held_reason") var heldReason: String?

    init() {}

    var status: Referral.Status { Referral.Status(rawValue: statusCode) ?? .sent }
}
