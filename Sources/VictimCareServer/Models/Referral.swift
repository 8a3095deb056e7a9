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
