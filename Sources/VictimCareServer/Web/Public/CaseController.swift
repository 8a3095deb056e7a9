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
        var canUseDateOfBirth: Bool
        var locked: Bool
        var version: String
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
        var _csrf: String?
    }

    // MARK: the way in

    private func link(_ req: Request) async throws -> (VictimLink, String) {
        let secret = req.parameters.get("secret") ?? ""
        switch try await VictimLinkService.find(secret: secret, purposes: [.track], on: req.db) {
        case .valid(let link): return (link, secret)
        case .expired: throw Abort(.gone, reason: "This link has expired. Ask your officer for a new one, or call 101")
        case .unknown: throw Abort(.notFound, reason: "This link is not valid")
        }
    }

    /// The session cookie's link, if it belongs to this case link and is still good.
    private func session(_ req: Request, for link: VictimLink) async throws -> (VictimLink, String)? {
        let secret = req.cookies[Self.cookie]?.string
        guard let session = try await CaseAccess.session(secret: secret, on: req.db), session.parentID == link.id
        else { return nil }
        return (session, secret!)
    }

    private func csrf(_ sessionSecret: String) -> String {
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
                Int($0?.trimmingCharacters(in: .whitespaces) ?? "")
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
                errors: [
                    .init(field: "dobDay", message: "Too many tries. Try again in \(max(1, seconds / 60)) minutes")
                ],
                values: values, status: .tooManyRequests)
        }
    }

    @Sendable func sendCode(req: Request) async throws -> Response {
        let (link, secret) = try await link(req)
        do {
            let channel = try await CaseAccess.sendCode(link, ip: req.clientIP, on: req.db)
            let notice =
                channel == .sms
                ? "We are sending a code by text message to the number you gave us. It can take a minute."
                : "We are sending a code by email to the address you gave us. It can take a minute."
            return try await render(
                req, link: link, secret: secret, notice: notice, errors: [], values: [:], status: .ok)
        } catch DomainError.conflict(_, let message) {
            return try await render(
                req, link: link, secret: secret, notice: nil, errors: [.init(field: "code", message: message)],
                values: [:], status: .conflict)
        } catch DomainError.rateLimited {
            return try await render(
                req, link: link, secret: secret, notice: nil,
                errors: [
                    .init(field: "code", message: "We have sent several codes already. Wait 15 minutes, then ask again")
                ],
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
            throw Abort(.forbidden, reason: "The form has expired; reload the page")
        }
        do {
            try await action(link.$victim.id, form)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, link: link, secret: secret, notice: nil, errors: errors,
                values: [
                    "callBackTimes": form.callBackTimes ?? "", "preferredTimes": form.preferredTimes ?? "",
                    "preferredContact": form.preferredContact ?? "",
                ],
                status: .unprocessableEntity)
        }
        return try await render(req, link: link, secret: secret, notice: done, errors: [], values: [:], status: .ok)
    }

    @Sendable func callBack(req: Request) async throws -> Response {
        let ip = req.clientIP
        return try await change(req, "Thank you. We have asked your officer to call you back.") { victimID, form in
            try await CaseAccess.requestCallBack(victimID: victimID, when: form.callBackTimes, ip: ip, on: req.db)
        }
    }

    @Sendable func contact(req: Request) async throws -> Response {
        let ip = req.clientIP
        return try await change(req, "Thank you. We will contact you that way from now on.") { victimID, form in
            try await CaseAccess.changeContact(
                victimID: victimID, method: form.preferredContact, times: form.preferredTimes, ip: ip, on: req.db)
        }
    }

    @Sendable func messages(req: Request) async throws -> Response {
        let ip = req.clientIP
        let optOut = (try? req.content.decode(Form.self))?.optOut == "yes"
        return try await change(
            req,
            optOut
                ? "We will not send you emails or text messages. Your officer can still call you."
                : "We will send you emails and text messages again."
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
        let victim = try await VictimService.find(link.$victim.id, on: req.db)
        let person = try await PersonService.find(victim.$person.id, on: req.db)
        let text = LeafletText(req.application.translations, person.language)
        var context = Context(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr",
            title: (errors.isEmpty ? "" : "Error: ") + "Your case", basePath: "/track/\(secret)", notice: notice,
            errors: errors, values: values, signedIn: false, csrf: "", summary: [], duties: [], rights: [],
            methods: [], optedOut: person.messagesOptOut, canUseDateOfBirth: person.dateOfBirth != nil,
            locked: (link.lockedUntil ?? .distantPast) > Date(), version: text.version)
        if let (_, sessionSecret) = try await session(req, for: link) {
            try await AuditLog.recordVictim(
                .view, "victim", victim.id, summary: "case page", ip: req.clientIP, on: req.db)
            let crime = try await CrimeService.find(victim.$crime.id, on: req.db)
            let officer = try await crime.$officerInCase.id.asyncFlatMap { try await User.find($0, on: req.db) }
            let unit = try await CommandUnit.find(crime.$commandUnit.id, on: req.db)
            let policy = try await VictimsCodeConfig.current(on: req.db).currentPolicy
            let duties = Dictionary(policy.rules.map { ($0.code, $0.duty) }, uniquingKeysWith: { first, _ in first })
            let obligations = try await ObligationRecord.query(on: req.db).filter(\.$victim.$id == victim.id!)
                .sort(\.$dueAt).all()
            let now = Date()
            let open = obligations.filter { $0.state == "open" }
            let referral = obligations.first { $0.code == "R7" }
            context.signedIn = true
            context.csrf = csrf(sessionSecret)
            context.title = "Your case \(crime.reference)"
            context.summary = [
                .init(label: "Crime reference", value: crime.reference),
                .init(label: "What was reported", value: crime.offenceDescription),
                .init(label: "Where the case is", value: crime.status.label),
                .init(
                    label: "Your officer",
                    value: officer.map { o in
                        ["\(o.rank.map { $0 + " " } ?? "")\(o.displayName)", unit?.name].compactMap { $0 }
                            .joined(separator: ", ")
                    } ?? "Not yet allocated"),
                .init(
                    label: "Next update due",
                    value: open.first.map { "By \(Display.date($0.dueDate)): \(duties[$0.code] ?? $0.code)" }
                        ?? "Nothing is due from us at the moment"),
                .init(
                    label: "Support referral",
                    value: victim.referralConsent.label
                        + (referral.map { $0.status(now: now) == .met ? ", referral made" : "" } ?? "")),
                .init(
                    label: "How we contact you",
                    value: [
                        ContactMethod.code(person.preferredContact)?.label ?? "Not chosen yet", person.preferredTimes,
                    ]
                    .compactMap { $0 }.joined(separator: ", ")),
            ]
            context.duties = obligations.filter { $0.state != "not_applicable" }.map { o in
                let status: String =
                    switch o.status(now: now) {
                    case .met: "Done"
                    case .overdue: "Late"
                    case .due: "Due"
                    case .waived: "Not needed"
                    case .notApplicable: "Not needed"
                    }
                return Duty(what: duties[o.code] ?? o.code, due: Display.date(o.dueDate), status: status)
            }
            context.rights = text.rights
            context.methods = [ContactMethod.phone, .email, .sms, .letter, .inPerson].map {
                SelectOption(
                    value: $0.rawValue, label: $0.label,
                    selected: $0.rawValue == (values["preferredContact"] ?? person.preferredContact))
            }
        } else {
            try await VictimLinkService.recordOpen(link, on: req.db)
        }
        let response = try await req.render("Public/case", context, status: status)
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        return response
    }
}
