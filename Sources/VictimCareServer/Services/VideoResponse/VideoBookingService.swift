import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// Issue 16, item 2: the video team's rota, booking a victim's call into a slot or "as soon as possible", and
/// the messages about it (booked, changed, reminded, cancelled, missed), each by the victim's preferred safe
/// channel through the outbox and its safety gate. The video team is the crime's command unit's.
enum VideoBookingService {
    /// How far ahead the booking form offers slots.
    static let bookingDays = 7.0
    /// A slot starting sooner than this is not offered (the victim must be told in time).
    static let leadTime: TimeInterval = 10 * 60
    /// The reminder goes this long before a booked slot.
    static let reminderBefore: TimeInterval = 60 * 60

    // MARK: the rota

    struct ShiftDraft: Sendable {
        var officer: String?
        var startsAt: String?
        var endsAt: String?
        var slotMinutes: String?
    }

    /// The unit whose rota the actor keeps (their own), or a refusal.
    static func rotaUnit(_ permission: Permission, _ context: AccessContext) throws -> UUID {
        guard case .oneUnit(let unit) = try AccessGuard.listingReach(permission, context) else {
            throw DomainError.forbidden("The video rota is kept by each command unit's own supervisors.")
        }
        return unit
    }

    struct Rota: Sendable {
        var unit: CommandUnit
        var shifts: [VideoShift]
        var officers: [User]
        /// Booked calls by shift.
        var calls: [UUID: [VideoCall]]
    }

    static func rota(context: AccessContext, now: Date = Date(), on db: any Database) async throws -> Rota {
        let unitID = try rotaUnit(.manageVideoRota, context)
        guard let unit = try await CommandUnit.find(unitID, on: db) else { throw DomainError.notFound("unit") }
        let shifts = try await VideoShift.query(on: db).filter(\.$commandUnit.$id == unitID)
            .filter(\.$cancelledAt == nil).filter(\.$endsAt > now).sort(\.$startsAt).limit(200).all()
        let calls = try await VideoCall.query(on: db).filter(\.$shift.$id ~~ shifts.compactMap(\.id))
            .filter(\.$stateCode == VideoCall.State.booked.rawValue).sort(\.$slotStart).all()
        return Rota(
            unit: unit, shifts: shifts, officers: try await videoOfficers(unitID, on: db),
            calls: Dictionary(grouping: calls) { $0.$shift.id! })
    }

    /// Who may take calls in the unit: its active users whose role conducts video calls.
    static func videoOfficers(_ unitID: UUID, on db: any Database) async throws -> [User] {
        try await User.query(on: db).filter(\.$commandUnit.$id == unitID).filter(\.$active == true)
            .sort(\.$displayName).all()
            .filter { AccessPolicy.roles(for: .conductVideoCall).contains($0.role) }
    }

