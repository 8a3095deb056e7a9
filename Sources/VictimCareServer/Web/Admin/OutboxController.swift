import Fluent
import Vapor
import VictimCareDomain

/// Administrators watch the outbox: how many messages are in each state, and the dead letters, which they can
/// put back in the queue once the cause is fixed.
struct OutboxController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let outbox = routes.grouped("admin", "outbox")
        outbox.get(use: index).access(.role(.manageOutbox))
        outbox.post(":messageID", "retry", use: retry).access(.role(.manageOutbox))
    }

    struct Context: Encodable {
        struct Count: Encodable {
            var status: String
            var count: Int
        }
        struct Row: Encodable {
            var id: UUID
            var victimID: UUID
            var created: String
            var what: String
            var channel: String
            var attempts: Int
            var error: String
            var provider: String
        }
        var chrome: Chrome
        var provider: String
        var counts: [Count]
        var rows: [Row]
    }

    @Sendable func index(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let dead = try await OutboxService.deadLetters(context: context, on: req.db)
        let counts = try await OutboxService.counts(on: req.db)
        let order = ["queued", "sending", "sent", "held", "refused", "dead"]
        return try await req.render(
            "Admin/outbox",
            Context(
                chrome: Chrome(req, title: "Outbox", section: "admin"),
                provider: req.application.messaging.provider.name,
                counts: order.map { .init(status: $0, count: counts[$0] ?? 0) },
                rows: dead.map {
                    .init(
                        id: $0.id!, victimID: $0.$victim.id, created: Display.time($0.createdAt),
                        what: MessagePurpose(rawValue: $0.purpose)?.label ?? $0.purpose, channel: $0.channel.label,
                        attempts: $0.attempts, error: $0.lastError ?? "", provider: $0.provider ?? "")
                }))
    }

    @Sendable func retry(req: Request) async throws -> Response {
        try await OutboxService.retry(try req.uuid("messageID"), context: try req.accessContext(), on: req.db)
        req.flash("The message is back in the queue.")
        return req.redirect(to: "/admin/outbox")
    }
}
