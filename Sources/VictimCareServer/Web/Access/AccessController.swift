import Fluent
import Vapor
import VictimCareDomain

/// The page that asks why someone needs a record outside their command unit, and records the answer.
struct AccessController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("access", ":recordType", ":recordID", use: form)
        routes.post("access", ":recordType", ":recordID", use: grant)
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
        let next = safeNext(try? req.query.get(String.self, at: "next"), type: type, id: id)
        return try await req.render(
            "Access/reason",
            Context(
                chrome: Chrome(req, title: "Why do you need this record?"), recordType: type, recordID: id,
                description: try await describe(type, id, on: req.db), next: next, reason: ""))
    }

    @Sendable func grant(req: Request) async throws -> Response {
        let (type, id) = try target(req)
        let form = try req.content.decode(ReasonForm.self)
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let next = safeNext(form.next, type: type, id: id)
        var errors: [FieldError] = []
        if reason.count < 10 {
            errors.append(
                .init(
                    field: "reason", message: "Give a reason of at least 10 characters, such as the job you are doing"))
        }
        if reason.count > 1000 {
            errors.append(.init(field: "reason", message: "Reason must be 1000 characters or fewer"))
        }
        guard errors.isEmpty else {
            return try await req.render(
                "Access/reason",
                Context(
                    chrome: Chrome(req, title: "Why do you need this record?", errors: errors), recordType: type,
                    recordID: id,
                    description: try await describe(type, id, on: req.db), next: next, reason: reason),
                status: .unprocessableEntity)
        }
        var context = try req.accessContext()
        context.reason = reason
        // Check with the reason, which audits it; refused roles get a 403 here rather than a grant.
        let permission: Permission = type == "crime" ? .viewCrime : .viewPerson
        switch type {
        case "crime":
            let crime = try await CrimeService.find(id, on: req.db)
            try await AccessGuard.check(
                permission, type, id, scope: CrimeService.scope(of: crime), context: context, on: req.db)
        default:
            _ = try await PersonService.find(id, on: req.db)
            try await AccessGuard.check(
                permission, type, id, scope: try await PersonService.scope(of: id, context: context, on: req.db),
                context: context, on: req.db)
        }
        req.grantAccess(to: id, minutes: req.config.accessGrantMinutes)
        return req.redirect(to: next)
    }

    private func target(_ req: Request) throws -> (String, UUID) {
        let type = req.parameters.get("recordType") ?? ""
        guard ["crime", "person"].contains(type) else { throw Abort(.notFound) }
        return (type, try req.uuid("recordID"))
    }

    private func describe(_ type: String, _ id: UUID, on db: any Database) async throws -> String {
        if type == "crime" {
            let crime = try await CrimeService.find(id, on: db)
            let unit = try await CommandUnit.find(crime.$commandUnit.id, on: db)
            return "Crime \(crime.reference) belongs to \(unit?.name ?? "another command unit")."
        }
        _ = try await PersonService.find(id, on: db)
        return "This person's record belongs to another command unit."
    }

    private func safeNext(_ next: String?, type: String, id: UUID) -> String {
        LocalPath.parse(next, or: type == "crime" ? "/crimes/\(id)" : "/people/\(id)")
    }
}
