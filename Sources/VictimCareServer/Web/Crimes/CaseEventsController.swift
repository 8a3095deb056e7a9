import Fluent
import Vapor
import VictimCareDomain

/// Recording case events from the crime's page.
struct CaseEventsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("crimes", ":crimeID", "events", use: create).access(.record(.recordCaseEvent, .crime("crimeID")))
    }

    struct Form: Content {
        var type: String?
        var at: String?
        var note: String?
    }

    @Sendable func create(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let form = try req.content.decode(Form.self)
        let context = try req.accessContext()
        do {
            let event = try await CaseEventService.record(
                crimeID: crimeID, type: form.type, at: form.at, note: form.note, source: "web", timeStyle: .londonLocal,
                context: context, on: req.db)
            req.flash("\(event.type?.label ?? "Event") recorded. What each victim is now owed has been worked out.")
            return req.redirect(to: "/crimes/\(crimeID)")
        } catch DomainError.invalid(let errors) {
            let controller = CrimesController()
            let detail = try await CrimeService.detail(crimeID, context: context, on: req.db)
            var show = try await controller.showContext(req, detail, context: context, errors: errors)
            show.eventValues = ["type": form.type ?? "", "at": form.at ?? "", "note": form.note ?? ""]
            show.eventTypes = CaseEventType.options(selected: form.type)
            return try await req.render("Crimes/show", show, status: .unprocessableEntity)
        }
    }
}
