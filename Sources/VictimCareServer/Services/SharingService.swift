import Fluent
import Foundation
import VictimCareDomain

/// What has been referred or shared to partners and prosecutors. Later issues add referrals and shared
/// recordings; until then nothing is shared, so those roles see nothing.
enum SharingService {
    static func isShared(personID: UUID, with actor: Actor, on db: any Database) async throws -> Bool {
        guard actor.role.reach == .sharedOnly else { return false }
        return false
    }

    static func isShared(crimeID: UUID, with actor: Actor, on db: any Database) async throws -> Bool {
        guard actor.role.reach == .sharedOnly else { return false }
        return false
    }
}
