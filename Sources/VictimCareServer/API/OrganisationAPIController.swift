import Fluent
import Vapor
import VictimCareDomain

/// Reference data an integration needs: command units and offences.
struct OrganisationAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("command-units", use: units).access(.role(.viewOrganisation))
        routes.get("offences", use: offences).access(.role(.viewOrganisation))
    }

    @Sendable func units(req: Request) async throws -> [CommandUnitDTO] {
        try AccessGuard.require(.viewOrganisation, try req.accessContext())
        return try await OrganisationService.units(on: req.db).map {
            CommandUnitDTO(id: $0.id!, code: $0.code, name: $0.name, kind: $0.kind)
        }
    }

    @Sendable func offences(req: Request) async throws -> [OffenceDTO] {
        try AccessGuard.require(.viewOrganisation, try req.accessContext())
        return try await Offence.query(on: req.db).filter(\.$active == true).sort(\.$code).all().map {
            OffenceDTO(
                code: $0.code, description: $0.description, group: $0.group, flags: $0.flags.sorted().map(\.rawValue),
                most_serious: $0.mostSerious)
        }
    }
}
