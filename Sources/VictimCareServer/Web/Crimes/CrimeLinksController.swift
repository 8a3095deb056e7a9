import Fluent
import Vapor
import VictimCareDomain

/// Adding people, property and places to a crime (the POLE links).
struct CrimeLinksController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let crime = routes.grouped("crimes", ":crimeID")
        crime.get("people", "new", use: newPerson).access(
            .form(change: .editCrime, read: .viewCrime, .crime("crimeID")))
        crime.post("people", use: linkPerson).access(
            .record(.editCrime, .crime("crimeID")),
            also: [.init(permission: .editPerson, record: .bodyPerson("personID"))])
        crime.post("people", ":linkID", "delete", use: unlinkPerson).access(.record(.editCrime, .crime("crimeID")))
        crime.get("property", "new", use: newProperty).access(
            .form(change: .editCrime, read: .viewCrime, .crime("crimeID")))
        crime.post("property", use: addProperty).access(.record(.editCrime, .crime("crimeID")))
        crime.get("places", "new", use: newPlace).access(.form(change: .editCrime, read: .viewCrime, .crime("crimeID")))
        crime.post("places", use: addPlace).access(.record(.editCrime, .crime("crimeID")))
    }

    // MARK: people

    struct PersonContext: Encodable {
        struct Match: Encodable {
            var id: UUID
            var name: String
            var born: String
            var units: String
            /// Held only by other units: linking them opens their record to this crime's unit, so it needs a
            /// reason with the link (audited).
            var matchOnly: Bool
        }
        /// Another unit's crime: each change needs its own reason.
        var outsideUnit = false
        var chrome: Chrome
        var crimeID: UUID
        var reference: String
        var values: [String: String]
        var roles: [SelectOption]
        var matches: [Match]
        var searched: Bool
        var contactMethods: [SelectOption]
        var languages: [SelectOption]
        var bases: [SelectOption] = VictimBasis.allCases.map {
            SelectOption(value: $0.rawValue, label: $0.label, selected: false)
        }
    }

    struct PersonQuery: Content {
        var name: String?
        var dateOfBirth: String?
        var role: String?
    }

    struct LinkForm: Content {
        var role: String?
        var personID: String?
        var givenName: String?
        var familyName: String?
        var dateOfBirth: String?
        var phone: String?
        var phoneSafe: String?
        var email: String?
        var emailSafe: String?
        var preferredContact: String?
        var language: String?
        var basis: String?
        var businessContact: String?

        var values: [String: String] {
            [
                "basis": basis ?? "", "businessContact": businessContact ?? "",
                "role": role ?? "", "givenName": givenName ?? "", "familyName": familyName ?? "",
                "dateOfBirth": dateOfBirth ?? "",
                "phone": phone ?? "", "phoneSafe": phoneSafe ?? "", "email": email ?? "", "emailSafe": emailSafe ?? "",
                "preferredContact": preferredContact ?? "", "language": language ?? "en",
            ]
        }
    }

    @Sendable func newPerson(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let context = try req.accessContext()
        let crime = try await editableCrime(crimeID, context: context, on: req.db)
        let query = (try? req.query.decode(PersonQuery.self)) ?? PersonQuery()
        var errors: [FieldError] = []
        var matches: [PersonContext.Match] = []
        let searched = !(query.name ?? "").isEmpty
        if searched {
            do {
                matches = try await PersonService.search(
                    name: query.name, dateOfBirth: query.dateOfBirth, context: context, on: req.db
                )
                .map {
                    let row = PeopleController.row($0)
                    return .init(id: row.id, name: row.name, born: row.born, units: row.units, matchOnly: row.matchOnly)
                }
            } catch DomainError.invalid(let problems) {
                errors = problems
            }
        }
        var values = LinkForm().values
        values["role"] = query.role ?? ""
        values["name"] = query.name ?? ""
        values["searchDateOfBirth"] = query.dateOfBirth ?? ""
        return try await renderPerson(
            req, crime: crime, values: values, matches: matches, searched: searched, errors: errors,
            status: errors.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable func linkPerson(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let form = try req.content.decode(LinkForm.self)
        let context = try req.accessContext()
        let personID = form.personID.flatMap(UUID.init(uuidString:))
        let draft =
            personID == nil
            ? PersonDraft(
                givenName: form.givenName, familyName: form.familyName, dateOfBirth: form.dateOfBirth,
                preferredContact: form.preferredContact, language: form.language, phone: form.phone,
                phoneSafe: form.phoneSafe,
                email: form.email, emailSafe: form.emailSafe, snakeCase: false)
            : nil
        do {
            _ = try await CrimeService.linkPerson(
                crimeID: crimeID, personID: personID, draft: draft, role: form.role, basis: form.basis,
                businessContact: form.businessContact, context: context, on: req.db)
        } catch DomainError.invalid(let errors) {
            let crime = try await CrimeService.find(crimeID, on: req.db)
            return try await renderPerson(
                req, crime: crime, values: form.values, matches: [], searched: false, errors: errors,
                status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            let crime = try await CrimeService.find(crimeID, on: req.db)
            return try await renderPerson(
                req, crime: crime, values: form.values, matches: [], searched: false,
                errors: [.init(field: field, message: message)], status: .conflict)
        }
        req.flash("Person added to the crime.")
        return req.redirect(to: "/crimes/\(crimeID)")
    }

    @Sendable func unlinkPerson(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        try await CrimeService.unlinkPerson(
            crimeID: crimeID, linkID: try req.uuid("linkID"), context: try req.accessContext(), on: req.db)
        req.flash("Person removed from the crime. Their own record is kept.")
        return req.redirect(to: "/crimes/\(crimeID)")
    }

    private func renderPerson(
        _ req: Request, crime: Crime, values: [String: String], matches: [PersonContext.Match], searched: Bool,
        errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        var context = PersonContext(
            chrome: Chrome(
                req, title: "Add a person to crime \(crime.reference)", section: "crimes", errors: errors),
            crimeID: crime.id!, reference: crime.reference, values: values,
            roles: PersonRole.options(selected: values["role"]),
            matches: matches, searched: searched,
            contactMethods: ContactMethod.options(selected: values["preferredContact"]),
            languages: Language.all.map {
                SelectOption(value: $0.code, label: $0.englishName, selected: $0.code == values["language"])
            })
        context.outsideUnit = try Self.outsideUnit(req, crime)
        return try await req.render("Crimes/linkPerson", context, status: status)
    }

    // MARK: property

    struct PropertyContext: Encodable {
        /// Another unit's crime: each change needs its own reason.
        var outsideUnit = false
        var chrome: Chrome
        var crimeID: UUID
        var reference: String
        var values: [String: String]
        var roles: [SelectOption]
        var statuses: [SelectOption]
    }

    @Sendable func newProperty(req: Request) async throws -> Response {
        let crime = try await editableCrime(try req.uuid("crimeID"), context: try req.accessContext(), on: req.db)
        return try await renderProperty(req, crime: crime, values: [:], errors: [], status: .ok)
    }

    @Sendable func addProperty(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let form = try req.content.decode(PropertyDraft.self)
        do {
            _ = try await CrimeService.addProperty(
                crimeID: crimeID, form: form, context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            let values = [
                "description": form.description, "imei": form.imei, "frameNumber": form.frameNumber,
                "serialNumber": form.serialNumber,
                "custodyStatus": form.custodyStatus, "stolenOn": form.stolenOn, "seizedOn": form.seizedOn,
                "heldOn": form.heldOn,
                "returnedOn": form.returnedOn, "role": form.role,
            ].mapValues { $0 ?? "" }
            return try await renderProperty(
                req, crime: try await CrimeService.find(crimeID, on: req.db), values: values, errors: errors,
                status: .unprocessableEntity)
        }
        req.flash("Property added.")
        return req.redirect(to: "/crimes/\(crimeID)")
    }

    private func renderProperty(
        _ req: Request, crime: Crime, values: [String: String], errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        var context = PropertyContext(
            chrome: Chrome(
                req, title: "Add property to crime \(crime.reference)", section: "crimes", errors: errors),
            crimeID: crime.id!, reference: crime.reference, values: values,
            roles: PropertyRole.options(selected: values["role"]),
            statuses: CustodyStatus.options(selected: values["custodyStatus"]))
        context.outsideUnit = try Self.outsideUnit(req, crime)
        return try await req.render("Crimes/property", context, status: status)
    }

    // MARK: places

    struct PlaceContext: Encodable {
        /// Another unit's crime: each change needs its own reason.
        var outsideUnit = false
        var chrome: Chrome
        var crimeID: UUID
        var reference: String
        var values: [String: String]
        var roles: [SelectOption]
    }

    @Sendable func newPlace(req: Request) async throws -> Response {
        let crime = try await editableCrime(try req.uuid("crimeID"), context: try req.accessContext(), on: req.db)
        return try await renderPlace(req, crime: crime, values: [:], errors: [], status: .ok)
    }

    @Sendable func addPlace(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let form = try req.content.decode(LocationDraft.self)
        do {
            _ = try await CrimeService.addLocation(
                crimeID: crimeID, form: form, context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            let values = [
                "address": form.address, "postcode": form.postcode, "latitude": form.latitude,
                "longitude": form.longitude, "role": form.role,
            ]
            .mapValues { $0 ?? "" }
            return try await renderPlace(
                req, crime: try await CrimeService.find(crimeID, on: req.db), values: values, errors: errors,
                status: .unprocessableEntity)
        }
        req.flash("Place added.")
        return req.redirect(to: "/crimes/\(crimeID)")
    }

    private func renderPlace(
        _ req: Request, crime: Crime, values: [String: String], errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        var context = PlaceContext(
            chrome: Chrome(
                req, title: "Add a place to crime \(crime.reference)", section: "crimes", errors: errors),
            crimeID: crime.id!, reference: crime.reference, values: values,
            roles: LocationRole.options(selected: values["role"]))
        context.outsideUnit = try Self.outsideUnit(req, crime)
        return try await req.render("Crimes/place", context, status: status)
    }

    static func outsideUnit(_ req: Request, _ crime: Crime) throws -> Bool {
        AccessPolicy.decide(try req.accessContext().actor, .editCrime, on: CrimeService.scope(of: crime))
            == .reasonRequiredEachTime
    }

    private func editableCrime(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Crime {
        try await CrimeService.loadForEdit(id, context: context, on: db).crime
    }
}
