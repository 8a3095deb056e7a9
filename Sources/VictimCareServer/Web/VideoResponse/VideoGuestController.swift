import Fluent
import Vapor
import VictimCareDomain

/// Issue 16, item 3: the third participant. The guest's page and socket hang off their invitation link; the
/// officer invites and removes them from the call page.
struct VideoGuestController: RouteCollection {
    /// The browser's secret for one invitation, named by it.
    static func browserCookie(_ guestID: UUID) -> String { "vc_guest_" + guestID.uuidString.lowercased().prefix(8) }

    func boot(routes: any RoutesBuilder) throws {
        let guest = routes.grouped("call-guest", ":secret")
        guest.get(use: page).access(.open("the guest's invitation link, in the call's window"))
        guest.post("start", use: start).access(.open("the guest's invitation link, taken by the first browser to join"))
        guest.get("signal", use: signal).access(.open("the guest's invitation link and the bound browser, admitted"))
    }

    /// The officer's routes sit with the signed-in ones.
    struct Officer: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            let guest = routes.grouped("victims", ":victimID", "video-call", "guest")
            guest.post(use: VideoGuestController.invite).access(.record(.conductVideoCall, .victim("victimID")))
            guest.post("remove", use: VideoGuestController.remove).access(
                .record(.conductVideoCall, .victim("victimID")))
        }
    }

    struct PageContext: Encodable {
        var title: String
        var state: String
        var message: String?
        var kind: String
        var signal: String
        var start: String
        var ice = "[]"
        var icePolicy = "all"
    }

    @Sendable func page(req: Request) async throws -> Response {
        let secret = req.parameters.get("secret") ?? ""
        var context = PageContext(
            title: "Video call", state: "closed", message: nil, kind: "", signal: "/call-guest/\(secret)/signal",
            start: "/call-guest/\(secret)/start")
        var status = HTTPResponseStatus.ok
        switch try await VideoGuestService.invitation(secret: secret, on: req.db) {
        case .unknown:
            status = .notFound
            context.message = "This link does not work. Check you copied all of it, or ask the officer for a new one."
        case .withdrawn:
            status = .gone
            context.message =
                "The officer has withdrawn this invitation. Ask them for a new link if you still need to join."
        case .early(let opens):
            context.message = "The call opens at \(London.formatReadable(opens)). Come back to this link then."
        case .over:
            status = .gone
            context.message = "This call has ended. Thank you."
        case .elsewhere:
            status = .conflict
            context.message = Self.elsewhere
        case .open(let guest, let call, _):
            context.state = "open"
            context.kind = guest.kind.short
            context.ice = VideoCallController.ice(req, call)
            context.icePolicy = req.config.video.relayOnly ? "relay" : "all"
            try await AuditLog.record(
                .view, "video_guest", guest.id, summary: "opened the call's invitation",
                context: AccessContext(actor: VideoGuestService.actor(guest), ip: req.clientIP), on: req.db)
        }
        let response = try await req.view.render("Public/guestCall", context).encodeResponse(status: status, for: req)
        if context.state == "open" { response.allowCameraAndMicrophone() }
        // The link is the guest's key: never sent on to another site.
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return response
    }

    static let elsewhere =
        "This link is already open on another phone or computer. Use that one, or ask the officer for a new link."

    struct Refusal: Content {
        var reason: String
    }

    /// The guest joins: the first browser to do so takes the link (a cookie of its own), and each reconnection
    /// asks again. Answers what the page says when it cannot.
    @Sendable func start(req: Request) async throws -> Response {
        try VideoCallController.checkOrigin(req)
        let cookies = req.cookies
        let refusal: (HTTPResponseStatus, String)
        switch try await VideoGuestService.enter(
            secret: req.parameters.get("secret") ?? "", browser: { cookies[Self.browserCookie($0)]?.string },
            on: req.db)
        {
        case .open(let guest, _, let fresh):
            let response = Response(status: .noContent)
            if let fresh {
                response.cookies[Self.browserCookie(guest.id!)] = VideoCallController.browserCookie(
                    fresh, path: "/call-guest", req)
                try await AuditLog.record(
                    .update, "video_guest", guest.id, summary: "joined from a browser, which now holds the link",
                    context: AccessContext(actor: VideoGuestService.actor(guest), ip: req.clientIP), on: req.db)
            }
            return response
        case .unknown: refusal = (.notFound, "This link does not work. Ask the officer for a new one.")
        case .withdrawn: refusal = (.gone, "The officer has withdrawn this invitation.")
        case .early: refusal = (.conflict, "The call has not opened yet. Come back to this link at its time.")
        case .over: refusal = (.gone, "This call has ended. Thank you.")
        case .elsewhere: refusal = (.conflict, Self.elsewhere)
        }
        return try await Refusal(reason: refusal.1).encodeResponse(status: refusal.0, for: req)
    }

    @Sendable func signal(req: Request) async throws -> Response {
        try VideoCallController.checkOrigin(req)
        let cookies = req.cookies
        guard
            case .open(let guest, let call, nil) = try await VideoGuestService.enter(
                secret: req.parameters.get("secret") ?? "", browser: { cookies[Self.browserCookie($0)]?.string },
                bind: false, on: req.db)
        else { throw Abort(.forbidden, reason: "The call is not open to this browser.") }
        return VideoCallController.socket(req, role: .guest, call: call, guestID: guest.id)
    }

    struct InviteForm: Content {
        var kind: String?
        var name: String?
    }

    struct Invitation: Content {
        var link: String
        var kind: String
        var name: String
    }

    struct Refused: Content {
        var errors: [FieldError]
    }

    /// Answers JSON for the call page's script: the link, or the form's problems field by field.
    @Sendable static func invite(req: Request) async throws -> Response {
        let form = try req.content.decode(InviteForm.self)
        do {
            let invited = try await VideoGuestService.invite(
                victimID: try req.uuid("victimID"), kind: form.kind, name: form.name, context: try req.accessContext(),
                on: req.db)
            return try await Invitation(
                link: req.config.publicURL + "/call-guest/" + invited.secret, kind: invited.guest.kind.label,
                name: invited.guest.name
            ).encodeResponse(status: .created, for: req)
        } catch DomainError.invalid(let errors) {
            return try await Refused(errors: errors).encodeResponse(status: .unprocessableEntity, for: req)
        } catch DomainError.conflict(let field, let message) {
            return try await Refused(errors: [FieldError(field: field, message: message)]).encodeResponse(
                status: .conflict, for: req)
        }
    }

    @Sendable static func remove(req: Request) async throws -> Response {
        try await VideoGuestService.remove(
            victimID: try req.uuid("victimID"), context: try req.accessContext(), on: req.db)
        return Response(status: .noContent)
    }
}
