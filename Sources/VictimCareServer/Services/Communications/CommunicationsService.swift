import Fluent
import Foundation
import VictimCareDomain

/// What VictimCare sends a victim on its own account.
enum CommunicationsService {
    /// A crime was recorded with this victim: if they gave an email address, the written confirmation (R4) and
    /// the leaflet (R5) go to it automatically, in their language, through the outbox and its safety gate: the
    /// confirmation carries a link to their case page, the leaflet a link to their own copy. With no email the
    /// officer shows or prints a QR code. Runs in the transaction that recorded the victim.
    static func victimRecorded(victimID: UUID, on db: any Database) async throws {
        let facts = try await GateFacts.load(victimID: victimID, channel: .email, on: db)
        for ask in recordedAsks(victimID: victimID, facts: facts) {
            try await OutboxService.enqueue(ask, facts: facts, context: .system, on: db)
        }
    }

    /// What `victimRecorded` asks the outbox for, whether the victim is stored or planned: nothing without an
    /// email address.
    private static func recordedAsks(victimID: UUID, facts: GateFacts) -> [OutboxService.Ask] {
        guard facts.contactPointID != nil else { return [] }
        return [(MessagePurpose.confirmation, VictimLink.Purpose.track), (.leaflet, .leaflet)].map { purpose, link in
            OutboxService.Ask(
                victimID: victimID, channel: .email, purpose: purpose,
                idempotencyKey: "\(purpose.rawValue):email:\(victimID.uuidString.lowercased())", carries: link)
        }
    }

    /// `victimRecorded` for a victim planned in memory with the crime that made them one: the same messages,
    /// their links and audit entries added to `rows`, from the records in hand. `points`: the person's.
    static func planVictimRecorded(
        victim: Victim, person: Person, crime: Crime, points: [ContactPoint], policy: VictimsCodePolicy,
        credited: (officer: UUID?, team: UUID?, unit: UUID), into rows: inout ModelRows
    ) throws {
        let victimID = victim.id!
        let facts = GateFacts.make(
            victim: victim, person: person, crime: crime,
            points: points.filter { $0.kindCode == MessageChannel.email.contactPointKind.rawValue }, channel: .email,
            policy: policy)
        for ask in recordedAsks(victimID: victimID, facts: facts) {
            try OutboxService.plan(ask, facts: facts, credited: credited, context: .system, into: &rows)
        }
    }
}
