import Fluent
import Vapor
import VictimCareDomain

/// `/api/v1/people`: find, create, read and change people and their contact points.
struct PeopleAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let people = routes.grouped("people")
        people.get(use: index).access(.role(.searchPeople))
        people.post(use: create).access(.role(.createPerson))
        people.get(":personID", use: show).access(.record(.viewPerson, .person("personID")))
        people.patch(":personID", use: update).access(.record(.editPerson, .person("personID")))
        people.post(":personID", "contact-points", use: addContactPoint).access(
            .record(.editPerson, .person("personID")))
    }

    @Sendable func index(req: Request) async throws -> PersonPageDTO {
        let name = try req.query.get(String?.self, at: "name")
        let dob = try req.query.get(String?.self, at: "date_of_birth")
        let rows = try await PersonService.search(
            name: name, dateOfBirth: dob, context: try req.accessContext(), on: req.db)
        return PersonPageDTO(items: rows.map(PersonMatchDTO.init))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let body = try req.content.decode(PersonRequest.self)
        let context = try req.accessContext()
        let person = try await PersonService.create(body.draft(), context: context, on: req.db)
        await LinkageService.catchUp([person.id!], hub: req.application.linkage, on: req.db, logger: req.logger)
        let dto = PersonDTO(try await PersonService.detail(person.id!, context: context, on: req.db))
        let response = try await dto.encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/people/\(person.id!)")
        return response
    }

    @Sendable func show(req: Request) async throws -> PersonDTO {
        PersonDTO(
            try await PersonService.detail(try req.uuid("personID"), context: try req.accessContext(), on: req.db))
    }

    @Sendable func update(req: Request) async throws -> PersonDTO {
        let id = try req.uuid("personID")
        let context = try req.accessContext()
        let body = try req.content.decode(PersonRequest.self)
        let person = try await PersonService.find(id, on: req.db)
        let draft = body.merged(
            over: person, canSeeCharacteristics: AccessPolicy.grants(context.actor, .viewProtectedCharacteristics))
        _ = try await PersonService.update(id, draft, context: context, on: req.db)
        await LinkageService.catchUp([id], hub: req.application.linkage, on: req.db, logger: req.logger)
        return PersonDTO(try await PersonService.detail(id, context: context, on: req.db))
    }

    @Sendable func addContactPoint(req: Request) async throws -> Response {
        let body = try req.content.decode(ContactPointRequest.self)
        let point = try await PersonService.addContactPoint(
            personID: try req.uuid("personID"), kind: body.kind, value: body.value,
            safe: body.safe.map { $0 ? "yes" : "no" },
            note: body.note, context: try req.accessContext(), on: req.db)
        await LinkageService.catchUp([point.$person.id], hub: req.application.linkage, on: req.db, logger: req.logger)
        return try await ContactPointDTO(point).encodeResponse(status: .created, for: req)
    }
}
