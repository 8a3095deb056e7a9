import Fluent
import Vapor
import VictimCareDomain

/// "Track my crime": the victim's own case page. The link alone shows only a sign-in step (date of birth, or a
/// one-time code by their preferred safe channel); after it, a short session in an HttpOnly cookie scoped to
/// this page. The victim sees the status, their officer, when the next update is due, their support referral
/// and their rights, and can ask for a call back, change how we contact them, or opt out of messages.
struct CaseController: RouteCollection {
    static let cookie = "vc_case"

    func boot(routes: any RoutesBuilder) throws {
        let page = routes.grouped("track", ":secret")
        page.get(use: show).access(.open("the victim's own case link, then their date of birth or a code"))
        page.post("verify", use: verify).access(.open("the victim's own case link"))
        page.post("code", use: sendCode).access(.open("the victim's own case link"))
        page.post("call-back", use: callBack).access(.open("the victim's case page session"))
        page.post("visit", use: visit).access(.open("the victim's case page session"))
        page.post("video-cancel", use: cancelVideo).access(.open("the victim's case page session"))
        page.get("calendar.ics", use: calendar).access(.open("the victim's case page session"))
        page.post("contact", use: contact).access(.open("the victim's case page session"))
        page.post("messages", use: messages).access(.open("the victim's case page session"))
        page.post("sign-out", use: signOut).access(.open("the victim's case page session"))
    }

    struct Row: Encodable {
        var label: String
        var value: String
    }

    struct Duty: Encodable {
        var what: String
        var due: String
        var status: String
    }

    struct Context: Encodable {
        var lang: String
        var dir: String
        var title: String
        var heading: String
        var basePath: String
        var notice: String?
        var errors: [FieldError]
        var values: [String: String]
        // signed in
        var signedIn: Bool
        var csrf: String
        var summary: [Row]
        var duties: [Duty]
        var rights: [LeafletText.Right]
        var methods: [SelectOption]
        var optedOut: Bool
        /// They chose a video call: a visit can be asked for instead (issue 16).
        var videoChosen = false
        /// Their booked call: when, said in their language.
        var videoWhen: String?
        var videoHasSlot = false
        var canUseDateOfBirth: Bool
        var locked: Bool
        var version: String
        /// The page's words in the victim's language (`case.*` keys; see ``LeafletText/words(_:)``).
        var t: [String: String]
        var exit: ExitWords
    }

    struct Form: Content {
        var method: String?
        var dobDay: String?
        var dobMonth: String?
        var dobYear: String?
        var code: String?
        var callBackTimes: String?
        var preferredContact: String?
        var preferredTimes: String?
        var optOut: String?
        var visitNote: String?
        var _csrf: String?
    }

    // MARK: the way in

    func link(_ req: Request) async throws -> (VictimLink, String) {
        let secret = req.parameters.get("secret") ?? ""
        switch try await VictimLinkService.find(secret: secret, purposes: [.track], on: req.db) {
        case .valid(let link): return (link, secret)
        case .expired: throw Abort(.gone, reason: "This link has expired. Ask your officer for a new one, or call 101.")
        case .unknown:
            throw Abort(.notFound, reason: "This link does not work. Check you copied all of it, or call 101.")
        }
    }

    /// The session cookie's link, if it belongs to this case link and is still good.
    func session(_ req: Request, for link: VictimLink) async throws -> (VictimLink, String)? {
        let secret = req.cookies[Self.cookie]?.string
        guard let session = try await CaseAccess.session(secret: secret, on: req.db), session.parentID == link.id
        else { return nil }
        return (session, secret!)
    }

    func csrf(_ sessionSecret: String) -> String {
        String(Secrets.sha256Hex("case-page-form:" + sessionSecret).prefix(32))
    }

    @Sendable func show(req: Request) async throws -> Response {
        let (link, secret) = try await link(req)
        return try await render(req, link: link, secret: secret, notice: nil, errors: [], values: [:], status: .ok)
    }

