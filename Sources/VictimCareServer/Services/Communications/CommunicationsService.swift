import Fluent
import Foundation
import VictimCareDomain

/// What VictimCare sends a victim on its own account.
enum CommunicationsService {
    /// A crime was recorded with this victim: if they gave an email address, the written confirmation (R4) and
    /// the leaflet (R5) go to it automatically, in their language, through the outbox and its safety gate. With
    /// no email the officer gives the leaflet in person. Runs in the transaction that recorded the victim.
    static func victimRecorded(victimID: UUID, on db: any Database) async throws {
        let facts = try await GateFacts.load(victimID: victimID, channel: .email, on: db)
        guard facts.contactPointID != nil else { return }
        for purpose in [MessagePurpose.confirmation, .leaflet] {
            try await OutboxService.enqueue(
                .init(
                    victimID: victimID, channel: .email, purpose: purpose,
                    idempotencyKey: "\(purpose.rawValue):email:\(victimID.uuidString.lowercased())"),
                facts: facts, context: .system, on: db)
        }
    }
}
