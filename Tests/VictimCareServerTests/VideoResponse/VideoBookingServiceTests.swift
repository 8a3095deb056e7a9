import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 16, item 2: the rota, booking a slot once however many ask at once, moving and cancelling with the
/// victim told each time by a safe channel (with a calendar invitation by email), reminders sent once, and a
/// missed call followed up.
@Suite struct VideoBookingServiceTests {
    struct Setup {
        let world: World
        let supervisor: User
        let officer: User
        let shift: VideoShift
    }

    /// A supervisor's rota with one officer's two-hour shift starting in an hour.
    static func setup(_ app: Application) async throws -> Setup {
        let world = try await World(app)
        let supervisor = try await world.user("ps.rota", .supervisor, rank: "PS")
        let officer = try await world.user("pc.screen", .officer, rank: "PC")
        let start = Date().addingTimeInterval(3600)
        let shift = try await VideoBookingService.addShift(
            .init(
                officer: "pc.screen", startsAt: London.formatLocal(start),
                endsAt: London.formatLocal(start.addingTimeInterval(7200)), slotMinutes: "30"),
            context: world.context(supervisor), on: app.db)
        return Setup(world: world, supervisor: supervisor, officer: officer, shift: shift)
    }

    /// A victim of a new crime in SN who chose a video call.
    static func victimWhoChoseVideo(_ s: Setup, _ reference: String, on app: Application) async throws -> UUID {
        let crime = try await s.world.crime(reference, officer: s.officer)
        let ctx = s.world.context(s.officer)
        _ = try await ResponseTriageService.record(
            crime.crime.id!, ResponseTriageTests.calm(), context: ctx, on: app.db)
        let victimID = crime.victims[0].victimID
        _ = try await ResponseTriageService.choose(victimID, ResponseTriageTests.ready, context: ctx, on: app.db)
        return victimID
    }

