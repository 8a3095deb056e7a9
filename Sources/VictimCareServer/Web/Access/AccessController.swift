import Fluent
import Vapor
import VictimCareDomain

/// The page that asks why someone needs a record outside their command unit, and records the answer.
struct AccessController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("access", ":recordType", ":recordID", use: form).access(.reasonForm)
        routes.post("access", ":recordType", ":recordID", use: grant).access(.reasonForm)
    }

    struct Context: Encodable {
        var chrome: Chrome
        var recordType: String
        var recordID: UUID
        var description: String
        var next: String
        var reason: String
    }

    struct ReasonForm: Content {
        var reason: String?
        var next: String?
    }

    @Sendable func form(req: Request) async throws -> Response {
        let (type, id) = try target(req)
        let found = try await AccessService.target(type: type, id: id, context: try req.accessContext(), on: req.db)
        let next = safeNext(try? req.query.get(String.self, at: "next"), type: type, id: id)
        return try await req.render(
            "Access/reason",
            Context(
                chrome: Chrome(req, title: "Why do you need this record?"), recordType: type, recordID: id,
                description: found.description, next: next, reason: ""))
    }

    @Sendable func grant(req: Request) async throws -> Response {
        let (type, id) = try target(req)
        let context = try req.accessContext()
        let found = try await AccessService.target(type: type, id: id, context: context, on: req.db)
        let form = try req.content.decode(ReasonForm.self)
        let next = safeNext(form.next, type: type, id: id)
        do {
            try await AccessService.open(found, reason: form.reason, context: context, on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await req.render(
                "Access/reason",
                Context(
                    chrome: Chrome(req, title: "Why do you need this record?", errors: errors), recordType: type,
                    recordID: id, description: found.description, next: next, reason: form.reason ?? ""),
                status: .unprocessableEntity)
        }
        req.grantAccess(to: id, minutes: req.config.accessGrantMinutes)
        return req.redirect(to: next)
    }

    private func target(_ req: Request) throws -> (String, UUID) {
        let type = req.parameters.get("recordType") ?? ""
        guard ["crime", "person"].contains(type) else { throw Abort(.notFound) }
        return (type, try req.uuid("recordID"))
    }

    private func safeNext(_ next: String?, type: String, id: UUID) -> String {
        LocalPath.parse(next, or: type == "crime" ? "/crimes/\(id)" : "/people/\(id)")
    }
}
