import Fluent
import Vapor
import VictimCareDomain

/// Crime search, the crime page, and the forms that record and change a crime.
struct CrimesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let crimes = routes.grouped("crimes")
        crimes.get(use: index).access(.role(.searchCrimes))
        crimes.get("new", use: new).access(.role(.createCrime))
        crimes.post(use: create).access(.role(.createCrime))
        crimes.get(":crimeID", use: show).access(.record(.viewCrime, .crime("crimeID")))
        crimes.get(":crimeID", "edit", use: edit).access(.form(change: .editCrime, read: .viewCrime, .crime("crimeID")))
        crimes.post(":crimeID", use: update).access(.record(.editCrime, .crime("crimeID")))
        crimes.post(":crimeID", "status", use: changeStatus).access(.record(.editCrime, .crime("crimeID")))
    }

    // MARK: search

    struct SearchContext: Encodable {
        var chrome: Chrome
        var values: [String: String]
        var units: [SelectOption]
        var rows: [CrimeRow]
        var searched: Bool
        var page: Int
        var previousPage: String?
        var nextPage: String?
        var canCreate: Bool
    }

    struct SearchQuery: Content {
        var reference: String?
        var name: String?
        var postcode: String?
        var from: String?
        var to: String?
        var commandUnit: String?
        var page: Int?
    }

    @Sendable func index(req: Request) async throws -> Response {
        let query = (try? req.query.decode(SearchQuery.self)) ?? SearchQuery()
        let context = try req.accessContext()
        try AccessGuard.require(.searchCrimes, context)
        let searched = [query.reference, query.name, query.postcode, query.from, query.to, query.commandUnit]
            .contains { !($0 ?? "").isEmpty }
        let values: [String: String] = [
            "reference": query.reference ?? "", "name": query.name ?? "", "postcode": query.postcode ?? "",
            "from": query.from ?? "", "to": query.to ?? "", "commandUnit": query.commandUnit ?? "",
        ]
        let units = try await OrganisationService.units(on: req.db).map {
            SelectOption(value: $0.code, label: "\($0.code) - \($0.name)", selected: $0.code == query.commandUnit)
        }
        var errors: [FieldError] = []
        var rows: [CrimeRow] = []
        var hasNext = false
        let page = max(1, min(query.page ?? 1, 400))
        if searched {
            do {
                let terms = CrimeService.SearchTerms(
                    reference: query.reference, name: query.name, postcode: query.postcode, from: query.from,
                    to: query.to,
                    commandUnit: query.commandUnit, page: page)
                let result = try await CrimeService.search(terms, context: context, on: req.db)
                rows = CrimeRow.rows(result, actor: context.actor)
                hasNext = result.hasNextPage
            } catch DomainError.invalid(let problems) {
                errors = problems
            }
        }
        func link(_ page: Int) -> String {
            var components = URLComponents()
            components.path = "/crimes"
            components.queryItems =
                values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map {
                    URLQueryItem(name: $0.key, value: $0.value)
                }
                + [URLQueryItem(name: "page", value: String(page))]
            return components.string ?? "/crimes"
        }
        return try await req.render(
            "Crimes/index",
            SearchContext(
                chrome: Chrome(req, title: "Find a crime", section: "crimes", errors: errors), values: values,
                units: units,
                rows: rows, searched: searched && errors.isEmpty, page: page,
                previousPage: page > 1 ? link(page - 1) : nil,
                nextPage: hasNext ? link(page + 1) : nil, canCreate: AccessPolicy.grants(context.actor, .createCrime)),
            status: errors.isEmpty ? .ok : .unprocessableEntity)
    }

    // MARK: show

    struct ShowContext: Encodable {
        /// Another unit's crime (opened with a reason): each change needs its own reason.
        var outsideUnit = false
        /// Interviews and their complete recordings (for those who may watch them).
        var interviews: [InterviewLine] = []
        var canViewInterviews = false
        /// Video identifications on the crime, and whether this person may make one (issue 15).
        var parades: [ParadeLine] = []
        var canRunIdentification = false
        /// The current triage and whether video may be offered (issue 16).
        var response = "Not triaged yet."

        struct ParadeLine: Encodable {
            var href: String
            var label: String
        }
        struct InterviewLine: Encodable {
            var id: UUID
            var kind: String
            var person: String
            var when: String
            var recordings: Int
        }
        struct PersonLine: Encodable {
            var linkID: UUID
            var personID: UUID
            var name: String
            var role: String
            var dateOfBirth: String
        }
        struct PropertyLine: Encodable {
            var description: String
            var role: String
            var identifiers: String
            var custody: String
            var dates: String
        }
        struct PlaceLine: Encodable {
            var address: String
            var postcode: String
            var role: String
        }
        struct TimelineLine: Encodable {
            var at: String
            var text: String
            var by: String
            var note: String
        }
        var chrome: Chrome
        var id: UUID
        var reference: String
        var offence: String
        var offenceCode: String
        var occurred: String
        var reported: String
        var channel: String
        var flags: [String]
        var unit: String
        var officer: String
        var status: String
        var summary: String
        var people: [PersonLine]
        var property: [PropertyLine]
        var places: [PlaceLine]
        var timeline: [TimelineLine]
        struct VictimLine: Encodable {
            var id: UUID
            var name: String
            var rights: String
            var open: Int
            var overdue: Int
            /// Their latest answer to the offer of a video call.
            var response = ""
        }
        var statuses: [SelectOption]
        var canEdit: Bool
        var victims: [VictimLine]
        var canRecordEvent: Bool
        var eventTypes: [SelectOption]
        var eventValues: [String: String]
    }

    @Sendable func show(req: Request) async throws -> Response {
        let id = try req.uuid("crimeID")
        let context = try req.accessContext()
        let detail = try await CrimeService.detail(id, context: context, on: req.db)
        return try await req.render("Crimes/show", try await showContext(req, detail, context: context))
    }

    func showContext(_ req: Request, _ d: CrimeService.Detail, context: AccessContext, errors: [FieldError] = [])
        async throws -> ShowContext
    {
        let c = d.crime
        let occurred = Display.time(c.occurredFrom) + (c.occurredTo.map { " to " + Display.time($0) } ?? "")
        let roleOrder = PersonRole.allCases.map(\.rawValue)
        let people = d.people
            .sorted {
                (roleOrder.firstIndex(of: $0.link.roleCode) ?? 9, $0.person.familyName) < (
                    roleOrder.firstIndex(of: $1.link.roleCode) ?? 9, $1.person.familyName
                )
            }
            .map {
                ShowContext.PersonLine(
                    linkID: $0.link.id!, personID: $0.person.id!, name: $0.person.fullName, role: $0.link.role.label,
                    dateOfBirth: Display.date($0.person.dateOfBirth))
            }
        let property = d.property.map { p in
            let ids = [
                p.item.imei.map { "IMEI \($0)" }, p.item.frameNumber.map { "Frame \($0)" },
                p.item.serialNumber.map { "Serial \($0)" },
            ].compactMap { $0 }
            let dates = [
                ("Stolen", p.item.stolenOn), ("Seized", p.item.seizedOn), ("Held", p.item.heldOn),
                ("Returned", p.item.returnedOn),
            ]
            .compactMap { label, date in date.map { "\(label) \(Display.date($0))" } }
            return ShowContext.PropertyLine(
                description: p.item.description,
                role: PropertyRole(rawValue: p.link.roleCode)?.label ?? p.link.roleCode,
                identifiers: ids.joined(separator: ", "), custody: p.item.custodyStatus.label,
                dates: dates.joined(separator: ", "))
        }
        let places = d.locations.map {
            ShowContext.PlaceLine(
                address: $0.location.address, postcode: $0.location.postcode ?? "",
                role: LocationRole(rawValue: $0.link.roleCode)?.label ?? $0.link.roleCode)
        }
        let events = d.events
        let statusLines = d.history.map { change in
            (
                change.at,
                ShowContext.TimelineLine(
                    at: Display.time(change.at),
                    text: "Status: " + (CrimeStatus(rawValue: change.statusCode)?.label ?? change.statusCode),
                    by: change.byName, note: change.note ?? "")
            )
        }
        let eventLines = events.map { event in
            (
                event.at,
                ShowContext.TimelineLine(
                    at: Display.time(event.at), text: event.type?.label ?? event.typeCode, by: event.recordedByName,
                    note: event.note ?? "")
            )
        }
        let timeline = (statusLines + eventLines).sorted { $0.0 > $1.0 }.map(\.1)
        let counts = d.openCounts
        let names = Dictionary(d.people.map { ($0.link.id!, $0.person.fullName) }, uniquingKeysWith: { a, _ in a })
        let victims = d.victims.map { v in
            ShowContext.VictimLine(
                id: v.id!, name: names[v.id!] ?? "Victim",
                rights: v.enhanced ? "Enhanced: " + v.grounds.map(\.label).joined(separator: ", ") : "Standard",
                open: counts[v.id!]?.open ?? 0, overdue: counts[v.id!]?.overdue ?? 0)
        }
        var page = ShowContext(
            chrome: Chrome(req, title: "Crime \(c.reference)", section: "crimes", errors: errors), id: c.id!,
            reference: c.reference,
            offence: c.offenceDescription, offenceCode: c.offenceCode, occurred: occurred,
            reported: Display.time(c.reportedAt),
            channel: c.channel.label, flags: c.flags.sorted().map(\.label), unit: "\(d.unit.code) - \(d.unit.name)",
            officer: d.officer.map { "\($0.rank.map { $0 + " " } ?? "")\($0.displayName)" } ?? "Not allocated",
            status: c.status.label, summary: c.summary ?? "", people: people, property: property, places: places,
            timeline: timeline, statuses: CrimeStatus.options(selected: c.statusCode),
            canEdit: AccessPolicy.decide(context.actor, .editCrime, on: CrimeService.scope(of: c)) != .denied,
            victims: victims,
            canRecordEvent: AccessPolicy.decide(context.actor, .recordCaseEvent, on: CrimeService.scope(of: c))
                != .denied,
            eventTypes: CaseEventType.options(selected: nil as String?), eventValues: ["at": London.formatLocal(Date())]
        )
        page.outsideUnit =
            AccessPolicy.decide(context.actor, .editCrime, on: CrimeService.scope(of: c)) == .reasonRequiredEachTime
        page.canViewInterviews =
            AccessPolicy.decide(context.actor, .viewEvidence, on: CrimeService.scope(of: c)) != .denied
        let extras = try await CrimeService.pageExtras(d, evidence: page.canViewInterviews, on: req.db)
        if let triage = extras.triage {
            page.response =
                (triage.offersVideo ? "Video may be offered" : (triage.triage.whyNoVideo ?? "An officer attends"))
                + " (triaged \(Display.time(triage.decidedAt)) by \(triage.decidedByName))."
        }
        for index in page.victims.indices {
            if let answer = extras.answers[page.victims[index].id] {
                page.victims[index].response = ResponseController.answer(
                    answer.choice, byVictim: answer.byVictim, recordedBy: answer.recordedByName,
                    at: answer.recordedAt)
            }
        }
        if page.canViewInterviews {
            page.interviews = extras.interviews.map { interview in
                ShowContext.InterviewLine(
                    id: interview.id, kind: InterviewKind(rawValue: interview.kindCode)?.label ?? interview.kindCode,
                    person: interview.linkID.flatMap { names[$0] } ?? "", when: Display.time(interview.at),
                    recordings: interview.recordings)
            }
            page.parades = extras.parades.map {
                ShowContext.ParadeLine(
                    href: "/crimes/\(c.id!)/parades/\($0.id)",
                    label: "Video identification of \(Display.time($0.createdAt)), by \($0.officerName)")
            }
            page.canRunIdentification = AccessPolicy.grants(context.actor, .runIdentification)
        }
        return page
    }

    // MARK: new, create, edit, update

    struct FormContext: Encodable {
        var outsideUnit = false
        var chrome: Chrome
        var action: String
        var isNew: Bool
        var values: [String: String]
        var offenceGroups: [OffenceGroup]
        var channels: [SelectOption]
        var flags: [SelectOption]
        var units: [SelectOption]
        var officers: [SelectOption]
        var contactMethods: [SelectOption]
        var languages: [SelectOption]
        var crimeID: UUID?
    }

    struct OffenceGroup: Encodable {
        var name: String
        var offences: [SelectOption]
    }

    @Sendable func new(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.createCrime, context)
        let unit = try await context.actor.commandUnitID.asyncFlatMap { try await CommandUnit.find($0, on: req.db) }
        let now = London.formatLocal(Date())
        var values = CrimeForm().values
        values["reportedAt"] = now
        values["commandUnit"] = unit?.code ?? ""
        values["officerInCase"] = (context.actor.role == .officer ? req.currentUser?.username : nil) ?? ""
        values["victimLanguage"] = "en"
        return try await renderForm(req, values: values, flags: [], crimeID: nil, errors: [], status: .ok)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let form = try req.content.decode(CrimeForm.self)
        let context = try req.accessContext()
        do {
            let created = try await CrimeService.create(
                form.draft, victims: form.victim.map { [VictimDraft(person: $0)] } ?? [], context: context, on: req.db)
            req.flash("Crime \(created.crime.reference) recorded.")
            return req.redirect(to: "/crimes/\(created.crime.id!)")
        } catch DomainError.invalid(let errors) {
            return try await renderForm(
                req, values: form.values, flags: Set(form.flags ?? []), crimeID: nil, errors: errors,
                status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            return try await renderForm(
                req, values: form.values, flags: Set(form.flags ?? []), crimeID: nil,
                errors: [.init(field: field, message: message)], status: .conflict)
        }
    }

    @Sendable func edit(req: Request) async throws -> Response {
        let id = try req.uuid("crimeID")
        let context = try req.accessContext()
        let loaded = try await CrimeService.loadForEdit(id, context: context, on: req.db)
        let (crime, unit, officer) = (loaded.crime, loaded.unit, loaded.officer)
        let values: [String: String] = [
            "reference": crime.reference, "offenceCode": crime.offenceCode,
            "occurredFrom": London.formatLocal(crime.occurredFrom),
            "occurredTo": crime.occurredTo.map(London.formatLocal) ?? "",
            "reportedAt": London.formatLocal(crime.reportedAt),
            "channel": crime.channelCode, "commandUnit": unit?.code ?? "", "officerInCase": officer?.username ?? "",
            "summary": crime.summary ?? "",
        ]
        return try await renderForm(
            req, values: values, flags: Set(crime.flags.map(\.rawValue)), crimeID: id, errors: [], status: .ok)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.uuid("crimeID")
        let form = try req.content.decode(CrimeForm.self)
        let context = try req.accessContext()
        do {
            let crime = try await CrimeService.update(id, form.draft, context: context, on: req.db)
            req.flash("Crime \(crime.reference) updated.")
            return req.redirect(to: "/crimes/\(id)")
        } catch DomainError.invalid(let errors) {
            return try await renderForm(
                req, values: form.values, flags: Set(form.flags ?? []), crimeID: id, errors: errors,
                status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            return try await renderForm(
                req, values: form.values, flags: Set(form.flags ?? []), crimeID: id,
                errors: [.init(field: field, message: message)], status: .conflict)
        }
    }

    struct StatusForm: Content {
        var status: String?
        var note: String?
    }

    @Sendable func changeStatus(req: Request) async throws -> Response {
        let id = try req.uuid("crimeID")
        let form = try req.content.decode(StatusForm.self)
        let context = try req.accessContext()
        do {
            try await CrimeService.changeStatus(id, to: form.status, note: form.note, context: context, on: req.db)
        } catch DomainError.invalid(let errors) {
            let detail = try await CrimeService.detail(id, context: context, on: req.db)
            return try await req.render(
                "Crimes/show", try await showContext(req, detail, context: context, errors: errors),
                status: .unprocessableEntity)
        }
        req.flash("Status updated.")
        return req.redirect(to: "/crimes/\(id)")
    }

    private func renderForm(
        _ req: Request, values: [String: String], flags: Set<String>, crimeID: UUID?, errors: [FieldError],
        status: HTTPResponseStatus
    ) async throws -> Response {
        let offences = try await Offence.query(on: req.db).filter(\.$active == true).sort(\.$group).sort(\.$code).all()
        let groups = Dictionary(grouping: offences, by: \.group).sorted { $0.key < $1.key }.map { group, items in
            OffenceGroup(
                name: group,
                offences: items.map {
                    SelectOption(
                        value: $0.code, label: "\($0.code) \($0.description)",
                        selected: $0.code == values["offenceCode"])
                })
        }
        let units = try await OrganisationService.units(on: req.db)
        let unitID = units.first { $0.code == values["commandUnit"] }?.id ?? req.currentUser?.$commandUnit.id
        let officers =
            try await unitID.asyncFlatMap { try await OrganisationService.investigators(in: $0, on: req.db) } ?? []
        let languages = Language.all.map {
            SelectOption(value: $0.code, label: $0.englishName, selected: $0.code == values["victimLanguage"])
        }
        let title = crimeID == nil ? "Record a crime" : "Change crime \(values["reference"] ?? "")"
        var page = FormContext(
            chrome: Chrome(req, title: title, section: "crimes", errors: errors),
            action: crimeID.map { "/crimes/\($0)" } ?? "/crimes", isNew: crimeID == nil, values: values,
            offenceGroups: groups,
            channels: ReportingChannel.options(selected: values["channel"]),
            flags: CrimeFlag.options(selected: flags),
            units: units.map {
                SelectOption(
                    value: $0.code, label: "\($0.code) - \($0.name)", selected: $0.code == values["commandUnit"])
            },
            officers: officers.map {
                SelectOption(
                    value: $0.username, label: "\($0.rank.map { $0 + " " } ?? "")\($0.displayName)",
                    selected: $0.username == values["officerInCase"])
            },
            contactMethods: ContactMethod.options(selected: values["victimPreferredContact"]), languages: languages,
            crimeID: crimeID)
        if let crimeID {
            let crime = try await CrimeService.find(crimeID, on: req.db)
            page.outsideUnit =
                AccessPolicy.decide(try req.accessContext().actor, .editCrime, on: CrimeService.scope(of: crime))
                == .reasonRequiredEachTime
        }
        return try await req.render("Crimes/form", page, status: status)
    }
}

extension Request {
    /// A UUID route parameter; anything else is a 404, not a 500.
    func uuid(_ name: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw Abort(.notFound) }
        return id
    }
}
