import Fluent
import Foundation
import VictimCareDomain

/// Retention of recordings: each has a review date from its case's Management of Police Information group;
/// at review an authorised person (a command unit lead of the crime's unit, or an administrator) may delete
/// it with a reason. The bytes go; the item and its chain stay, ending in the tombstone. Nothing is deleted
/// while the interview is shared, while the case is open, or while a victim's Right to Review is pending.
enum RetentionService {
    static let sexualOrViolentGroups: Set<String> = ["Violence against the person", "Sexual offences", "Robbery"]

    static func group(crime: Crime, on db: any Database) async throws -> RetentionGroup {
        let offence = try await Offence.query(on: db).filter(\.$code == crime.offenceCode).first()
        let flags = Set(crime.flags.map(\.rawValue))
        return RetentionGroup.of(
            mostSerious: offence?.mostSerious ?? false,
            sexualOrViolent: sexualOrViolentGroups.contains(offence?.group ?? ""),
            vulnerableVictim: !flags.isDisjoint(with: ["child_victim", "domestic_abuse", "modern_slavery"]))
    }

    static func reviewDate(_ item: EvidenceItem, group: RetentionGroup) -> LocalDate {
        group.reviewDate(from: London.date(of: item.completedAt ?? item.createdAt))
    }

    /// Why this recording cannot be deleted now, if it cannot.
    static func blocker(_ item: EvidenceItem, crime: Crime, on db: any Database) async throws -> String? {
        let shares = try await EvidenceShare.query(on: db).filter(\.$interview.$id == item.$interview.id)
            .filter(\.$revokedAt == nil).filter(\.$expiresAt > Date()).count()
        if shares > 0 { return "It is shared with a prosecutor: revoke the share first." }
        if crime.status != .closed { return "The case is still open (\(crime.status.label.lowercased()))." }
        let victims = try await Victim.query(on: db).filter(\.$crime.$id == crime.id!).all().compactMap(\.id)
        if !victims.isEmpty {
            let pending = try await ReviewRequest.query(on: db).filter(\.$victim.$id ~~ victims)
                .filter(\.$completedAt == nil).count()
            if pending > 0 { return "A victim's Right to Review request is still open." }
        }
        return nil
    }

    static func delete(
        itemID: UUID, reason raw: String?, confirmed: Bool, context: AccessContext, vault: EvidenceVault,
        on db: any Database
    ) async throws {
        guard let item = try await EvidenceItem.find(itemID, on: db), item.kind == "original" else {
            throw DomainError.notFound("recording")
        }
        let crime = try await CrimeService.find(item.crimeID, on: db)
        try await AccessGuard.check(
            .manageEvidenceRetention, "crime", item.crimeID, scope: CrimeService.scope(of: crime), context: context,
            on: db)
        guard item.state == .complete else { throw DomainError.notFound("recording") }
        var v = Validator()
        let reason = v.required(raw, "reason", "the reason for deleting", max: 2000)
        if !reason.isEmpty && reason.count < 20 {
            v.fail("reason", "Give the reason in full (at least 20 characters): it is kept for ever")
        }
        if !confirmed { v.fail("confirm", "Confirm that the recording is to be deleted") }
        try v.check()
        if let blocker = try await blocker(item, crime: crime, on: db) {
            throw DomainError.conflict(field: "reason", message: "This recording cannot be deleted now. \(blocker)")
        }
        let review = reviewDate(item, group: try await group(crime: crime, on: db))
        if London.date(of: Date()) < review, context.actor.role != .administrator {
            throw DomainError.conflict(
                field: "reason",
                message:
                    "Its retention review is not due until \(London.formatReadable(review)). Before then only an administrator may delete it (a court order, a recording made in error), giving the reason."
            )
        }
        let derived = try await EvidenceItem.query(on: db).filter(\.$derivedFrom == itemID).all()
        for target in [item] + derived {
            target.stateCode = EvidenceItem.State.deleted.rawValue
            try await target.save(on: db)
            try await vault.store.delete(target.id!)
            try await CustodyLog.append(
                .deleted, item: target.id!,
                detail: "deleted at retention review; sha256 was \(target.sha256 ?? ""); reason: \(reason)",
                actor: context.actor, on: db)
        }
        try await AuditLog.record(
            .delete, "evidence", itemID, summary: "deleted at retention review", context: context, on: db)
    }
}