    @Sendable func verify(req: Request) async throws -> Response {
        let (link, secret) = try await link(req)
        let form = try req.content.decode(Form.self)
        let factor: CaseAccess.Factor
        if form.method == "code" {
            factor = .code(form.code)
        } else {
            let parts = [form.dobYear, form.dobMonth, form.dobDay].map {
                Int($0?.trimmingWhitespace() ?? "")
            }
            let date =
                parts.allSatisfy({ $0 != nil })
                ? LocalDate(year: parts[0]!, month: parts[1]!, day: parts[2]!)?.description : nil
            factor = .dateOfBirth(date ?? "")
        }
        let values = ["dobDay": form.dobDay ?? "", "dobMonth": form.dobMonth ?? "", "dobYear": form.dobYear ?? ""]
        do {
            let session = try await CaseAccess.verify(
                link, factor, settings: req.config.links, ip: req.clientIP, on: req.db)
            let response = req.redirect(to: "/track/\(secret)")
            response.cookies[Self.cookie] = HTTPCookies.Value(
                string: session.secret, expires: session.link.expiresAt, maxAge: nil,
                path: "/track/\(secret)", isSecure: req.config.secureCookies ?? req.arrivedOverTLS, isHTTPOnly: true,
                sameSite: .strict)
            return response
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, link: link, secret: secret, notice: nil, errors: errors, values: values,
                status: .unprocessableEntity)
        } catch DomainError.rateLimited(let seconds) {
            return try await render(
                req, link: link, secret: secret, notice: nil,
                errors: [.init(field: "dobDay", message: "case.error.too_many|\(max(1, seconds / 60))")],
                values: values, status: .tooManyRequests)
        }
    }

    @Sendable func sendCode(req: Request) async throws -> Response {
        let (link, secret) = try await link(req)
        do {
            let channel = try await CaseAccess.sendCode(link, ip: req.clientIP, on: req.db)
            let notice = channel == .sms ? "case.done.code_sms" : "case.done.code_email"
            return try await render(
                req, link: link, secret: secret, notice: notice, errors: [], values: [:], status: .ok)
        } catch DomainError.conflict(_, let message) {
            return try await render(
                req, link: link, secret: secret, notice: nil, errors: [.init(field: "code", message: message)],
                values: [:], status: .conflict)
        } catch DomainError.rateLimited {
            return try await render(
                req, link: link, secret: secret, notice: nil,
                errors: [.init(field: "code", message: "case.error.codes_sent")],
                values: [:], status: .tooManyRequests)
        }
    }

    // MARK: what a signed-in victim can do

    /// Runs a change for the signed-in victim, checking the session and the form token first.
    private func change(
        _ req: Request, _ done: String, _ action: @escaping @Sendable (UUID, Form) async throws -> Void
    ) async throws -> Response {
        let (link, secret) = try await link(req)
        guard let (_, sessionSecret) = try await session(req, for: link) else {
            return req.redirect(to: "/track/\(secret)")
        }
        let form = try req.content.decode(Form.self)
        guard form._csrf == csrf(sessionSecret) else {
            // The victim's answer is not lost behind an error page: the page comes back with it, saying so.
            return try await render(
                req, link: link, secret: secret, notice: nil,
                errors: [.init(field: "main", message: "case.error.expired")],
                values: [
                    "callBackTimes": form.callBackTimes ?? "", "preferredTimes": form.preferredTimes ?? "",
                    "preferredContact": form.preferredContact ?? "", "visitNote": form.visitNote ?? "",
                ], status: .forbidden)
        }
        do {
            try await action(link.$victim.id, form)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, link: link, secret: secret, notice: nil, errors: errors,
                values: [
                    "callBackTimes": form.callBackTimes ?? "", "preferredTimes": form.preferredTimes ?? "",
                    "preferredContact": form.preferredContact ?? "", "visitNote": form.visitNote ?? "",
                ],
                status: .unprocessableEntity)
        }
        return try await render(req, link: link, secret: secret, notice: done, errors: [], values: [:], status: .ok)
    }

    @Sendable func callBack(req: Request) async throws -> Response {
        let ip = req.clientIP
        return try await change(req, "case.done.call_back") { victimID, form in
            try await CaseAccess.requestCallBack(victimID: victimID, when: form.callBackTimes, ip: ip, on: req.db)
        }
    }

    @Sendable func visit(req: Request) async throws -> Response {
        let ip = req.clientIP
        return try await change(req, "case.done.visit") { victimID, form in
            try await CaseAccess.requestVisit(victimID: victimID, note: form.visitNote, ip: ip, on: req.db)
        }
    }

    @Sendable func cancelVideo(req: Request) async throws -> Response {
        let ip = req.clientIP
        return try await change(req, "case.done.video_cancelled") { victimID, _ in
            try await VideoBookingService.cancelByVictim(victimID: victimID, ip: ip, on: req.db)
        }
    }

    /// The booked call as a calendar file, for a victim whose email did not bring one (a text message).
    @Sendable func calendar(req: Request) async throws -> Response {
        let (link, secret) = try await link(req)
        guard try await session(req, for: link) != nil else { return req.redirect(to: "/track/\(secret)") }
        let page = try await CaseAccess.page(link, signedIn: false, on: req.db)
        let text = LeafletText(req.application.translations, page.person.language)
        guard let call = try await VideoBookingService.bookedCall(victimID: link.$victim.id, on: req.db),
            let event = call.calendarEvent(
                text, sequence: call.version, organizer: req.config.messaging.mailFrom, attendee: nil)
        else { throw Abort(.notFound, reason: "No video call is booked.") }
        let response = Response(
            status: .ok, body: .init(string: ICalendar.document(event, method: .request, stamp: Date())))
        response.headers.contentType = HTTPMediaType(
            type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"video-call.ics\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable func contact(req: Request) async throws -> Response {
        let ip = req.clientIP
        return try await change(req, "case.done.contact") { victimID, form in
            try await CaseAccess.changeContact(
                victimID: victimID, method: form.preferredContact, times: form.preferredTimes, ip: ip, on: req.db)
        }
    }

    @Sendable func messages(req: Request) async throws -> Response {
        let ip = req.clientIP
        let optOut = (try? req.content.decode(Form.self))?.optOut == "yes"
        return try await change(
            req,
            optOut ? "case.done.stopped" : "case.done.restarted"
        ) { victimID, _ in
            try await CaseAccess.setOptOut(victimID: victimID, optOut, ip: ip, on: req.db)
        }
    }

    @Sendable func signOut(req: Request) async throws -> Response {
        let (link, secret) = try await link(req)
        if let (session, sessionSecret) = try await session(req, for: link),
            (try? req.content.decode(Form.self))?._csrf == csrf(sessionSecret)
        {
            try await CaseAccess.end(session, on: req.db)
        }
        let response = req.redirect(to: "/track/\(secret)")
        response.cookies[Self.cookie] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), path: "/track/\(secret)", isHTTPOnly: true,
            sameSite: .strict)
        return response
    }

    // MARK: the page

    private func render(
        _ req: Request, link: VictimLink, secret: String, notice: String?, errors: [FieldError],
        values: [String: String], status: HTTPResponseStatus
    ) async throws -> Response {
        let page = try await CaseAccess.page(link, signedIn: try await session(req, for: link) != nil, on: req.db)
        let text = LeafletText(req.application.translations, page.person.language)
        /// A message is a catalogue key (with `|` and the minutes for "too many tries"), said in their language.
        func say(_ message: String) -> String {
            let parts = message.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts[0].hasPrefix("case.") else { return message }
            return text.t(parts[0], parts.count > 1 ? ["minutes": parts[1]] : [:])
        }
        var words = text.words("case.")
        words["error_summary"] = text.t("error.summary")
        var context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr",
            title: (errors.isEmpty ? "" : text.t("error.prefix") + " ") + text.t("case.title"),
            heading: text.t("case.title"), basePath: "/track/\(secret)", notice: notice.map(say),
            errors: errors.map { FieldError(field: $0.field, message: say($0.message)) }, values: values,
            signedIn: false, csrf: "", summary: [], duties: [], rights: [], methods: [],
            optedOut: page.person.messagesOptOut, canUseDateOfBirth: page.person.dateOfBirth != nil,
            locked: (link.lockedUntil ?? .distantPast) > Date(), version: text.version, t: words, exit: text.exit)
        if let (_, sessionSecret) = try await session(req, for: link), let crime = page.crime {
            try await AuditLog.recordVictim(
                .view, "victim", page.victim.id, summary: "case page", ip: req.clientIP, on: req.db)
            let now = Date()
            func duty(_ code: String) -> String {
                let key =
                    code.hasPrefix("VRR1")
                    ? "duty.review_ack" : code.hasPrefix("VRR2") ? "duty.review_done" : "duty.\(code)"
                return text.translations.catalogues[Translations.fallback]?[key] != nil
                    ? text.t(key) : text.t("duty.other")
            }
            func method(_ code: String?) -> String? { ContactMethod.code(code).map { text.t("method.\($0.rawValue)") } }
            let open = page.obligations.filter { $0.state == "open" }
            let referred = page.obligations.first { $0.code == "R7" }.map { $0.status(now: now) == .met } ?? false
            context.signedIn = true
            context.videoChosen = page.videoChosen
            if let call = page.videoCall {
                let when = call.slotStart.map { London.formatReadable($0) } ?? text.t("video.asap_when")
                context.videoWhen = text.t("case.video.text", ["when": when])
                context.videoHasSlot = call.slotStart != nil
            }
            context.csrf = csrf(sessionSecret)
            context.heading = text.t("case.title_reference", ["reference": crime.reference])
            context.title = (errors.isEmpty ? "" : text.t("error.prefix") + " ") + context.heading
            context.summary = [
                .init(label: text.t("case.summary.reference"), value: crime.reference),
                .init(label: text.t("case.summary.offence"), value: crime.offenceDescription),
                .init(label: text.t("case.summary.status"), value: text.t("case.status.\(crime.statusCode)")),
                .init(
                    label: text.t("case.summary.officer"),
                    value: page.officer.map { o in
                        ["\(o.rank.map { $0 + " " } ?? "")\(o.displayName)", page.unit?.name].compactMap { $0 }
                            .joined(separator: ", ")
                    } ?? text.t("case.officer.none")),
                .init(
                    label: text.t("case.summary.next"),
                    value: open.first.map {
                        text.t("case.next.by", ["date": Display.date($0.dueDate), "duty": duty($0.code)])
                    } ?? text.t("case.next.none")),
                .init(
                    label: text.t("case.summary.referral"),
                    value: referred
                        ? text.t("case.referral.made") : text.t("case.referral.\(page.victim.referralConsentCode)")),
                .init(
                    label: text.t("case.summary.contact"),
                    value: [
                        method(page.person.preferredContact) ?? text.t("case.method.none"), page.person.preferredTimes,
                    ]
                    .compactMap { $0 }.joined(separator: ", ")),
            ]
            context.duties = page.obligations.filter { $0.state != "not_applicable" }.map { o in
                let status: String =
                    switch o.status(now: now) {
                    case .met: text.t("case.duty.done")
                    case .overdue: text.t("case.duty.late")
                    case .due: text.t("case.duty.due")
                    case .waived, .notApplicable: text.t("case.duty.not_needed")
                    }
                return Duty(what: duty(o.code), due: Display.date(o.dueDate), status: status)
            }
            context.rights = text.rights
            context.methods = [ContactMethod.phone, .email, .sms, .letter, .inPerson].map {
                SelectOption(
                    value: $0.rawValue, label: text.t("method.\($0.rawValue)"),
                    selected: $0.rawValue == (values["preferredContact"] ?? page.person.preferredContact))
            }
        } else {
            try await VictimLinkService.recordOpen(link, on: req.db)
        }
        let response = try await req.render("Public/case", context, status: status)
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        return response
    }
}