    static func addShift(_ draft: ShiftDraft, context: AccessContext, now: Date = Date(), on db: any Database)
        async throws -> VideoShift
    {
        let unitID = try rotaUnit(.manageVideoRota, context)
        let start = draft.startsAt.flatMap(London.parseLocal)
        let end = draft.endsAt.flatMap(London.parseLocal)
        let minutes = draft.slotMinutes.flatMap { Int($0) }
        var problems = VideoBooking.problems(start: start, end: end, minutes: minutes, now: now)
        let officers = try await videoOfficers(unitID, on: db)
        let officer = officers.first { $0.username == draft.officer }
        if officer == nil {
            problems.insert(.init(field: "officer", message: "Choose an officer of your unit who takes calls."), at: 0)
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        // The same officer on two overlapping shifts would be booked twice at once.
        let overlapping = try await VideoShift.query(on: db).filter(\.$officer.$id == officer!.id!)
            .filter(\.$cancelledAt == nil).filter(\.$startsAt < end!).filter(\.$endsAt > start!).count()
        if overlapping > 0 {
            throw DomainError.conflict(field: "startsAt", message: "\(officer!.displayName) already has a shift then.")
        }
        let shift = VideoShift()
        shift.$commandUnit.id = unitID
        shift.$officer.id = officer!.id!
        shift.startsAt = start!
        shift.endsAt = end!
        shift.slotMinutes = minutes!
        shift.createdByName = context.actor.name
        shift.createdAt = now
        try await db.transaction { tx in
            try await shift.create(on: tx)
            try await AuditLog.record(
                .create, "video_shift", shift.id, summary: "officer \(officer!.id!)", context: context, on: tx)
        }
        return shift
    }

    /// Takes a shift off the rota; refused while calls are booked on it (they are moved or cancelled first).
    static func cancelShift(_ id: UUID, context: AccessContext, on db: any Database) async throws {
        let unitID = try rotaUnit(.manageVideoRota, context)
        guard let shift = try await VideoShift.find(id, on: db), shift.$commandUnit.id == unitID else {
            throw DomainError.notFound("shift")
        }
        try await db.transaction { tx in
            // The shift first (a booking on it holds the same row until it commits), then its calls counted: a call
            // booked at the same moment is either counted here or refused on a cancelled shift, never left on one.
            _ = try await lockShift(id, exclusive: true, on: tx)
            let booked = try await VideoCall.query(on: tx).filter(\.$shift.$id == id)
                .filter(\.$stateCode == VideoCall.State.booked.rawValue).count()
            if booked > 0 {
                throw DomainError.conflict(
                    field: "shift",
                    message: "\(booked) call\(booked == 1 ? " is" : "s are") booked on this shift: move them first.")
            }
            shift.cancelledAt = Date()
            try await shift.save(on: tx)
            try await AuditLog.record(.update, "video_shift", id, summary: "cancelled", context: context, on: tx)
        }
    }

    /// Runs between a booking's choice of slot and its transaction (tests: a cancellation in that moment).
    @TaskLocal static var beforeHolding: (@Sendable () async throws -> Void)?

    /// Locks a shift's row for the rest of the transaction (PostgreSQL; on SQLite the transaction holds the one
    /// writer already) and says whether it is cancelled, as committed now. Bookings share the lock with each other;
    /// a cancellation takes it alone.
    private static func lockShift(_ id: UUID, exclusive: Bool, on tx: any Database) async throws -> Bool {
        guard let sql = tx as? any SQLDatabase else { return false }
        struct Row: Decodable { var cancelled_at: Date? }
        var query = sql.select().column("cancelled_at").from("video_shifts").where("id", .equal, id)
        if sql.dialect.name == "postgresql" {
            query = query.lockingClause(exclusive ? SQLLockingClause.update : SQLLockingClause.share)
        }
        guard let row = try await query.first(decoding: Row.self) else { return true }
        return row.cancelled_at != nil
    }

    // MARK: slots and booking

    struct Slot: Sendable, Equatable {
        var shiftID: UUID
        var start: Date
        var minutes: Int
        var officerName: String

        /// The form value: shift and start.
        var value: String { "\(shiftID.uuidString)|\(Int(start.timeIntervalSince1970))" }
    }

    /// Free slots of the unit's rota over the next days, soonest first.
    static func freeSlots(unitID: UUID, now: Date = Date(), on db: any Database) async throws -> [Slot] {
        let shifts = try await VideoShift.query(on: db).filter(\.$commandUnit.$id == unitID)
            .filter(\.$cancelledAt == nil).filter(\.$endsAt > now)
            .filter(\.$startsAt < now.addingTimeInterval(bookingDays * 86_400)).with(\.$officer).sort(\.$startsAt)
            .all()
        let holds = try await VideoSlotHold.query(on: db).filter(\.$shift.$id ~~ shifts.compactMap(\.id)).all()
        let taken = Set(holds.map { "\($0.$shift.id)|\(Int($0.slotStart.timeIntervalSince1970))" })
        return shifts.flatMap { shift in
            VideoBooking.slots(from: shift.startsAt, to: shift.endsAt, minutes: shift.slotMinutes)
                .filter { $0 >= now.addingTimeInterval(leadTime) }
                .map {
                    Slot(
                        shiftID: shift.id!, start: $0, minutes: shift.slotMinutes,
                        officerName: shift.officer.displayName)
                }
                .filter { !taken.contains($0.value) }
        }
    }

    struct BookDraft: Sendable {
        /// A slot's form value, or "asap".
        var slot: String?
    }

    /// The victim's call, if one is booked.
    static func bookedCall(victimID: UUID, on db: any Database) async throws -> VideoCall? {
        try await VideoCall.query(on: db).filter(\.$victim.$id == victimID)
            .filter(\.$stateCode == VideoCall.State.booked.rawValue).first()
    }

    static func calls(victimID: UUID, on db: any Database) async throws -> [VideoCall] {
        try await VideoCall.query(on: db).filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending)
            .limit(20).all()
    }