    @Test func theRotaIsKeptByTheUnitsSupervisors() async throws {
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let rota = try await VideoBookingService.rota(context: s.world.context(s.supervisor), on: app.db)
            #expect(rota.shifts.map(\.id) == [s.shift.id])
            #expect(VideoBooking.slots(from: s.shift.startsAt, to: s.shift.endsAt, minutes: 30).count == 4)
            // An officer takes calls but does not keep the rota; another unit's supervisor sees their own.
            await #expect(throws: DomainError.self) {
                _ = try await VideoBookingService.rota(context: s.world.context(s.officer), on: app.db)
            }
            let east = try await s.world.user("ps.east", .supervisor, unit: s.world.ce)
            #expect(try await VideoBookingService.rota(context: s.world.context(east), on: app.db).shifts.isEmpty)
            // The same officer twice at once: refused.
            do {
                _ = try await VideoBookingService.addShift(
                    .init(
                        officer: "pc.screen", startsAt: London.formatLocal(s.shift.startsAt.addingTimeInterval(1800)),
                        endsAt: London.formatLocal(s.shift.endsAt.addingTimeInterval(1800)), slotMinutes: "30"),
                    context: s.world.context(s.supervisor), on: app.db)
                Issue.record("an overlapping shift was taken")
            } catch DomainError.conflict(let field, _) {
                #expect(field == "startsAt")
            }
            // Another unit's officer cannot be put on this unit's rota.
            _ = try await s.world.user("pc.east", .officer, unit: s.world.ce)
            do {
                _ = try await VideoBookingService.addShift(
                    .init(
                        officer: "pc.east", startsAt: London.formatLocal(s.shift.startsAt),
                        endsAt: London.formatLocal(s.shift.endsAt), slotMinutes: "30"),
                    context: s.world.context(s.supervisor), on: app.db)
                Issue.record("another unit's officer was put on the rota")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.field) == ["officer"])
            }
        }
    }

    /// A shift cancelled while a call is being booked on it: one of the two wins, and a booked call is never left on
    /// a cancelled shift (the victim would wait for a call no officer has).
    @Test func aShiftCancelledAsACallIsBookedOnItNeverKeepsTheCall() async throws {
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let supervisor = s.world.context(s.supervisor)
            let ctx = s.world.context(s.officer)
            /// An hour's shift `hours` after the first one ends, a victim who chose video, and the shift's first slot.
            func shiftAndVictim(_ hours: Double, _ reference: String) async throws -> (VideoShift, UUID, String) {
                let start = s.shift.endsAt.addingTimeInterval(hours * 3600)
                let shift = try await VideoBookingService.addShift(
                    .init(
                        officer: "pc.screen", startsAt: London.formatLocal(start),
                        endsAt: London.formatLocal(start.addingTimeInterval(3600)), slotMinutes: "30"),
                    context: supervisor, on: app.db)
                let victimID = try await Self.victimWhoChoseVideo(s, reference, on: app)
                return (shift, victimID, "\(shift.id!.uuidString)|\(Int(start.timeIntervalSince1970))")
            }
            for round in 1...6 {
                let (shift, victimID, slot) = try await shiftAndVictim(Double(round) * 3, "SN/00162\(round)0/26")
                async let booked: VideoCall? = try? VideoBookingService.book(
                    victimID, .init(slot: slot), context: ctx, on: app.db)
                async let cancelled: Void? = try? VideoBookingService.cancelShift(
                    shift.id!, context: supervisor, on: app.db)
                let (call, cancel) = await (booked, cancelled)
                let stored = try #require(try await VideoShift.find(shift.id, on: app.db))
                let onShift = try await VideoCall.query(on: app.db).filter(\.$shift.$id == shift.id!)
                    .filter(\.$stateCode == VideoCall.State.booked.rawValue).count()
                #expect(
                    !(stored.cancelledAt != nil && onShift > 0), "round \(round): a booked call on a cancelled shift")
                #expect((call != nil) != (cancel != nil), "round \(round): exactly one of the two went through")
            }
            // The moment itself, made certain: the shift is cancelled after the slot was chosen, before it is held.
            let (shift, victimID, slot) = try await shiftAndVictim(30, "SN/0016299/26")
            let shiftID = shift.id!
            let db = app.db
            do {
                _ = try await VideoBookingService.$beforeHolding.withValue({
                    try await VideoBookingService.cancelShift(shiftID, context: supervisor, on: db)
                }) {
                    try await VideoBookingService.book(victimID, .init(slot: slot), context: ctx, on: app.db)
                }
                Issue.record("a call was booked on a shift cancelled meanwhile")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.message) == ["That time is no longer offered: choose another."])
            }
            #expect(try await VideoCall.query(on: app.db).filter(\.$shift.$id == shiftID).count() == 0)
        }
    }

    @Test func aSlotIsBookedOnceHoweverManyAskAtOnce() async throws {
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let first = try await Self.victimWhoChoseVideo(s, "SN/0016101/26", on: app)
            let second = try await Self.victimWhoChoseVideo(s, "SN/0016102/26", on: app)
            let ctx = s.world.context(s.officer)
            let slot = try #require(try await VideoBookingService.freeSlots(unitID: s.world.sn.id!, on: app.db).first)
            @Sendable func attempt(_ victimID: UUID) async -> Result<VideoCall, any Error> {
                do {
                    return .success(
                        try await VideoBookingService.book(victimID, .init(slot: slot.value), context: ctx, on: app.db))
                } catch { return .failure(error) }
            }
            async let a = attempt(first)
            async let b = attempt(second)
            let results = [await a, await b]
            let won = results.compactMap { try? $0.get() }
            #expect(won.count == 1, "exactly one booking of the slot")
            let lost = results.compactMap { result -> String? in
                if case .failure(DomainError.conflict(_, let message)) = result { return message }
                return nil
            }
            #expect(lost == ["That time has just been taken: choose another."])
            #expect(try await VideoSlotHold.query(on: app.db).count() == 1)
            // The losing victim's booking left nothing behind: no call, no message.
            #expect(try await VideoCall.query(on: app.db).count() == 1)
            #expect(try await VideoCallMessage.query(on: app.db).count() == 1)
            let free = try await VideoBookingService.freeSlots(unitID: s.world.sn.id!, on: app.db)
            #expect(!free.contains(slot) && free.count == 3)
        }
    }

    @Test func bookMoveCancelEachToldByASafeChannelWithTheCalendar() async throws {
        let provider = CapturingProvider()
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let victimID = try await Self.victimWhoChoseVideo(s, "SN/0016103/26", on: app)
            try await VictimLinksTests.deliver(app, provider)
            let before = provider.messages.count
            let ctx = s.world.context(s.officer)
            let slots = try await VideoBookingService.freeSlots(unitID: s.world.sn.id!, on: app.db)
            let call = try await VideoBookingService.book(
                victimID, .init(slot: slots[1].value), context: ctx, on: app.db)
            #expect(call.version == 1 && call.opensAt == slots[1].start.addingTimeInterval(-900))
            // Asked twice: one call.
            await #expect(throws: DomainError.self) {
                try await VideoBookingService.book(victimID, .init(slot: slots[2].value), context: ctx, on: app.db)
            }
            try await VictimLinksTests.deliver(app, provider)
            let booked = try #require(provider.messages.dropFirst(before).last)
            #expect(booked.channel == .email && booked.subject == "Your video call is booked")
            #expect(booked.bodyText.contains(London.formatReadable(slots[1].start)))
            #expect(booked.bodyText.contains("/track/"), "the case page link to see or cancel it")
            let ics = try #require(booked.attachments.first)
            #expect(ics.contentType == "text/calendar; method=REQUEST")
            #expect(
                ics.data.contains("SEQUENCE:1\r\n") && ics.data.contains("DTSTART:\(ICalendar.utc(slots[1].start))"))
            #expect(!ics.data.contains("Theft") && !ics.data.contains("/track/"), "the calendar says nothing")

            let moved = try await VideoBookingService.change(
                victimID: victimID, .init(slot: slots[3].value), context: ctx, on: app.db)
            #expect(moved.version == 2)
            #expect(try await VideoSlotHold.query(on: app.db).all().map(\.slotStart) == [slots[3].start])
            try await VideoBookingService.cancel(
                victimID: victimID, reason: "Victim rang 101: now away", context: ctx, on: app.db)
            #expect(try await VideoSlotHold.query(on: app.db).count() == 0)
            try await VictimLinksTests.deliver(app, provider)
            // Delivered side by side: found by subject, not by order.
            let last = Array(provider.messages.suffix(2))
            let movedMail = try #require(last.first { $0.subject == "Your video call has moved" })
            let cancelMail = try #require(last.first { $0.subject == "Your video call is cancelled" })
            #expect(movedMail.attachments.first?.data.contains("SEQUENCE:2\r\n") == true)
            #expect(cancelMail.attachments.first?.contentType == "text/calendar; method=CANCEL")
            #expect(cancelMail.attachments.first?.data.contains("SEQUENCE:3\r\nDTSTAMP") == true)
            // Cancelled: nothing more to change.
            await #expect(throws: DomainError.self) {
                try await VideoBookingService.cancel(victimID: victimID, reason: nil, context: ctx, on: app.db)
            }
            #expect(try await s.world.auditCount("update", "video_call", call.id) == 2)
        }
    }

    @Test func nothingIsBookedThatCannotBeToldSafelyOrWasNotChosen() async throws {
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let ctx = s.world.context(s.officer)
            let plain = try await s.world.crime("SN/0016104/26", officer: s.officer)
            let slot = try #require(try await VideoBookingService.freeSlots(unitID: s.world.sn.id!, on: app.db).first)
            do {
                try await VideoBookingService.book(
                    plain.victims[0].victimID, .init(slot: slot.value), context: ctx, on: app.db)
                Issue.record("a call was booked for a victim who never chose one")
            } catch DomainError.invalid(let problems) {
                #expect(problems.first?.message.contains("not chosen a video call") == true)
            }
            let victimID = try await Self.victimWhoChoseVideo(s, "SN/0016105/26", on: app)
            let victim = try await VictimService.find(victimID, on: app.db)
            let person = try await PersonService.find(victim.$person.id, on: app.db)
            person.messagesOptOutValue = true
            try await person.save(on: app.db)
            do {
                try await VideoBookingService.book(victimID, .init(slot: "asap"), context: ctx, on: app.db)
                Issue.record("booked with no safe way to tell them")
            } catch DomainError.invalid(let problems) {
                #expect(problems.first?.message.contains("arrange the call with them by phone") == true)
            }
            #expect(try await VideoCall.query(on: app.db).count() == 0)
            // Another unit's officer: a reason with the booking itself.
            let east = try await s.world.user("pc.east", .officer, unit: s.world.ce)
            person.messagesOptOutValue = false
            try await person.save(on: app.db)
            do {
                try await VideoBookingService.book(
                    victimID, .init(slot: "asap"), context: s.world.context(east), on: app.db)
                Issue.record("another unit booked without a reason")
            } catch DomainError.reasonRequiredEachTime {}
            // A made-up slot is refused.
            do {
                try await VideoBookingService.book(
                    victimID, .init(slot: "\(s.shift.id!.uuidString)|12345"), context: ctx, on: app.db)
                Issue.record("a slot not on the rota was booked")
            } catch DomainError.invalid(let problems) {
                #expect(problems.map(\.message) == ["Choose a time from the list."])
            }
        }
    }

    @Test func remindersGoOnceAndAMissedCallIsFollowedUp() async throws {
        let provider = CapturingProvider()
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let victimID = try await Self.victimWhoChoseVideo(s, "SN/0016106/26", on: app)
            let ctx = s.world.context(s.officer)
            let slot = try #require(try await VideoBookingService.freeSlots(unitID: s.world.sn.id!, on: app.db).first)
            let call = try await VideoBookingService.book(victimID, .init(slot: slot.value), context: ctx, on: app.db)
            // Two hours before: nothing. Thirty minutes before, swept twice (two nodes): one reminder.
            #expect(try await VideoBookingService.sweep(now: slot.start.addingTimeInterval(-7200), on: app.db) == 0)
            #expect(try await VideoBookingService.sweep(now: slot.start.addingTimeInterval(-1800), on: app.db) == 1)
            #expect(try await VideoBookingService.sweep(now: slot.start.addingTimeInterval(-1700), on: app.db) == 0)
            #expect(
                try await VideoCallMessage.query(on: app.db).filter(\.$kind == "reminder").count() == 1)
            // The queue shows it once its link is near.
            let queue = try await VideoBookingService.queue(
                context: ctx, now: slot.start.addingTimeInterval(-600), on: app.db)
            #expect(queue.map(\.id) == [call.id])
            // Its window closes unanswered: missed, the officer asked to follow up, the victim told.
            #expect(try await VideoBookingService.sweep(now: call.closesAt.addingTimeInterval(1), on: app.db) == 1)
            let after = try #require(try await VideoCall.find(call.id, on: app.db))
            #expect(after.state == .missed)
            #expect(
                try await CaseRequest.query(on: app.db).filter(\.$victim.$id == victimID)
                    .filter(\.$kindCode == "video_call_missed").count() == 1)
            try await VictimLinksTests.deliver(app, provider)
            #expect(provider.messages.map(\.subject).contains("We missed you for your video call"))
            #expect(try await VideoBookingService.sweep(now: call.closesAt.addingTimeInterval(60), on: app.db) == 0)
        }
    }
}

