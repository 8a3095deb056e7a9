import Fluent
import Vapor
import VictimCareDomain

/// An administrator's home: what needs their attention, and the way to each part of administration.
struct AdminController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("admin", use: index).access(.role(.manageUsers))
    }

    struct Context: Encodable {
        var chrome: Chrome
        var attention: [SelectOption]
    }

    @Sendable func index(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.manageUsers, context)
        let dead = try await OutboundMessage.query(on: req.db).filter(\.$statusCode == "dead").count()
        let locked = try await User.query(on: req.db).filter(\.$lockedUntil > Date()).count()
        let soon = Date().addingTimeInterval(14 * 86_400)
        let expiring = try await APIToken.query(on: req.db).filter(\.$revokedAt == nil).filter(\.$expiresAt < soon)
            .count()
        let attention = [
            ("/admin/outbox", dead == 0 ? "No messages have failed" : "\(dead) messages could not be delivered"),
            (
                "/admin/users",
                locked == 0 ? "No account is locked" : "\(locked) accounts are locked after wrong passwords"
            ),
            (
                "/admin/tokens",
                expiring == 0
                    ? "No API token expires in the next two weeks" : "\(expiring) API tokens expire within two weeks"
            ),
        ].map { SelectOption(value: $0.0, label: $0.1, selected: false) }
        return try await req.render(
            "Admin/index", Context(chrome: Chrome(req, title: "Administration", section: "admin"), attention: attention)
        )
    }
}
