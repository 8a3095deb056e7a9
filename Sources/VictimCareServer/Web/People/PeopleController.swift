import Fluent
import Vapor
import VictimCareDomain

/// Finding people, their page (every event they are in), and the forms that change them.
struct PeopleController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let people = routes.grouped("people")
        people.get(use: index).access(.role(.searchPeople))
        people.get("new", use: new).access(.role(.createPerson))
        people.post(use: create).access(.role(.createPerson))
        people.get(":personID", use: show).access(.record(.viewPerson, .person("personID")))
        people.get(":personID", "edit", use: edit).access(
            .form(change: .editPerson, read: .viewPerson, .person("personID")))
        people.post(":personID", use: update).access(.record(.editPerson, .person("personID")))
        people.post(":personID", "contact-points", use: addContactPoint).access(
            .record(.editPerson, .person("personID")))
        people.post(":personID", "contact-points", ":pointID", use: setSafety).access(
            .record(.editPerson, .person("personID")))
        people.post(":personID", "aliases", use: addAlias).access(.record(.editPerson, .person("personID")))
    }

    struct SearchContext: Encodable {
        struct Row: Encodable {
            var id: UUID
            var name: String
            var born: String
            var units: String
            /// Outside the user's reach: a match only, opened with a reason.
            var matchOnly: Bool
        }
        var chrome: Chrome
        var values: [String: String]
        var rows: [Row]
        var searched: Bool
        var canCreate: Bool
    }

    @Sendable func index(req: Request) async throws -> Response {
        let name = try? req.query.get(String.self, at: "name")
        let dob = try? req.query.get(String.self, at: "dateOfBirth")
        let context = try req.accessContext()
        try AccessGuard.require(.searchPeople, context)
        var rows: [SearchContext.Row] = []
        var errors: [FieldError] = []
        let searched = !(name ?? "").isEmpty
        if searched {
            do {
                rows = try await PersonService.search(name: name, dateOfBirth: dob, context: context, on: req.db)
                    .map(Self.row)
            } catch DomainError.invalid(let problems) {
                errors = problems
            }
        }
        return try await req.render(
            "People/index",
            SearchContext(
                chrome: Chrome(req, title: "Find a person", section: "people", errors: errors),
                values: ["name": name ?? "", "dateOfBirth": dob ?? ""], rows: rows,
                searched: searched && errors.isEmpty,
                canCreate: AccessPolicy.grants(context.actor, .createPerson)),
            status: errors.isEmpty ? .ok : .unprocessableEntity)
    }

    static func row(_ m: PersonService.Match) -> SearchContext.Row {
        .init(
            id: m.id, name: "\(m.givenName) \(m.familyName)",
            born: m.dateOfBirth.map(Display.date) ?? m.yearOfBirth.map(String.init) ?? "not known",
            units: m.unitCodes.isEmpty ? "no unit" : m.unitCodes.joined(separator: ", "), matchOnly: !m.withinReach)
    }

    // MARK: show

    struct ShowContext: Encodable {
        /// Another unit's person (opened with a reason): each change needs its own reason.
        var outsideUnit = false
        struct Point: Encodable {
            var id: UUID
            var kind: String
            var value: String
            var safe: Bool
            var note: String
        }
        struct EventLine: Encodable {
            var crimeID: UUID
            var reference: String
            var offence: String
            var reported: String
            var role: String
            var unitCode: String
            var needsReason: Bool
        }
        struct Item: Encodable {
            var label: String
            var value: String
        }
        var chrome: Chrome
        var id: UUID
        var name: String
        var aliases: [String]
        var details: [Item]
        var characteristics: [Item]?
        var points: [Point]
        var events: [EventLine]
        var victimCount12Months: Int
        var repeatVictim: Bool
        var canEdit: Bool
        var kinds: [SelectOption]
        var values: [String: String]
        struct Other: Encodable {
            var id: UUID
            var name: String
            var born: String
            var likelihood: String
            var unsure: Bool
        }
        /// Records linked to this one (the same person), named where the viewer may read them.
        var linked: [Other] = []
        var linkedElsewhere: [UUID] = []
        var linkedElsewhereCount = 0
        /// Possibly the same person: pairs in the analysts' review queue.
        var possible: [Other] = []
        var possibleElsewhere = 0
        /// Waiting to be matched against the force's other records.
        var matching = false
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await renderShow(req, id: try req.uuid("personID"), values: [:], errors: [], status: .ok)
    }

    private func renderShow(
        _ req: Request, id: UUID, values: [String: String], errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let context = try req.accessContext()
        let d = try await PersonService.detail(id, context: context, on: req.db)
        let p = d.person
        var details: [ShowContext.Item] = [
            .init(
                label: "Date of birth",
                value: p.dateOfBirth.flatMap(LocalDate.init).map {
                    "\(London.formatReadable($0)) (age \($0.age(on: London.date(of: Date()))))"
                } ?? "Not known"),
            .init(
                label: "Preferred contact",
                value: ContactMethod(rawValue: p.preferredContact ?? "")?.label ?? "Not recorded"),
            .init(label: "Best times", value: p.preferredTimes ?? "Not recorded"),
            .init(
                label: "Language",
                value: (Language.named(p.language)?.englishName ?? p.language)
                    + (p.interpreterNeeded ? ", needs an interpreter" : "")),
        ]
        if let needs = p.communicationNeeds { details.append(.init(label: "Communication needs", value: needs)) }
        if let needs = p.accessNeeds { details.append(.init(label: "Access needs", value: needs)) }
        let characteristics = d.characteristics.map { c in
            [
                ShowContext.Item(label: "Sex", value: c.sex?.label ?? "Not stated"),
                .init(label: "Ethnic group", value: c.ethnicity?.label ?? "Not stated"),
                .init(label: "Disability", value: c.disability?.label ?? "Not stated"),
                .init(label: "Religion", value: c.religion?.label ?? "Not stated"),
                .init(label: "Sexual orientation", value: c.sexualOrientation?.label ?? "Not stated"),
            ]
        }
        let events = d.events.map { e in
            ShowContext.EventLine(
                crimeID: e.crime_id, reference: e.reference, offence: e.offence_description,
                reported: Display.time(e.reported_at),
                role: PersonRole(rawValue: e.role)?.label ?? e.role, unitCode: e.unit_code,
                needsReason: AccessPolicy.decide(
                    context.actor, .viewCrime, on: RecordScope(commandUnitIDs: [e.command_unit_id])) == .reasonRequired)
        }
        let links = try await PersonService.links(id, context: context, on: req.db)
        let recent = max(d.victimEvents(withinDays: 365).count, links.victimisations12Months)
        let scope = d.scope
        var page = ShowContext(
            chrome: Chrome(req, title: p.fullName, section: "people", errors: errors), id: id, name: p.fullName,
            aliases: d.aliases.map { "\($0.givenName) \($0.familyName)" }, details: details,
            characteristics: characteristics,
            points: d.contactPoints.map {
                .init(id: $0.id!, kind: $0.kind.label, value: $0.value, safe: $0.safe, note: $0.note ?? "")
            },
            events: events, victimCount12Months: recent, repeatVictim: recent >= 2,
            canEdit: AccessPolicy.decide(context.actor, .editPerson, on: scope) != .denied,
            kinds: ContactPointKind.options(selected: values["kind"]), values: values)
        page.outsideUnit = AccessPolicy.decide(context.actor, .editPerson, on: scope) == .reasonRequiredEachTime
        func other(_ o: PersonService.Links.Other) -> ShowContext.Other {
            ShowContext.Other(
                id: o.id, name: o.name,
                born: o.dateOfBirth.flatMap(LocalDate.init).map(London.formatReadable) ?? "date of birth not known",
                likelihood: o.probability.map { "\(Int(($0 * 100).rounded(.down)))% likely" } ?? "",
                unsure: o.status == "unsure")
        }
        page.linked = links.linked.map(other)
        page.linkedElsewhere = links.linkedElsewhere
        page.linkedElsewhereCount = links.linkedElsewhere.count
        page.possible = links.possible.map(other)
        page.possibleElsewhere = links.possibleElsewhere
        page.matching = links.matching
        return try await req.render("People/show", page, status: status)
    }

    // MARK: new, create, edit, update

    struct FormContext: Encodable {
        var outsideUnit = false
        var chrome: Chrome
        var action: String
        var values: [String: String]
        var contactMethods: [SelectOption]
        var languages: [SelectOption]
        var canRecordCharacteristics: Bool
        var sexes: [SelectOption]
        var ethnicities: [SelectOption]
        var disabilities: [SelectOption]
        var religions: [SelectOption]
        var orientations: [SelectOption]
        var personID: UUID?
    }

    @Sendable func new(req: Request) async throws -> Response {
        try AccessGuard.require(.createPerson, try req.accessContext())
        return try await renderForm(req, values: ["language": "en"], personID: nil, errors: [], status: .ok)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let form = try req.content.decode(PersonForm.self)
        do {
            let person = try await PersonService.create(form.draft, context: try req.accessContext(), on: req.db)
            // Matched now, so the page that follows says who they may be the same person as.
            await LinkageService.catchUp([person.id!], hub: req.application.linkage, on: req.db, logger: req.logger)
            req.flash("\(person.fullName) added.")
            return req.redirect(to: "/people/\(person.id!)")
        } catch DomainError.invalid(let errors) {
            return try await renderForm(
                req, values: form.values, personID: nil, errors: errors, status: .unprocessableEntity)
        }
    }

    @Sendable func edit(req: Request) async throws -> Response {
        let id = try req.uuid("personID")
        let context = try req.accessContext()
        let (person, _) = try await PersonService.loadForEdit(id, context: context, on: req.db)
        var values = PersonForm.values(of: person)
        if !AccessPolicy.grants(context.actor, .viewProtectedCharacteristics) {
            for key in ["sex", "ethnicity", "disability", "religion", "sexualOrientation"] { values[key] = "" }
        }
        return try await renderForm(req, values: values, personID: id, errors: [], status: .ok)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.uuid("personID")
        let form = try req.content.decode(PersonForm.self)
        do {
            let person = try await PersonService.update(id, form.draft, context: try req.accessContext(), on: req.db)
            await LinkageService.catchUp([id], hub: req.application.linkage, on: req.db, logger: req.logger)
            req.flash("\(person.fullName) updated.")
            return req.redirect(to: "/people/\(id)")
        } catch DomainError.invalid(let errors) {
            return try await renderForm(
                req, values: form.values, personID: id, errors: errors, status: .unprocessableEntity)
        }
    }

    private func renderForm(
        _ req: Request, values: [String: String], personID: UUID?, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let context = try req.accessContext()
        let title =
            personID == nil ? "Add a person" : "Change \(values["givenName"] ?? "") \(values["familyName"] ?? "")"
        var page = FormContext(
            chrome: Chrome(req, title: title, section: "people", errors: errors),
            action: personID.map { "/people/\($0)" } ?? "/people", values: values,
            contactMethods: ContactMethod.options(selected: values["preferredContact"]),
            languages: Language.all.map {
                SelectOption(value: $0.code, label: $0.englishName, selected: $0.code == values["language"])
            },
            canRecordCharacteristics: AccessPolicy.grants(context.actor, .editProtectedCharacteristics),
            sexes: Sex.options(selected: values["sex"]),
            ethnicities: Ethnicity.options(selected: values["ethnicity"]),
            disabilities: Disability.options(selected: values["disability"]),
            religions: Religion.options(selected: values["religion"]),
            orientations: SexualOrientation.options(selected: values["sexualOrientation"]), personID: personID)
        if let personID {
            page.outsideUnit =
                AccessPolicy.decide(
                    context.actor, .editPerson,
                    on: try await PersonService.scope(of: personID, context: context, on: req.db))
                == .reasonRequiredEachTime
        }
        return try await req.render("People/form", page, status: status)
    }

    // MARK: contact points and aliases

    struct PointForm: Content {
        var kind: String?
        var value: String?
        var safe: String?
        var note: String?
    }

    @Sendable func addContactPoint(req: Request) async throws -> Response {
        let id = try req.uuid("personID")
        let form = try req.content.decode(PointForm.self)
        do {
            _ = try await PersonService.addContactPoint(
                personID: id, kind: form.kind, value: form.value, safe: form.safe, note: form.note,
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            let values = ["kind": form.kind, "value": form.value, "safe": form.safe, "note": form.note].mapValues {
                $0 ?? ""
            }
            return try await renderShow(req, id: id, values: values, errors: errors, status: .unprocessableEntity)
        }
        await LinkageService.catchUp([id], hub: req.application.linkage, on: req.db, logger: req.logger)
        req.flash("Contact point added.")
        return req.redirect(to: "/people/\(id)")
    }

    @Sendable func setSafety(req: Request) async throws -> Response {
        let id = try req.uuid("personID")
        let form = try req.content.decode(PointForm.self)
        try await PersonService.setContactPointSafety(
            personID: id, pointID: try req.uuid("pointID"), safe: form.safe, note: form.note,
            context: try req.accessContext(), on: req.db)
        req.flash("Contact point updated.")
        return req.redirect(to: "/people/\(id)")
    }

    struct AliasForm: Content {
        var aliasGivenName: String?
        var aliasFamilyName: String?
    }

    @Sendable func addAlias(req: Request) async throws -> Response {
        let id = try req.uuid("personID")
        let form = try req.content.decode(AliasForm.self)
        do {
            _ = try await PersonService.addAlias(
                personID: id, givenName: form.aliasGivenName, familyName: form.aliasFamilyName,
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderShow(
                req, id: id,
                values: ["aliasGivenName": form.aliasGivenName ?? "", "aliasFamilyName": form.aliasFamilyName ?? ""],
                errors: errors, status: .unprocessableEntity)
        }
        req.flash("Other name added.")
        return req.redirect(to: "/people/\(id)")
    }
}