    /// Books the call: only for a victim who chose video, into a free slot of their crime's unit's rota or as
    /// soon as possible, told by their preferred safe channel. Two bookings of one slot at once: one wins.
    @discardableResult
    static func book(
        _ victimID: UUID, _ draft: BookDraft, context: AccessContext, now: Date = Date(), on db: any Database
    ) async throws -> VideoCall {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.conductVideoCall, victim, context: context, on: db)
        guard try await ResponseTriageService.latestChoice(victimID: victimID, on: db)?.choice == .video else {
            throw DomainError.invalid("slot", "They have not chosen a video call: record their choice first.")
        }
        try await requireTriageAllowsVideo(victim.$crime.id, on: db)
        if try await bookedCall(victimID: victimID, on: db) != nil {
            throw DomainError.conflict(field: "slot", message: "A call is already booked: change or cancel it.")
        }
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let slot = try await chosenSlot(draft.slot, unitID: crime.$commandUnit.id, now: now, on: db)
        let (channel, facts) = try await safeChannel(victimID, on: db)
        let call = VideoCall()
        call.id = UUID.random()
        call.$victim.id = victimID
        call.$crime.id = crime.id!
        call.$commandUnit.id = crime.$commandUnit.id
        call.channelCode = channel.rawValue
        call.stateCode = VideoCall.State.booked.rawValue
        call.version = 0
        call.createdByName = context.actor.name
        call.createdAt = now
        place(call, slot, now: now)
        try await beforeHolding?()
        try await holding(victimID: victimID, on: db) {
            try await db.transaction { tx in
                try await hold(call, slot, on: tx)
                try await tell(call, .booked, facts: facts, context: context, on: tx)
                try await AuditLog.record(
                    .create, "video_call", call.id,
                    summary: "victim \(victimID): "
                        + (slot.map { "slot \(Instant.format($0.start))" } ?? "as soon as possible"),
                    context: context, on: tx)
            }
        }
        return call
    }

    /// Moves a booked call to another slot (or to "as soon as possible"); the victim is told, and their calendar
    /// entry is updated in place.
    static func change(
        victimID: UUID, _ draft: BookDraft, context: AccessContext, now: Date = Date(), on db: any Database
    ) async throws -> VideoCall {
        let call = try await loadForChange(victimID: victimID, context: context, on: db)
        let callID = call.id!
        try await requireTriageAllowsVideo(call.$crime.id, on: db)
        let slot = try await chosenSlot(draft.slot, unitID: call.$commandUnit.id, now: now, on: db)
        let (_, facts) = try await safeChannel(call.$victim.id, on: db)
        let version = call.version
        place(call, slot, now: now)
        call.remindedAt = nil
        try await holding(victimID: nil, on: db) {
            try await db.transaction { tx in
                // Still booked and unchanged since it was read (a cancel or a move at the same moment: one wins).
                guard let sql = tx as? any SQLDatabase,
                    try await !sql.raw(
                        """
                        UPDATE video_calls SET version = version + 1 WHERE id = \(bind: callID)
                        AND state = 'booked' AND version = \(bind: version) RETURNING id
                        """
                    ).all().isEmpty
                else { throw DomainError.conflict(field: "call", message: "The call changed meanwhile: look again.") }
                try await VideoSlotHold.query(on: tx).filter(\.$call.$id == callID).delete()
                try await hold(call, slot, on: tx)
                try await VideoGuestService.withdraw(call: call, reason: "ended", on: tx)
                try await tell(call, .changed, facts: facts, context: context, on: tx)
                try await AuditLog.record(
                    .update, "video_call", callID,
                    summary: slot.map { "moved to \(Instant.format($0.start))" } ?? "moved to as soon as possible",
                    context: context, on: tx)
            }
        }
        return call
    }

    /// Cancels a booked call (by an officer, or by the victim on their case page); the slot is free again and
    /// the victim is told, with the calendar entry withdrawn.
    static func cancel(
        victimID: UUID, reason: String?, context: AccessContext, on db: any Database
    ) async throws {
        let call = try await loadForChange(victimID: victimID, context: context, on: db)
        try await end(call, as: .cancelled, reason: reason, context: context, on: db)
    }

    /// The victim cancels their own call on their case page.
    static func cancelByVictim(victimID: UUID, ip: String?, on db: any Database) async throws {
        guard let call = try await bookedCall(victimID: victimID, on: db) else {
            throw DomainError.invalid("cancel", "case.error.video_none")
        }
        try await end(
            call, as: .cancelled, reason: "Cancelled by the victim on their case page", context: .system, on: db)
        try await AuditLog.recordVictim(
            .update, "video_call", call.id, summary: "cancelled by the victim", ip: ip, on: db)
    }

    private static func end(
        _ call: VideoCall, as state: VideoCall.State, reason: String?, context: AccessContext, on db: any Database
    ) async throws {
        let text = reason?.trimmingWhitespaceAndNewlines().nilIfEmpty
        if (text?.count ?? 0) > 500 { throw DomainError.invalid("reason", "Keep the reason to 500 characters.") }
        let facts = try? await safeChannel(call.$victim.id, on: db).1
        try await db.transaction { tx in
            // Only a call still booked ends (a cancel and a miss at once: one of them).
            guard let sql = tx as? any SQLDatabase else { return }
            let won = try await sql.raw(
                """
                UPDATE video_calls SET state = \(bind: state.rawValue), version = version + 1,
                ended_at = \(bind: Date()), ended_reason = \(bind: text)
                WHERE id = \(bind: call.id!) AND state = 'booked'
                \(unsafeRaw: state == .missed ? "AND admitted_at IS NULL" : "") RETURNING id
                """
            ).all()
            guard !won.isEmpty else {
                throw DomainError.conflict(field: "call", message: "This call is no longer booked.")
            }
            call.stateCode = state.rawValue
            call.version += 1
            try await VideoSlotHold.query(on: tx).filter(\.$call.$id == call.id!).delete()
            try await VideoGuestService.withdraw(call: call, reason: "ended", on: tx)
            if let facts {
                try await tell(call, state == .missed ? .missed : .cancelled, facts: facts, context: context, on: tx)
            }
            if state == .missed {
                try await CaseRequest(
                    .videoCallMissed, victimID: call.$victim.id,
                    detail: call.slotStart.map { "Booked for \(Display.time($0))" } ?? "Booked as soon as possible"
                ).create(on: tx)
            }
            try await AuditLog.record(
                .update, "video_call", call.id, summary: state.rawValue, context: context, on: tx)
        }
    }

    /// The victim's booked call, once the actor may change calls on their crime.
    static func loadForChange(victimID: UUID, context: AccessContext, on db: any Database) async throws -> VideoCall {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.conductVideoCall, victim, context: context, on: db)
        guard let call = try await bookedCall(victimID: victimID, on: db) else {
            throw DomainError.conflict(field: "call", message: "No video call is booked for them now.")
        }
        return call
    }

    /// The booking page: shown to those who may book and read the victim (a reason opens another unit's);
    /// audited as a view of the victim.
    struct Booking: Sendable {
        var victim: Victim
        var person: Person
        var crime: Crime
        var choseVideo: Bool
        var booked: VideoCall?
        var slots: [Slot]
        var past: [VideoCall]
        var outsideUnit: Bool
    }

    static func booking(_ victimID: UUID, context: AccessContext, now: Date = Date(), on db: any Database)
        async throws -> Booking
    {
        let victim = try await VictimService.find(victimID, on: db)
        let (crime, scope) = try await VictimService.scope(of: victim, context: context, on: db)
        let eachTime = try await AccessGuard.checkForm(
            .conductVideoCall, reading: .viewPerson, "crime", crime.id!, scope: scope, context: context, on: db)
        try await AuditLog.record(.view, "victim", victimID, summary: "video call booking", context: context, on: db)
        try await AuditLog.recordViews(
            "person", [victim.$person.id], summary: "video call booking \(victimID)", context: context, on: db)
        let calls = try await calls(victimID: victimID, on: db)
        return Booking(
            victim: victim, person: try await PersonService.find(victim.$person.id, on: db), crime: crime,
            choseVideo: try await ResponseTriageService.latestChoice(victimID: victimID, on: db)?.choice == .video,
            booked: calls.first { $0.state == .booked },
            slots: try await freeSlots(unitID: crime.$commandUnit.id, now: now, on: db),
            past: calls.filter { $0.state != .booked }, outsideUnit: eachTime)
    }

    // MARK: the queue and the sweep

    /// Calls of the actor's unit whose link is open now or opens within half an hour, soonest first.
    static func queue(context: AccessContext, now: Date = Date(), on db: any Database) async throws -> [VideoCall] {
        let unitID = try rotaUnit(.conductVideoCall, context)
        return try await VideoCall.query(on: db).filter(\.$commandUnit.$id == unitID)
            .filter(\.$stateCode == VideoCall.State.booked.rawValue).filter(\.$opensAt <= now.addingTimeInterval(1800))
            .filter(\.$closesAt >= now).sort(\.$opensAt).limit(200).all()
    }

    /// Reminders an hour before, and calls whose window has closed marked missed (the officer is asked to
    /// follow up). Each claimed by a conditional update, so two nodes never send the same one.
    @discardableResult
    static func sweep(now: Date = Date(), on db: any Database) async throws -> Int {
        var done = 0
        let due = try await VideoCall.query(on: db).filter(\.$stateCode == VideoCall.State.booked.rawValue)
            .filter(\.$remindedAt == nil).filter(\.$slotStart != nil)
            .filter(\.$slotStart <= now.addingTimeInterval(reminderBefore)).filter(\.$slotStart > now).limit(100).all()
        for call in due {
            guard let facts = try? await safeChannel(call.$victim.id, on: db).1 else { continue }
            let sent = try await db.transaction { tx -> Bool in
                guard let tsql = tx as? any SQLDatabase else { return false }
                let won = try await tsql.raw(
                    """
                    UPDATE video_calls SET reminded_at = \(bind: now)
                    WHERE id = \(bind: call.id!) AND reminded_at IS NULL AND state = 'booked' RETURNING id
                    """
                ).all()
                if won.isEmpty { return false }
                try await tell(call, .reminder, facts: facts, context: .system, on: tx)
                return true
            }
            if sent { done += 1 }
        }
        // A call the officer has let the victim into is under way, however long it runs: not missed.
        let missed = try await VideoCall.query(on: db).filter(\.$stateCode == VideoCall.State.booked.rawValue)
            .filter(\.$admittedAt == nil).filter(\.$closesAt < now).limit(100).all()
        for call in missed {
            do {
                try await end(call, as: .missed, reason: "Not answered in its window", context: .system, on: db)
                done += 1
            } catch DomainError.conflict {
                continue
            }
        }
        return done
    }

    // MARK: messages

    enum Telling: String, Sendable {
        case booked, changed, reminder, cancelled, missed

        var purpose: MessagePurpose {
            switch self {
            case .booked: .videoBooked
            case .changed: .videoChanged
            case .reminder: .videoReminder
            case .cancelled: .videoCancelled
            case .missed: .videoMissed
            }
        }
    }

    /// The victim's preferred channel if it is safe, else the other; a booking nobody can safely be told of is
    /// not made (arrange it by phone instead).
    static func safeChannel(_ victimID: UUID, on db: any Database) async throws -> (MessageChannel, GateFacts) {
        let victim = try await VictimService.find(victimID, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        let preferred = ContactMethod.code(person.preferredContact)
        let order: [MessageChannel] = preferred == .sms || preferred == .phone ? [.sms, .email] : [.email, .sms]
        for channel in order {
            let facts = try await GateFacts.load(victimID: victimID, channel: channel, on: db)
            if SafetyGate.check(facts.facts(body: SafetyGate.smsBody(link: ""))) == .send { return (channel, facts) }
        }
        throw DomainError.invalid(
            "slot", "No safe email or mobile number to send the booking to: arrange the call with them by phone.")
    }

    /// One message per call, kind and version: asking twice sends once.
    private static func tell(
        _ call: VideoCall, _ kind: Telling, facts: GateFacts, context: AccessContext, on db: any Database
    ) async throws {
        let message = try await OutboxService.enqueue(
            .init(
                victimID: call.$victim.id, channel: facts.channel, purpose: kind.purpose,
                idempotencyKey: "video:\(call.id!.uuidString.lowercased()):\(kind.rawValue):\(call.version)",
                carries: [.cancelled, .missed].contains(kind) ? nil : .track),
            facts: facts, context: context, on: db)
        if try await VideoCallMessage.query(on: db).filter(\.$messageID == message.id!).count() == 0 {
            let record = VideoCallMessage()
            record.$call.id = call.id!
            record.messageID = message.id!
            record.kind = kind.rawValue
            record.version = call.version
            try await record.create(on: db)
        }
    }

    private static func chosenSlot(_ raw: String?, unitID: UUID, now: Date, on db: any Database) async throws -> Slot? {
        guard let raw, !raw.isEmpty else { throw DomainError.invalid("slot", "Choose a time, or as soon as possible.") }
        if raw == "asap" { return nil }
        let parts = raw.split(separator: "|")
        guard parts.count == 2, let shiftID = UUID(uuidString: String(parts[0])), let seconds = Double(parts[1]) else {
            throw DomainError.invalid("slot", "Choose a time from the list.")
        }
        let start = Date(timeIntervalSince1970: seconds)
        guard let shift = try await VideoShift.query(on: db).filter(\.$id == shiftID).with(\.$officer).first(),
            shift.$commandUnit.id == unitID, shift.cancelledAt == nil,
            VideoBooking.slots(from: shift.startsAt, to: shift.endsAt, minutes: shift.slotMinutes).contains(start)
        else { throw DomainError.invalid("slot", "Choose a time from the list.") }
        guard start >= now.addingTimeInterval(leadTime) else {
            throw DomainError.invalid("slot", "That time is too soon: choose a later one, or as soon as possible.")
        }
        return Slot(shiftID: shiftID, start: start, minutes: shift.slotMinutes, officerName: shift.officer.displayName)
    }

    private static func place(_ call: VideoCall, _ slot: Slot?, now: Date) {
        call.$shift.id = slot?.shiftID
        call.slotStart = slot?.start
        call.slotMinutes = slot?.minutes ?? 30
        call.officerName = slot?.officerName
        let window = VideoBooking.window(slot: slot?.start, bookedAt: now)
        call.opensAt = window.lowerBound
        call.closesAt = window.upperBound
        call.version += 1
    }

    private static func hold(_ call: VideoCall, _ slot: Slot?, on db: any Database) async throws {
        guard let slot else {
            try await call.save(on: db)
            return
        }
        // The shift may have been cancelled since the slot was chosen: checked under its lock (see `cancelShift`).
        if try await lockShift(slot.shiftID, exclusive: false, on: db) {
            throw DomainError.invalid("slot", "That time is no longer offered: choose another.")
        }
        try await call.save(on: db)
        let hold = VideoSlotHold()
        hold.$shift.id = slot.shiftID
        hold.slotStart = slot.start
        hold.$call.id = call.id!
        try await hold.create(on: db)
    }

    /// Turns the database's refusals (a second hold on one slot; a second booked call for one victim) into
    /// clear answers.
    private static func holding(victimID: UUID?, on db: any Database, _ work: () async throws -> Void) async throws {
        do {
            try await work()
        } catch let error as any DatabaseError where error.isConstraintFailure {
            if let victimID, try await bookedCall(victimID: victimID, on: db) != nil {
                throw DomainError.conflict(field: "slot", message: "A call is already booked: change or cancel it.")
            }
            throw DomainError.conflict(field: "slot", message: "That time has just been taken: choose another.")
        }
    }

    /// Video only while the crime's current triage allows it (a later triage may say someone must attend).
    static func requireTriageAllowsVideo(_ crimeID: UUID, on db: any Database) async throws {
        let triage = try await ResponseTriageService.current(crimeID: crimeID, on: db)
        guard let triage, triage.offersVideo else {
            throw DomainError.invalid(
                "slot", triage?.triage.whyNoVideo ?? "Record the crime's triage first: video needs it.")
        }
    }
}
