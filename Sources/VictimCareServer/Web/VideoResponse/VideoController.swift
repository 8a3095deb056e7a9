import Fluent
import Vapor
import VictimCareDomain

/// Issue 16, item 2: the unit's video rota, the calls due now, and booking, moving and cancelling a victim's
/// call.
struct VideoController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let video = routes.grouped("video")
        video.get("rota", use: rota).access(.ownUnitList(.manageVideoRota))
        video.post("rota", use: addShift).access(.ownUnitList(.manageVideoRota))
        video.post("rota", ":shiftID", "cancel", use: cancelShift).access(.ownUnitList(.manageVideoRota))
        video.get("queue", use: queue).access(.ownUnitList(.conductVideoCall))
        let victim = routes.grouped("victims", ":victimID", "video-call")
        victim.get(use: booking).access(.form(change: .conductVideoCall, read: .viewPerson, .victim("victimID")))
        victim.post(use: book).access(.record(.conductVideoCall, .victim("victimID")))
        victim.post("change", use: change).access(.record(.conductVideoCall, .victim("victimID")))
        victim.post("cancel", use: cancel).access(.record(.conductVideoCall, .victim("victimID")))
    }

    // MARK: the rota

    struct RotaContext: Encodable {
        struct Shift: Encodable {
            var id: UUID
            var officer: String
            var when: String
            var slots: Int
            var booked: [String]
        }
        var chrome: Chrome
        var unit: String
        var shifts: [Shift]
        var officers: [SelectOption]
        var lengths: [SelectOption]
        var values: [String: String]
    }

    struct ShiftForm: Content {
        var officer: String?
        var startsAt: String?
        var endsAt: String?
        var slotMinutes: String?
    }

    @Sendable func rota(req: Request) async throws -> Response {
        try await renderRota(req, values: [:], errors: [], status: .ok)
    }

    @Sendable func addShift(req: Request) async throws -> Response {
        let form = try req.content.decode(ShiftForm.self)
        do {
            let shift = try await VideoBookingService.addShift(
                .init(
                    officer: form.officer, startsAt: form.startsAt, endsAt: form.endsAt, slotMinutes: form.slotMinutes),
                context: try req.accessContext(), on: req.db)
            req.flash("Shift added: \(Display.time(shift.startsAt)) to \(Display.time(shift.endsAt)).")
            return req.redirect(to: "/video/rota")
        } catch let error as DomainError {
            let values = [
                "officer": form.officer ?? "", "startsAt": form.startsAt ?? "", "endsAt": form.endsAt ?? "",
                "slotMinutes": form.slotMinutes ?? "",
            ]
            switch error {
            case .invalid(let errors):
                return try await renderRota(req, values: values, errors: errors, status: .unprocessableEntity)
            case .conflict(let field, let message):
                return try await renderRota(
                    req, values: values, errors: [.init(field: field, message: message)], status: .conflict)
            default: throw error
            }
        }
    }

    @Sendable func cancelShift(req: Request) async throws -> Response {
        let id = try req.uuid("shiftID")
        do {
            try await VideoBookingService.cancelShift(id, context: try req.accessContext(), on: req.db)
            req.flash("Shift taken off the rota.")
            return req.redirect(to: "/video/rota")
        } catch DomainError.conflict(let field, let message) {
            return try await renderRota(
                req, values: [:], errors: [.init(field: field, message: message)], status: .conflict)
        }
    }

    private func renderRota(_ req: Request, values: [String: String], errors: [FieldError], status: HTTPResponseStatus)
        async throws -> Response
    {
        let rota = try await VideoBookingService.rota(context: try req.accessContext(), on: req.db)
        let context = RotaContext(
            chrome: Chrome(req, title: "Video rota", section: "video", errors: errors),
            unit: "\(rota.unit.code) - \(rota.unit.name)",
            shifts: rota.shifts.map { shift in
                RotaContext.Shift(
                    id: shift.id!, officer: rota.officers.first { $0.id == shift.$officer.id }?.displayName ?? "",
                    when:
                        "\(Display.time(shift.startsAt)) to \(Display.time(shift.endsAt)), \(shift.slotMinutes)-minute calls",
                    slots: VideoBooking.slots(from: shift.startsAt, to: shift.endsAt, minutes: shift.slotMinutes).count,
                    booked: (rota.calls[shift.id!] ?? []).compactMap { $0.slotStart.map(Display.time) })
            },
            officers: [SelectOption(value: "", label: "Choose", selected: (values["officer"] ?? "").isEmpty)]
                + rota.officers.map {
                    SelectOption(
                        value: $0.username, label: "\($0.rank.map { $0 + " " } ?? "")\($0.displayName)",
                        selected: $0.username == values["officer"])
                },
            lengths: VideoBooking.slotMinutes.sorted().map {
                SelectOption(
                    value: String($0), label: "\($0) minutes", selected: String($0) == (values["slotMinutes"] ?? "30"))
            },
            values: values)
        return try await req.render("Video/rota", context, status: status)
    }

    // MARK: the queue

    struct QueueContext: Encodable {
        struct Line: Encodable {
            var victimID: UUID
            var when: String
            var officer: String
            var status: String
        }
        var chrome: Chrome
        var calls: [Line]
    }

    @Sendable func queue(req: Request) async throws -> Response {
        let now = Date()
        let calls = try await VideoBookingService.queue(context: try req.accessContext(), now: now, on: req.db)
        let context = QueueContext(
            chrome: Chrome(req, title: "Video calls due now", section: "video", errors: []),
            calls: calls.map { call in
                QueueContext.Line(
                    victimID: call.$victim.id,
                    when: call.slotStart.map(Display.time)
                        ?? "As soon as possible (booked \(Display.time(call.createdAt)))",
                    officer: call.officerName ?? "Whoever is free",
                    status: call.opensAt > now ? "Link opens \(Display.time(call.opensAt))" : "Link open now")
            })
        return try await req.render("Video/queue", context)
    }

    // MARK: booking

    struct BookingContext: Encodable {
        struct Past: Encodable {
            var when: String
            var state: String
            var reason: String
        }
        var chrome: Chrome
        var victimID: UUID
        var crimeID: UUID
        var reference: String
        var name: String
        var outsideUnit: Bool
        var choseVideo: Bool
        var booked: String?
        var slots: [SelectOption]
        var past: [Past]
    }

    struct BookForm: Content {
        var slot: String?
        var reason: String?
    }

    @Sendable func booking(req: Request) async throws -> Response {
        try await renderBooking(req, try req.uuid("victimID"), slot: nil, errors: [], status: .ok)
    }

    @Sendable func book(req: Request) async throws -> Response {
        try await act(req, done: "Video call booked; they are told by their safest channel.") { id, form, context in
            try await VideoBookingService.book(id, .init(slot: form.slot), context: context, on: req.db)
        }
    }

    @Sendable func change(req: Request) async throws -> Response {
        try await act(req, done: "Video call moved; they are told.") { id, form, context in
            _ = try await VideoBookingService.change(victimID: id, .init(slot: form.slot), context: context, on: req.db)
        }
    }

    @Sendable func cancel(req: Request) async throws -> Response {
        try await act(req, done: "Video call cancelled; they are told.") { id, form, context in
            try await VideoBookingService.cancel(victimID: id, reason: form.reason, context: context, on: req.db)
        }
    }

    private func act(
        _ req: Request, done: String, _ work: (UUID, BookForm, AccessContext) async throws -> Void
    ) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(BookForm.self)
        do {
            try await work(id, form, try req.accessContext())
        } catch DomainError.invalid(let errors) {
            return try await renderBooking(req, id, slot: form.slot, errors: errors, status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            return try await renderBooking(
                req, id, slot: form.slot, errors: [.init(field: field, message: message)], status: .conflict)
        }
        req.flash(done)
        return req.redirect(to: "/victims/\(id)/video-call")
    }

    private func renderBooking(
        _ req: Request, _ id: UUID, slot: String?, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let b = try await VideoBookingService.booking(id, context: try req.accessContext(), on: req.db)
        let context = BookingContext(
            chrome: Chrome(req, title: "Video call for \(b.person.fullName)", section: "crimes", errors: errors),
            victimID: id, crimeID: b.crime.id!, reference: b.crime.reference, name: b.person.fullName,
            outsideUnit: b.outsideUnit, choseVideo: b.choseVideo,
            booked: b.booked.map { call in
                (call.slotStart.map { "\(Display.time($0)) with \(call.officerName ?? "the video team")" }
                    ?? "As soon as possible, booked \(Display.time(call.createdAt))")
                    + " (told by \(call.channelCode == "sms" ? "text message" : "email"))"
            },
            slots: [SelectOption(value: "", label: "Choose a time", selected: slot == nil)]
                + [SelectOption(value: "asap", label: "As soon as possible (within 4 hours)", selected: slot == "asap")]
                + b.slots.map {
                    SelectOption(
                        value: $0.value, label: "\(Display.time($0.start)), \($0.minutes) minutes, \($0.officerName)",
                        selected: $0.value == slot)
                },
            past: b.past.map {
                .init(
                    when: $0.slotStart.map(Display.time) ?? "As soon as possible", state: $0.state.label,
                    reason: $0.endedReason ?? "")
            })
        return try await req.render("Video/booking", context, status: status)
    }
}
