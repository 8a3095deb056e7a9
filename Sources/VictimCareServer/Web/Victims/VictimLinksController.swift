import Fluent
import Foundation
import Vapor
import VictimCareDomain
import VictimCareQR

/// What an officer hands a victim on the spot: a QR code for their own leaflet, their case page, or a feedback
/// form, shown on screen or printed; and what the victim asked for on their case page, marked as seen.
struct VictimLinksController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let victim = routes.grouped("victims", ":victimID")
        victim.post("qr", ":purpose", use: showCode).access(.record(.messageVictim, .victim("victimID")))
        victim.post("feedback", ":invitationID", "qr", use: showFeedbackCode).access(
            .record(.recordContact, .victim("victimID")))
        victim.post("requests", ":requestID", "acknowledge", use: acknowledge).access(
            .record(.recordContact, .victim("victimID")))
    }

    struct Context: Encodable {
        var chrome: Chrome
        var victimID: UUID
        var heading: String
        var instructions: String
        var svg: String
        var pngDataURI: String
        var link: String
        var expires: String
    }

    @Sendable func showCode(req: Request) async throws -> Response {
        let victimID = try req.uuid("victimID")
        guard let purpose = VictimLink.Purpose(rawValue: req.parameters.get("purpose") ?? ""),
            purpose == .leaflet || purpose == .track
        else { throw Abort(.notFound) }
        let issued = try await VictimLinkService.issueForQRCode(
            victimID: victimID, purpose: purpose, settings: req.config.links, context: try req.accessContext(),
            on: req.db)
        let heading = purpose == .leaflet ? "The victim's own leaflet" : "The victim's case page"
        let instructions =
            purpose == .leaflet
            ? "Ask the victim to scan this with their phone's camera. It opens the Victim Information leaflet in their language, with their crime reference and your name."
            : "Ask the victim to scan this with their phone's camera. To see their case they will also give their date of birth or a code we send them."
        return try await render(req, victimID: victimID, issued: issued, heading: heading, instructions: instructions)
    }

    @Sendable func showFeedbackCode(req: Request) async throws -> Response {
        let victimID = try req.uuid("victimID")
        let issued = try await FeedbackService.issueForQRCode(
            invitationID: try req.uuid("invitationID"), context: try req.accessContext(), on: req.db)
        guard issued.link.$victim.id == victimID else { throw Abort(.notFound) }
        return try await render(
            req, victimID: victimID, issued: issued, heading: "Feedback on this interaction",
            instructions:
                "Ask the victim to scan this with their phone's camera. It opens a short form in their language; their answers are not shown to you by name."
        )
    }

    private func render(
        _ req: Request, victimID: UUID, issued: VictimLinkService.Issued, heading: String, instructions: String
    ) async throws -> Response {
        guard let purpose = issued.link.purpose else { throw Abort(.internalServerError) }
        let link = VictimLinkService.url(req.config.publicURL, purpose, issued.secret)
        let code = try QRCode(link)
        let context = Context(
            chrome: Chrome(req, title: heading, section: "worklist"), victimID: victimID, heading: heading,
            instructions: instructions, svg: code.svg(title: heading),
            pngDataURI: "data:image/png;base64," + Data(code.png(scale: 8)).base64EncodedString(), link: link,
            expires: Display.date(London.date(of: issued.link.expiresAt).description))
        let response = try await req.render("Victims/qr", context)
        // The page holds a secret: never cached, never sent on as a referrer.
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return response
    }

    @Sendable func acknowledge(req: Request) async throws -> Response {
        let victimID = try req.uuid("victimID")
        try await CaseAccess.acknowledge(try req.uuid("requestID"), context: try req.accessContext(), on: req.db)
        req.flash("Marked as seen.")
        return req.redirect(to: "/victims/\(victimID)#requests-heading")
    }
}
