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
        let (type, at, note) = try check(
            type: rawType, at: rawAt, note: rawNote, timeStyle: timeStyle, occurredFrom: crime.occurredFrom)
        let victims = try await Victim.query(on: db).filter(\.$crime.$id == crimeID).all().compactMap(\.id)
        return try await db.transaction { tx in
            try await VictimService.bumpFacts(victims, on: tx)
            let event = build(crimeID: crimeID, type: type, at: at, note: note, source: source, context: context)
            try await event.create(on: tx)
            if type.resultingStatus != nil {
                let later = try await CrimeStatusChange.query(on: tx).filter(\.$crime.$id == crimeID)
                    .filter(\.$at > at).count()
                let effect = statusEffect(of: type, at: at, status: crime.status, changedLater: later > 0)
                if let change = effect.change {
                    try await CrimeStatusChange(
                        crimeID: crimeID, status: change.rawValue, at: at, byUserID: context.actor.id,
                        byName: context.actor.name, note: type.label
                    ).create(on: tx)
                }
                if let status = effect.newStatus {
                    crime.statusCode = status.rawValue
                    try await crime.save(on: tx)
                }
            }
            try await AuditLog.record(
                .create, "case_event", event.id, summary: "\(type.rawValue) on crime \(crimeID)", context: context,
                on: tx)
            try await ObligationService.recompute(victims, on: tx)
            return event
        }
    }

    /// A checked event as recorded, by the actor (written by `record`, or by an import's chunk).
    static func build(
        crimeID: UUID, type: CaseEventType, at: Date, note: String?, source: String, context: AccessContext
    ) -> CaseEvent {
        let event = CaseEvent()
        event.id = UUID.ordered()
        event.$crime.id = crimeID
        event.typeCode = type.rawValue
        event.at = at
        event.note = note
        event.recordedByID = context.actor.id
        event.recordedByName = context.actor.name
        event.source = source
        return event
    }

    /// Checks an event's fields against the crime it belongs to. Pure: an import checks a chunk with it.
    static func check(
        type rawType: String?, at rawAt: String?, note rawNote: String?, timeStyle: Validator.TimeStyle = .withOffset,
        occurredFrom: Date
    ) throws -> (CaseEventType, Date, String?) {
        var v = Validator()
        let type = v.requiredCode(rawType, "type", "what happened", as: CaseEventType.self)
        let at = v.requiredTime(rawAt, "at", "when it happened", style: timeStyle)
        let note = v.optional(rawNote, "note", "the note", max: 1000)
        if let at, at > Date().addingTimeInterval(300) { v.fail("at", "When it happened cannot be in the future") }
        if let at, at < occurredFrom { v.fail("at", "When it happened must be after the offence") }
        try v.check()
        return (type!, at!, note)
    }

    /// What an event does to the crime's status history: the change to record (if any) and the crime's new
    /// status (if it changes). An event entered late, dated before a later change, joins the history where it
    /// happened; the crime's status is the latest change by time, so a late-entered arrest does not reopen a
    /// case closed after it (2026-11-30, issue 14).
    static func statusEffect(of type: CaseEventType, at: Date, status: CrimeStatus, changedLater: Bool) -> (
        change: CrimeStatus?, newStatus: CrimeStatus?
    ) {
        guard let resulting = type.resultingStatus else { return (nil, nil) }
        let change = resulting != status || changedLater ? resulting : nil
        let newStatus = !changedLater && resulting != status ? resulting : nil
        return (change, newStatus)
    }
}
