import Fluent
import Foundation
import VictimCareDomain

/// One referral of a victim to the support service, by one of three routes.
final class Referral: Model, @unchecked Sendable {
    static let schema = "referrals"

    enum Route: String, Sendable, CaseIterable {
        /// The daily automatic transfer.
        case transfer
        /// Sent by the Witness Care Unit at charge.
        case witnessCare = "witness_care"
        /// The victim referred themselves.
        case selfReferral = "self"
    }

    enum Status: String, Labelled {
        /// Waiting for the next batch.
        case ready
        /// The victim declined before it went.
        case withdrawn
        case sent, received, contacted, accepted, declined, closed

        var label: String {
            switch self {
            case .ready: "Waiting for the next daily transfer"
            case .withdrawn: "Withdrawn: the victim declined before it was sent"
            case .sent: "Sent to the support service"
            case .received: "Received by the support service"
            case .contacted: "The support service has contacted the victim"
            case .accepted: "Support accepted"
            case .declined: "Support declined by the victim"
            case .closed: "Closed by the support service"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "route") var routeCode: String
    @Field(key: "status") var statusCode: String
    @OptionalField(key: "batch_id") var batchID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    @OptionalField(key: "status_at") var statusAt: Date?
    @OptionalField(key: "status_by_name") var statusByName: String?
    @OptionalField(key: "note") var note: String?

    init() {}

    var status: Status { Status(rawValue: statusCode) ?? .ready }
    var route: Route { Route(rawValue: routeCode) ?? .transfer }
}

/// One batch of the daily transfer. Its members are fixed when it is made; delivering it again (after a crash,
/// or by an administrator) sends the same members under the same id.
final class ReferralBatch: Model, @unchecked Sendable {
    static let schema = "referral_batches"

    @ID(key: .id) var id: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "state") var state: String
    @Field(key: "victims") var victims: Int
    @Field(key: "schema_version") var schemaVersion: String
    @OptionalField(key: "destination") var destination: String?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    @OptionalField(key: "sha256") var sha256: String?
    /// When the victims it carried had their obligations worked out after it was delivered.
    @OptionalField(key: "recomputed_at") var recomputedAt: Date?
    @Field(key: "deliveries") var deliveries: Int
    @Field(key: "created_by_name") var createdByName: String

    init() {}
}

/// A change of a victim's referral consent: what, how it was given, when, by whom.
final class ReferralConsentRecord: Model, @unchecked Sendable {
    static let schema = "referral_consents"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "consent") var consent: String
    @Field(key: "method") var method: String
    @Field(key: "recorded_at") var recordedAt: Date
    @Field(key: "by_name") var byName: String

    init() {}
}

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
