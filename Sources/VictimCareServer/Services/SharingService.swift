import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// What has been shared with the roles that see only what is shared with them. A support partner sees the
/// people whose referral was sent to the service (a referral that is ready but not yet sent, or withdrawn, is
/// not shared). Prosecutors see nothing through this until recordings are shared with them (issue 15).
enum SharingService {
    static func isShared(personID: UUID, with actor: Actor, on db: any Database) async throws -> Bool {
        guard actor.role.reach == .sharedOnly, let sql = db as? any SQLDatabase else { return false }
        switch actor.role {
        case .supportPartner:
            struct Row: Decodable { var n: Int }
            let row = try await sql.raw(
                """
                SELECT COUNT(*) AS n FROM referrals r JOIN victims v ON v.id = r.victim_id \(unsafeRaw: ReferralSent.batchJoin)
                WHERE v.person_id = \(bind: personID) AND \(unsafeRaw: ReferralSent.isSent)
                """
            ).first(decoding: Row.self)
            return (row?.n ?? 0) > 0
        default:
            return false
        }
    }
}
