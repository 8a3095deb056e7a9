import Fluent
import Foundation
import VictimCareDomain

extension CrimeService {
    /// Everything on a crime's page. Opening it is audited as a view of the crime and of each person shown.
    struct Detail: Sendable {
        var crime: Crime
        var unit: CommandUnit
        var officer: User?
        var people: [LinkedPerson]
        var property: [LinkedProperty]
        var locations: [LinkedLocation]
        var history: [CrimeStatusChange]
        var events: [CaseEvent]
        var victims: [Victim]
        var openCounts: [UUID: (open: Int, overdue: Int)]
    }

    struct LinkedPerson: Sendable {
        var link: CrimePerson
        var person: Person
    }

    struct LinkedProperty: Sendable {
        var link: CrimeProperty
        var item: PropertyItem
    }

    struct LinkedLocation: Sendable {
        var link: CrimeLocation
        var location: Location
    }

    static func detail(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Detail {
        let crime = try await find(id, on: db)
        try await AccessGuard.check(.viewCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        try await AuditLog.record(.view, "crime", id, context: context, on: db)
        async let events = CaseEvent.query(on: db).filter(\.$crime.$id == id).all()
        async let victims = VictimService.victims(ofCrime: id, on: db)
        async let counts = VictimService.openCounts(crimeID: id, on: db)
        async let unit = CommandUnit.find(crime.$commandUnit.id, on: db)
        async let officer = optionalUser(crime.$officerInCase.id, on: db)
        async let links = CrimePerson.query(on: db).filter(\.$crime.$id == id).with(\.$person).sort(\.$createdAt).all()
        async let property = CrimeProperty.query(on: db).filter(\.$crime.$id == id).with(\.$item).all()
        async let places = CrimeLocation.query(on: db).filter(\.$crime.$id == id).with(\.$location).all()
        async let history = CrimeStatusChange.query(on: db).filter(\.$crime.$id == id).sort(\.$at).all()
        guard let unitValue = try await unit else { throw DomainError.notFound("command unit") }
        let people = try await links.map { LinkedPerson(link: $0, person: $0.person) }
        try await AuditLog.recordViews(
            "person", people.compactMap(\.person.id), summary: "named on the page of crime \(id)", context: context,
            on: db)
        return Detail(
            crime: crime, unit: unitValue, officer: try await officer, people: people,
            property: try await property.map { LinkedProperty(link: $0, item: $0.item) },
            locations: try await places.map { LinkedLocation(link: $0, location: $0.location) },
            history: try await history, events: try await events, victims: try await victims,
            openCounts: try await counts)
    }

    /// A crime's details for its edit form (and the forms that add to it), audited as a view.
    struct ForEdit: Sendable {
        var crime: Crime
        var unit: CommandUnit?
        var officer: User?
        /// Another unit's crime: each change needs its own reason.
        var outsideUnit: Bool
    }

    static func loadForEdit(_ id: UUID, context: AccessContext, on db: any Database) async throws -> ForEdit {
        let crime = try await find(id, on: db)
        let outside = try await AccessGuard.checkForm(
            .editCrime, reading: .viewCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        try await AuditLog.record(.view, "crime", id, summary: "edit form", context: context, on: db)
        return ForEdit(
            crime: crime, unit: try await CommandUnit.find(crime.$commandUnit.id, on: db),
            officer: try await optionalUser(crime.$officerInCase.id, on: db), outsideUnit: outside)
    }

    private static func optionalUser(_ id: UUID?, on db: any Database) async throws -> User? {
        guard let id else { return nil }
        return try await User.find(id, on: db)
    }
}
