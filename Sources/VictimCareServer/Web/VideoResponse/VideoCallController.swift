import Fluent
import NIOWebSocket
import Vapor
import VictimCareDomain

/// Issue 16, items 3 and 4: the call pages and their signalling sockets. The victim's page hangs off their
/// case page (their link and second factor); the officer's off the victim's booking. Sockets are checked
/// before the upgrade, including their Origin (a page elsewhere cannot open one with the victim's cookies).
struct VideoCallController: RouteCollection {
    /// The browser's secret for one call: named by the call and sent to every case page path, so the same
    /// browser gets back in from any of the links the messages brought.
    static func browserCookie(_ callID: UUID) -> String { "vc_call_" + callID.uuidString.lowercased().prefix(8) }

    /// The cookie that holds a browser's secret for a way into a call (the victim's, or a guest's): a day, only
    /// under `path`, never to scripts or other sites.
    static func browserCookie(_ secret: String, path: String, _ req: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: secret, expires: Date().addingTimeInterval(86_400), path: path,
            isSecure: req.config.secureCookies ?? req.arrivedOverTLS, isHTTPOnly: true, sameSite: .strict)
    }
    let cases = CaseController()

    func boot(routes: any RoutesBuilder) throws {
        let victim = routes.grouped("track", ":secret", "call")
        victim.get(use: victimPage).access(.open("the victim's case page session, in its window"))
        victim.post("not-safe", use: notSafe).access(.open("the victim's case page session"))
        victim.get("signal", use: victimSignal).access(.open("the victim's case page session and the bound browser"))
        victim.on(.POST, "evidence", body: .stream, use: victimEvidence).access(
            .open("the victim's case page session and the bound browser, in the call"))
    }

    /// The officer's routes sit with the signed-in ones.
    struct Officer: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            let room = routes.grouped("victims", ":victimID", "video-call")
            room.get("room", use: VideoCallController.officerPage).access(
                .form(change: .conductVideoCall, read: .viewPerson, .victim("victimID")))
            room.get("signal", use: VideoCallController.officerSignal).access(
                .form(change: .conductVideoCall, read: .viewPerson, .victim("victimID")))
            room.post("end", use: VideoCallController.end).access(.record(.conductVideoCall, .victim("victimID")))
            room.post("record", use: VideoCallController.record).access(
                .record(.conductVideoCall, .victim("victimID")))
        }
    }

    // MARK: the victim

    struct VictimContext: Encodable {
        var lang: String
        var dir: String
        var title: String
        var basePath: String
        var state: String
        var message: String?
        var csrf: String
        /// ICE servers (TURN with this call's credentials) as JSON, and whether media must be relayed.
        var ice = "[]"
        var icePolicy = "all"
        var t: [String: String]
        var exit: ExitWords
    }

    @Sendable func victimPage(req: Request) async throws -> Response {
        let (link, secret) = try await cases.link(req)
        guard let (_, sessionSecret) = try await cases.session(req, for: link) else {
            return req.redirect(to: "/track/\(secret)")
        }
        let cookies = req.cookies
        let entry = try await VideoCallService.enter(
            victimID: link.$victim.id, browser: { cookies[Self.browserCookie($0)]?.string }, on: req.db)
        let page = try await CaseAccess.page(link, signedIn: false, on: req.db)
        let text = LeafletText(req.application.translations, page.person.language)
        var state = "closed"
        var message: String?
        var browserSecret: String?
        var boundCall: UUID?
        var ice = "[]"
        switch entry {
        case .none: message = text.t("case.call.none")
        case .early(let opens):
            message = text.t("case.call.early", ["time": London.formatReadable(opens)])
        case .late: message = text.t("case.call.late")
        case .elsewhere: message = text.t("case.call.elsewhere")
        case .open(let call, let fresh):
            state = "open"
            browserSecret = fresh
            boundCall = call.id
            ice = Self.ice(req, call)
            try await AuditLog.recordVictim(
                .view, "video_call", call.id, summary: "victim opened the call", ip: req.clientIP, on: req.db)
        }
        let context = VictimContext(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", title: text.t("case.call.title"),
            basePath: "/track/\(secret)", state: state, message: message, csrf: cases.csrf(sessionSecret), ice: ice,
            icePolicy: req.config.video.relayOnly ? "relay" : "all", t: text.words("case.call."), exit: text.exit)
        let response = try await req.render("Public/call", context)
        response.headers.replaceOrAdd(name: .contentLanguage, value: text.language.code)
        if state == "open" { response.allowCameraAndMicrophone() }
        if let browserSecret, let boundCall {
            response.cookies[Self.browserCookie(boundCall)] = Self.browserCookie(browserSecret, path: "/track", req)
        }
        return response
    }

    struct NotSafeForm: Content {
        var _csrf: String?
    }

    /// Sent by the page as it leaves (a beacon): ends the call at once.
    @Sendable func notSafe(req: Request) async throws -> Response {
        let (link, _) = try await cases.link(req)
        guard let (_, sessionSecret) = try await cases.session(req, for: link),
            (try? req.content.decode(NotSafeForm.self))?._csrf == cases.csrf(sessionSecret)
        else { throw Abort(.forbidden) }
        try await VideoCallService.notSafe(victimID: link.$victim.id, ip: req.clientIP, on: req.db)
        return Response(status: .noContent)
    }

    @Sendable func victimSignal(req: Request) async throws -> Response {
        let (link, _) = try await cases.link(req)
        guard try await cases.session(req, for: link) != nil else { throw Abort(.forbidden) }
        try Self.checkOrigin(req)
        let call = try await Self.boundCall(req, victimID: link.$victim.id)
        return Self.socket(req, role: .victim, call: call)
    }

    /// The victim's open call, for a request from the browser it is bound to; never binds (only the call page
    /// does).
    static func boundCall(_ req: Request, victimID: UUID) async throws -> VideoCall {
        let cookies = req.cookies
        guard
            case .open(let call, nil) = try await VideoCallService.enter(
                victimID: victimID, browser: { cookies[browserCookie($0)]?.string }, bind: false, on: req.db)
        else { throw Abort(.forbidden, reason: "The call is not open to this browser.") }
        return call
    }

    /// A photo or video the victim sends from the call: the file itself is the body (its type in Content-Type,
    /// its name in X-File-Name), with the page's form token in X-CSRF-Token. Answers JSON the page reads.
    @Sendable func victimEvidence(req: Request) async throws -> Response {
        let (link, _) = try await cases.link(req)
        guard let (_, sessionSecret) = try await cases.session(req, for: link) else {
            throw Abort(.forbidden, reason: "Sign in to your case page again.")
        }
        guard let sent = req.headers.first(name: "X-CSRF-Token"),
            Secrets.constantTimeEquals(sent, cases.csrf(sessionSecret))
        else { throw Abort(.forbidden, reason: "This page has expired: reload it.") }
        let call = try await Self.boundCall(req, victimID: link.$victim.id)
        let type = req.headers.contentType.map { "\($0.type)/\($0.subType)".lowercased() } ?? ""
        let name = req.headers.first(name: "X-File-Name").flatMap { $0.removingPercentEncoding } ?? "evidence"
        do {
            let item = try await VideoCallService.victimEvidence(
                call: call, fileName: name, contentType: type,
                length: req.headers.first(name: .contentLength).flatMap(Int64.init), body: req.body,
                ip: req.clientIP, settings: req.config.evidence, vault: try req.evidenceVault, on: req.db)
            return try await Sent(sha256: item.sha256 ?? "", bytes: item.received).encodeResponse(
                status: .created, for: req)
        } catch let error as UploadService.TusError {
            throw Abort(HTTPResponseStatus(statusCode: error.status.rawValue), reason: error.message)
        }
    }

    struct Sent: Content {
        var sha256: String
        var bytes: Int64
    }

    // MARK: the officer

    struct OfficerContext: Encodable {
        var chrome: Chrome
        var victimID: UUID
        var crimeID: UUID
        var reference: String
        var name: String
        var when: String
        var outsideUnit: Bool
        var adjustments: [String]
        var ice: String
        var icePolicy: String
        /// Who else has been invited into the call, if anyone.
        var guest: GuestView?
        var guestKinds: [Option]
        /// Whether a TURN relay is configured: without one, a guest's browser connects to the victim's directly
        /// and can see her network address, which the page says before anyone is invited.
        var relayConfigured: Bool
    }

    struct GuestView: Encodable {
        var kind: String
        var name: String
    }

    struct Option: Encodable {
        var value: String
        var label: String
    }

    @Sendable static func officerPage(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let context = try req.accessContext()
        let booking = try await VideoBookingService.booking(id, context: context, on: req.db)
        guard let call = booking.booked else {
            throw Abort(.conflict, reason: "No video call is booked for them now.")
        }
        let choice = try await ResponseTriageService.latestChoice(victimID: id, on: req.db)
        let page = OfficerContext(
            chrome: Chrome(req, title: "Video call with \(booking.person.fullName)", section: "video"),
            victimID: id, crimeID: booking.crime.id!, reference: booking.crime.reference, name: booking.person.fullName,
            when: call.slotStart.map(Display.time) ?? "As soon as possible", outsideUnit: booking.outsideUnit,
            adjustments: (choice?.adjustments ?? "").split(separator: "\n").map(String.init), ice: ice(req, call),
            icePolicy: req.config.video.relayOnly ? "relay" : "all",
            guest: try await VideoGuestService.current(callID: call.id!, on: req.db).map {
                GuestView(kind: $0.kind.label, name: $0.name)
            }, guestKinds: VideoGuestKind.allCases.map { Option(value: $0.rawValue, label: $0.label) },
            relayConfigured: !req.config.video.turnURLs.isEmpty)
        let response = try await req.render("Video/call", page)
        response.allowCameraAndMicrophone()
        return response
    }

    @Sendable static func officerSignal(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let call = try await VideoCallService.officerRoom(victimID: id, context: try req.accessContext(), on: req.db)
        try checkOrigin(req)
        return socket(req, role: .officer, call: call)
    }

    struct RecordForm: Content {
        var action: String?
        var consent: String?
    }

    struct Recording: Content {
        var interview: UUID
    }

    /// The call page's recorder asks to start (with the victim's agreement) or says it stopped; answers the
    /// interview the recording is uploaded under.
    @Sendable static func record(req: Request) async throws -> Recording {
        let form = try req.content.decode(RecordForm.self)
        return Recording(
            interview: try await VideoCallService.recording(
                victimID: try req.uuid("victimID"), action: form.action, consent: form.consent == "yes",
                context: try req.accessContext(), on: req.db))
    }

    struct EndForm: Content {
        var spoke: String?
        var identityVerified: String?
        var welfareChecked: String?
        var safeToSpeak: String?
        var offenderAbsent: String?
        var notes: String?
    }

    @Sendable static func end(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(EndForm.self)
        let recorded = try await VideoCallService.end(
            victimID: id,
            .init(
                spoke: form.spoke == "yes", identityVerified: form.identityVerified == "yes",
                welfareChecked: form.welfareChecked == "yes", safeToSpeak: form.safeToSpeak == "yes",
                offenderAbsent: form.offenderAbsent == "yes", notes: form.notes),
            context: try req.accessContext(), links: req.config.links, on: req.db)
        req.flash(
            recorded.decision.successful
                ? "Call ended and recorded as a successful contact."
                : "Call ended and recorded; it does not count as a successful contact: "
                    + recorded.decision.reasons.joined(separator: " "))
        return req.redirect(to: "/victims/\(id)")
    }

    // MARK: sockets

    /// TURN credentials for this call, labelled by the call (never by a person).
    static func ice(_ req: Request, _ call: VideoCall) -> String {
        TurnCredentials.json(
            TurnCredentials.servers(
                req.config.video, label: "call-" + call.id!.uuidString.lowercased().prefix(8)))
    }

    /// A socket must come from this service's own pages.
    static func checkOrigin(_ req: Request) throws {
        guard let origin = req.headers.first(name: .origin), let host = req.headers.first(name: .host),
            let url = URL(string: origin), let originHost = url.host
        else { throw Abort(.forbidden, reason: "A call's socket needs its page's origin.") }
        let port = url.port.map { ":\($0)" } ?? ""
        let publicHost = URL(string: req.config.publicURL).map { ($0.host ?? "") + ($0.port.map { ":\($0)" } ?? "") }
        guard originHost + port == host || originHost + port == publicHost else {
            throw Abort(.forbidden, reason: "A call's socket must come from this service's own page.")
        }
    }

    static func socket(_ req: Request, role: Signalling.Role, call: VideoCall, guestID: UUID? = nil) -> Response {
        let hub = req.application.signalHub
        let db = req.db
        let logger = req.logger
        // The upgrade callback runs on the socket's event loop, where its handlers must be set.
        return req.webSocket(
            maxFrameSize: .init(integerLiteral: Signalling.maxBytes),
            shouldUpgrade: { req in req.eventLoop.makeSucceededFuture([:]) }
        ) { _, ws in
            let key = SignalHub.Key(callID: call.id!, role: role, guestID: guestID)
            // One socket's messages are relayed one at a time, in the order they came (an offer before its
            // candidates).
            let (messages, inbox) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
            ws.onText { _, text in inbox.yield(text) }
            ws.onClose.whenComplete { _ in inbox.finish() }
            Task {
                await hub.attach(key, ws)
                do {
                    try await ws.send(try await VideoCallService.arrived(role, call: call, guestID: guestID, on: db))
                } catch {
                    logger.warning("video socket could not join", metadata: ["error": "\(type(of: error))"])
                    try? await ws.close(code: .unexpectedServerError)
                }
                let counter = RateWindow()
                for await text in messages {
                    guard await counter.allow(limit: Signalling.maxPerSecond) else {
                        try? await ws.close(code: .policyViolation)
                        break
                    }
                    let ok =
                        (try? await VideoCallService.relay(
                            text, from: role, call: call, guestID: guestID, hub: hub, on: db)) ?? false
                    if !ok { try? await ws.send(#"{"type":"refused"}"#) }
                }
                await hub.detach(key, ws)
                if await !hub.holds(key) {
                    try? await VideoCallService.left(role, call: call, guestID: guestID, on: db)
                }
            }
        }
    }
}

/// Messages a socket sent in the current second.
actor RateWindow {
    private var second = 0
    private var count = 0

    func allow(limit: Int) -> Bool {
        let now = Int(Date().timeIntervalSince1970)
        if now != second {
            second = now
            count = 0
        }
        count += 1
        return count <= limit
    }
}

extension Response {
    /// The call and recording pages may use the camera and microphone; every other page forbids them.
    func allowCameraAndMicrophone() {
        headers.replaceOrAdd(name: "Permissions-Policy", value: "camera=(self), microphone=(self), geolocation=()")
    }
}
