import Fluent
import Vapor
import VictimCareDomain

/// `/api/v1/crimes`: search, record, read and change crimes, and link people to them.
struct CrimesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let crimes = routes.grouped("crimes")
        crimes.get(use: index).access(.role(.searchCrimes))
        crimes.post(use: create).access(.role(.createCrime))
        crimes.get(":crimeID", use: show).access(.record(.viewCrime, .crime("crimeID")))
        crimes.patch(":crimeID", use: update).access(.record(.editCrime, .crime("crimeID")))
        crimes.get(":crimeID", "people", use: people).access(.record(.viewCrime, .crime("crimeID")))
        crimes.post(":crimeID", "people", use: link).access(
            .record(.editCrime, .crime("crimeID")),
            also: [.init(permission: .editPerson, record: .bodyPerson("person_id"))])
        crimes.delete(":crimeID", "people", ":linkID", use: unlink).access(.record(.editCrime, .crime("crimeID")))
    }

    struct SearchQuery: Content {
        var reference: String?
        var name: String?
        var postcode: String?
        var from: String?
        var to: String?
        var command_unit: String?
        var page: String?
    }

    @Sendable func index(req: Request) async throws -> CrimePageDTO {
        let q = try req.query.decode(SearchQuery.self)
        var page = 1
        if let raw = q.page, !raw.isEmpty {
            guard let number = Int(raw) else { throw DomainError.invalid("page", "Page must be a whole number") }
            page = number
        }
        let context = try req.accessContext()
        let result = try await CrimeService.search(
            .init(
                reference: q.reference, name: q.name, postcode: q.postcode, from: q.from, to: q.to,
                commandUnit: q.command_unit, page: page),
            context: context, on: req.db)
        return CrimePageDTO(
            items: result.rows.map {
                CrimeSummaryDTO(
                    id: $0.id, reference: $0.reference, offence: $0.offence_description,
                    reported_at: Instant.format($0.reported_at),
                    status: $0.status, command_unit: $0.unit_code, victims: result.victimNames[$0.id])
            },
            page: result.page, next_page: result.hasNextPage ? result.page + 1 : nil)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let body = try req.content.decode(CrimeRequest.self)
        let victims = (body.victims ?? []).enumerated().map { index, victim in
            VictimDraft(
                person: (victim.person ?? PersonRequest()).draft(prefix: "victims[\(index)].person."),
                needs: victim.needs.flatMap { $0.isEmpty ? nil : $0.draft(language: victim.person?.language) })
        }
        let created = try await CrimeService.create(
            body.draft, victims: victims, context: try req.accessContext(), on: req.db)
        let dto = CrimeCreatedDTO(
            id: created.crime.id!, reference: created.crime.reference,
            victims: created.victims.map {
                CreatedVictimDTO(id: $0.victimID, person_id: $0.personID, enhanced: $0.enhanced)
            })
        let response = try await dto.encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/crimes/\(created.crime.id!)")
        return response
    }

    @Sendable func show(req: Request) async throws -> CrimeDTO {
        CrimeDTO(try await CrimeService.detail(try req.uuid("crimeID"), context: try req.accessContext(), on: req.db))
    }

    @Sendable func update(req: Request) async throws -> CrimeDTO {
        let id = try req.uuid("crimeID")
        let context = try req.accessContext()
        let body = try req.content.decode(CrimeRequest.self)
        let crime = try await CrimeService.find(id, on: req.db)
        let unit = try await CommandUnit.find(crime.$commandUnit.id, on: req.db)
        let officer = try await crime.$officerInCase.id.asyncFlatMap { try await User.find($0, on: req.db) }
        _ = try await CrimeService.update(
            id, body.merged(over: crime, unitCode: unit?.code ?? "", officer: officer?.username), context: context,
            on: req.db)
        return CrimeDTO(try await CrimeService.detail(id, context: context, on: req.db))
    }

    @Sendable func people(req: Request) async throws -> [LinkDTO] {
        try await CrimeDTO(CrimeService.detail(try req.uuid("crimeID"), context: try req.accessContext(), on: req.db))
            .people
    }

    @Sendable func link(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let body = try req.content.decode(LinkRequest.self)
        let link = try await CrimeService.linkPerson(
            crimeID: crimeID, personID: body.person_id, draft: body.person?.draft(prefix: "person."), role: body.role,
            basis: body.victim_basis, businessContact: body.business_contact, context: try req.accessContext(),
            on: req.db)
        let person = try await PersonService.named(
            link.$person.id, summary: "named in the answer to linking them to crime \(crimeID)",
            context: try req.accessContext(), on: req.db)
        return try await LinkDTO(
            id: link.id!, person_id: person.id!, role: link.roleCode, given_name: person.givenName,
            family_name: person.familyName, victim_id: link.roleCode == PersonRole.victim.rawValue ? link.id : nil
        )
        .encodeResponse(status: .created, for: req)
    }

    @Sendable func unlink(req: Request) async throws -> HTTPStatus {
        try await CrimeService.unlinkPerson(
            crimeID: try req.uuid("crimeID"), linkID: try req.uuid("linkID"), context: try req.accessContext(),
            on: req.db)
        return .noContent
    }
}