extension VideoBookingServiceTests {
    @Test func thePagesRenderAndKeepWhatWasChosen() async throws {
        try await withTestApp { app in
            let s = try await Self.setup(app)
            let victimID = try await Self.victimWhoChoseVideo(s, "SN/0016107/26", on: app)
            var supervisor = Browser(app)
            _ = try await supervisor.signIn("ps.rota")
            let rota = try await supervisor.get("/video/rota")
            #expect(rota.status == .ok && rota.body.string.contains("Pc.Screen"))
            let bad = try await supervisor.post(
                "/video/rota", [("officer", "pc.screen"), ("startsAt", "2026-13-01T09:00"), ("slotMinutes", "30")])
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("Enter when the shift starts."))
            // A call length as long as an integer goes: checked before any slot is worked out from it.
            let tomorrow = London.date(of: Date()).adding(days: 1).description
            let huge = try await supervisor.post(
                "/video/rota",
                [
                    ("officer", "pc.screen"), ("startsAt", tomorrow + "T09:00"), ("endsAt", tomorrow + "T11:00"),
                    ("slotMinutes", "9223372036854775807"),
                ])
            #expect(huge.status == .unprocessableEntity && huge.body.string.contains("Choose the length of each call."))
            var officer = Browser(app)
            _ = try await officer.signIn("pc.screen")
            #expect(try await officer.get("/video/rota").status == .forbidden)
            let page = try await officer.get("/victims/\(victimID)/video-call")
            #expect(page.status == .ok && page.body.string.contains("Book the call"))
            let slot = try #require(try await VideoBookingService.freeSlots(unitID: s.world.sn.id!, on: app.db).last)
            let none = try await officer.post("/victims/\(victimID)/video-call", [("slot", "")])
            #expect(
                none.status == .unprocessableEntity
                    && none.body.string.contains("Choose a time, or as soon as possible."))
            #expect(
                try await officer.post("/victims/\(victimID)/video-call", [("slot", slot.value)]).status == .seeOther)
            let booked = try await officer.get("/victims/\(victimID)/video-call")
            #expect(booked.body.string.contains("Move the call"))
            let queue = try await officer.get("/video/queue")
            #expect(queue.status == .ok)
            let cancelled = try await officer.post(
                "/victims/\(victimID)/video-call/cancel", [("reason", "Zmiana planów — 予定変更")])
            #expect(cancelled.status == .seeOther)
            let after = try await officer.get("/victims/\(victimID)/video-call")
            #expect(after.status == .ok && after.body.string.contains("予定変更"))
            // The rota shows the shift free again.
            #expect(try await supervisor.get("/video/rota").body.string.contains("None"))
        }
    }
}
