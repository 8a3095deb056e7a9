import Fluent
import Foundation
import VictimCareDomain

/// Case events (arrest, interview, charge, decisions...) raise duties for every victim of the crime.
enum CaseEventService {
    static func record(
        crimeID: UUID, type rawType: String?, at rawAt: String?, note rawNote: String? = nil, source: String,
        timeStyle: Validator.TimeStyle = .withOffset, context: AccessContext, on db: any Database
    ) async throws -> CaseEvent {
        let crime = try await CrimeService.find(crimeID, on: db)
        try await AccessGuard.check(
            .recordCaseEvent, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        var v = Validator()
        let type = v.requiredCode(rawType, "type", "what happened", as: CaseEventType.self)
        let at = v.requiredTime(rawAt, "at", "when it happened", style: timeStyle)
        let note = v.optional(rawNote, "note", "the note", max: 1000)
        if let at, at > Date().addingTimeInterval(300) { v.fail("at", "When it happened cannot be in the future") }
        if let at, at < crime.occurredFrom { v.fail("at", "When it happened must be after the offence") }
        try v.check()
        let victims = try await Victim.query(on: db).filter(\.$crime.$id == crimeID).all().compactMap(\.id)
        return try await db.transaction { tx in
            try await VictimService.bumpFacts(victims, on: tx)
            let event = CaseEvent()
            event.$crime.id = crimeID
            event.typeCode = type!.rawValue
            event.at = at!
            event.note = note
            event.recordedByID = context.actor.id
            event.recordedByName = context.actor.name
            event.source = source
            try await event.create(on: tx)
            if let status = type!.resultingStatus {
                // An event entered late, dated before a later change, joins the history where it happened; the
                // crime's status is the latest change by time, so a late-entered arrest does not reopen a case
                // closed after it (2026-11-30, issue 14).
                let later = try await CrimeStatusChange.query(on: tx).filter(\.$crime.$id == crimeID)
                    .filter(\.$at > at!).count()
                if status != crime.status || later > 0 {
                    try await CrimeStatusChange(
                        crimeID: crimeID, status: status.rawValue, at: at!, byUserID: context.actor.id,
                        byName: context.actor.name, note: type!.label
                    ).create(on: tx)
                }
                if later == 0, status != crime.status {
                    crime.statusCode = status.rawValue
                    try await crime.save(on: tx)
                }
            }
            try await AuditLog.record(
                .create, "case_event", event.id, summary: "\(type!.rawValue) on crime \(crimeID)", context: context,
                on: tx)
            try await ObligationService.recompute(victims, on: tx)
            return event
        }
    }
}
