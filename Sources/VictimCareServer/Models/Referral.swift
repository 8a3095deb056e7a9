import Fluent
import Foundation
import SQLKit
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

/// A referral as sent, read through its batch. The daily transfer marks only its batch when delivered (one row,
/// not every member and every member's victim: issue 17), so a member still `ready` in its own row is sent, at
/// the batch's first delivery. A member withdrawn before then is not. Every read of "sent" goes through these.
enum ReferralSent {
    /// Joined to a referral `r` as `b`: its batch, for a member still `ready` in its own row.
    static let batchJoin = "LEFT JOIN referral_batches b ON b.id = r.batch_id AND r.status = 'ready'"
    /// When it was sent, or NULL.
    static let sentAt = "COALESCE(r.sent_at, b.sent_at)"
    /// Its status.
    static let status = "CASE WHEN b.sent_at IS NOT NULL THEN 'sent' ELSE r.status END"
    /// Whether the service has it (sent, or further along).
    static let isSent = "(r.status NOT IN ('ready', 'withdrawn') OR b.sent_at IS NOT NULL)"

    /// Referrals as loaded, with the status and sent time of members of delivered batches filled in. A referral
    /// saved afterwards (the service records what happened next) keeps them in its own row; anything that moves
    /// a member on from `ready` resolves it first, or its sent time would be lost.
    @discardableResult
    static func resolve(_ referrals: [Referral], on db: any Database) async throws -> [Referral] {
        let batchIDs = Set(referrals.filter { $0.status == .ready }.compactMap(\.batchID))
        guard !batchIDs.isEmpty else { return referrals }
        let sent = try await ReferralBatch.query(on: db).filter(\.$id ~~ batchIDs).filter(\.$sentAt != nil).all()
        let at = Dictionary(sent.compactMap { b in b.sentAt.map { (b.id!, $0) } }, uniquingKeysWith: { a, _ in a })
        for referral in referrals where referral.status == .ready {
            guard let batchID = referral.batchID, let sentAt = at[batchID] else { continue }
            referral.statusCode = Referral.Status.sent.rawValue
            referral.sentAt = sentAt
        }
        return referrals
    }

    /// How many batches have been delivered. A delivery changes its members' facts (R7 is met) without writing
    /// their rows, so a recompute planned before it is planned again rather than written (`RecomputeService`).
    /// `lock` (PostgreSQL, in the writing transaction): the batches not yet delivered are held `FOR SHARE`, so
    /// a delivery waits for a write that counted before it, and is never half seen.
    static func deliveries(on db: any Database, lock: Bool) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        if lock, db.isPostgres {
            _ = try await FastRows.query("SELECT id FROM referral_batches WHERE state = 'open' FOR SHARE", [], on: sql)
        }
        return try await FastRows.query(
            "SELECT COUNT(*) FROM referral_batches WHERE sent_at IS NOT NULL", [], on: sql
        ).first?.int(0) ?? 0
    }
}
