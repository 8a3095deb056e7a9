import Fluent
import Vapor
import VictimCareDomain

/// An officer's "my victims", a supervisor's team, a command unit, and the Victim Focus Desk.
struct WorklistsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("worklist", use: mine).access(.role(.viewOwnWorklist))
        routes.get("worklist", "team", use: team).access(.ownUnitList(.viewTeamWorklist))
        routes.get("worklist", "unit", use: unit).access(.ownUnitList(.viewUnitWorklist))
        routes.get("desk", use: desk).access(.role(.viewDeskWorklist))
        routes.post("desk", "calls", use: recordCall).access(
            .role(.viewDeskWorklist), also: [.init(permission: .recordContact, record: .bodyVictim("victimID"))])
    }

    struct Line: Encodable {
        struct Duty: Encodable {
            var code: String
            var due: String
        }
        var victimID: UUID
        var crimeID: UUID
        var reference: String
        var name: String
        var enhanced: Bool
        var officer: String
        var preferred: String
        var preferredCode: String
        var duties: [Duty]
        var firstDue: String
        /// The points the preferred method can use: (id, label).
        var points: [SelectOption]
        /// The preferred method needs a number or address and none is recorded: no quick form.
        var needsPointButHasNone: Bool
        var lastNote: String
        /// An update is overdue and nobody has tried to reach them since: the prompt to try (issue 14).
        var attemptPrompt: String = ""
    }

    struct Section: Encodable {
        var id: String
        var title: String
        /// For the desk's template; empty where `html` carries the rows already written.
        var lines: [Line]
        var count: Int
        /// The rows already written (see `WorklistHTML`), for the officer, team and unit lists.
        var html: String = ""
    }

    struct Load: Encodable {
        var name: String
        var victims: Int
        var overdue: Int
        var dueToday: Int
    }

    struct Context: Encodable {
        var chrome: Chrome
        var heading: String
        var lead: String
        var sections: [Section]
        var loads: [Load]
        var showOfficer: Bool
        var quickContact: Bool
        var outcomes: [SelectOption]
        var returnTo: String
        var total: Int
    }

    static func lines(_ items: [WorklistService.VictimLine]) -> [Line] {
        items.map { v in
            Line(
                victimID: v.victimID, crimeID: v.crimeID, reference: v.reference, name: v.name, enhanced: v.enhanced,
                officer: v.officer ?? "Not allocated",
                preferred: v.preferredContact?.label ?? "Not recorded",
                preferredCode: v.preferredContact?.rawValue ?? "phone",
                duties: v.duties.map { .init(code: $0.code, due: Display.date($0.dueDate)) },
                firstDue: Display.date(v.duties[0].dueDate),
                points: v.points.filter { $0.kind == (v.preferredContact ?? .phone).contactPointKind }.map {
                    SelectOption(
                        value: $0.id.uuidString, label: $0.value + ($0.safe ? "" : " (NOT SAFE)"), selected: false)
                },
                needsPointButHasNone: (v.preferredContact ?? .phone).contactPointKind != nil
                    && !v.points.contains { $0.kind == (v.preferredContact ?? .phone).contactPointKind },
                lastNote: v.lastNote ?? "",
                attemptPrompt: v.needsAttempt
                    ? "An update is overdue and nobody has tried to reach them since"
                        + (v.lastAttempt.map { " (last attempt \(Display.time($0)))" } ?? "")
                        + ": try now and record the attempt, whatever happens." : "")
        }
    }

    static func sections(_ b: WorklistService.Buckets, html options: WorklistHTML.Options? = nil) -> [Section] {
        [
            ("overdue", "Overdue", b.overdue), ("today", "Due today", b.dueToday),
            ("week", "Due this week", b.dueThisWeek), ("later", "Due later", b.later),
        ].map { id, title, items in
            let lines = lines(items)
            guard let options else { return Section(id: id, title: title, lines: lines, count: lines.count) }
            return Section(
                id: id, title: title, lines: [], count: lines.count, html: WorklistHTML.items(lines, options))
        }
    }

    @Sendable func mine(req: Request) async throws -> Response {
        let buckets = try await WorklistService.mine(context: try req.accessContext(), on: req.db)
        if let csv = try await Self.csv(req, buckets, name: "my-victims") { return csv }
        let chrome = Chrome(req, title: "My victims", section: "worklist")
        let options = WorklistHTML.Options(
            showOfficer: false, quickContact: true, csrf: chrome.csrf, returnTo: "/worklist",
            outcomes: ContactOutcome.options(selected: nil as String?))
        return try await req.render(
            "Worklists/index",
            Context(
                chrome: chrome, heading: "My victims",
                lead:
                    "Victims of your cases with something owed, most urgent first. Record a call straight from the list.",
                sections: Self.sections(buckets, html: options), loads: [], showOfficer: false, quickContact: true,
                outcomes: [], returnTo: "/worklist", total: buckets.total)
        )
    }

    /// `?csv=1`: the list as CSV (the victims in it were audited as seen when it was loaded; the download is
    /// audited as an export too).
    static func csv(_ req: Request, _ buckets: WorklistService.Buckets, name: String) async throws -> Response? {
        guard (try? req.query.get(String.self, at: "csv")) != nil else { return nil }
        try await AuditLog.record(
            .export, "worklist", nil, summary: "\(name) as CSV, \(buckets.total) victims",
            context: try req.accessContext(),
            on: req.db)
        var text = CSV.byteOrderMark + CSV.line(["when", "victim", "crime", "prefers", "officer", "owed", "last note"])
        for (when, lines) in [
            ("overdue", buckets.overdue), ("due today", buckets.dueToday), ("this week", buckets.dueThisWeek),
            ("later", buckets.later),
        ] {
            for line in lines {
                text +=
                    "\r\n"
                    + CSV.line([
                        when, line.name, line.reference, line.preferredContact?.label ?? "", line.officer ?? "",
                        line.duties.map { "\($0.code) by \(Display.date($0.dueDate))" }.joined(separator: "; "),
                        line.lastNote ?? "",
                    ])
            }
        }
        let response = Response(status: .ok, body: .init(string: text + "\r\n"))
        response.headers.contentType = CSV.mediaType
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).csv\"")
        return response
    }

    static func readOnly(_ returnTo: String) -> WorklistHTML.Options {
        .init(showOfficer: true, quickContact: false, csrf: "", returnTo: returnTo, outcomes: [])
    }

    @Sendable func team(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let (buckets, loads) = try await WorklistService.team(context: try req.accessContext(), on: req.db)
        if let csv = try await Self.csv(req, buckets, name: "team") { return csv }
        let teamName = try await user.$team.id.asyncFlatMap { try await Team.find($0, on: req.db) }?.name
        return try await req.render(
            "Worklists/index",
            Context(
                chrome: Chrome(req, title: "Team", section: "team"),
                heading: teamName.map { "Team: \($0)" } ?? "Your unit's victims",
                lead: "Victims your team owes something to, and each officer's load.",
                sections: Self.sections(buckets, html: Self.readOnly("/worklist/team")),
                loads: loads.map {
                    .init(name: $0.name, victims: $0.victims, overdue: $0.overdue, dueToday: $0.dueToday)
                },
                showOfficer: true, quickContact: false, outcomes: [], returnTo: "/worklist/team", total: buckets.total))
    }

    @Sendable func unit(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let (buckets, loads) = try await WorklistService.unit(context: context, on: req.db)
        if let csv = try await Self.csv(req, buckets, name: "unit") { return csv }
        guard let unitID = context.actor.commandUnitID, let unit = try await CommandUnit.find(unitID, on: req.db) else {
            throw DomainError.forbidden("Your account has no command unit.")
        }
        return try await req.render(
            "Worklists/index",
            Context(
                chrome: Chrome(req, title: "Command unit", section: "unit"), heading: "\(unit.code): \(unit.name)",
                lead: "Every victim in the unit with something owed, and each officer's load.",
                sections: Self.sections(buckets, html: Self.readOnly("/worklist/unit")),
                loads: loads.map {
                    .init(name: $0.name, victims: $0.victims, overdue: $0.overdue, dueToday: $0.dueToday)
                },
                showOfficer: true, quickContact: false, outcomes: [], returnTo: "/worklist/unit", total: buckets.total))
    }

    // MARK: the desk

    struct DeskContext: Encodable {
        struct Call: Encodable {
            var at: String
            var direction: String
            var caller: String
            var reason: String
            var outcome: String
            var counted: String
            var by: String
            var notes: String
            var victimID: UUID?
        }
        struct Match: Encodable {
            /// "Fatima Begum, victim in SN/1234567/26"
            var matched: String
            var reference: String
            var status: String
            var officer: String
            var victims: [MatchVictim]
            /// A suspect's or witness's match: no call can be logged from it.
            var noCall: Bool
        }
        struct MatchVictim: Encodable {
            /// Unique on the page (a victim can come up through two matches).
            var key: String
            var victimID: UUID
            var name: String
            var nextDue: String
            var phones: [SelectOption]
        }
        var chrome: Chrome
        var sections: [Section]
        var calls: [Call]
        var query: String
        var matches: [Match]
        var searched: Bool
        var reasons: [SelectOption]
        var outcomes: [SelectOption]
        var values: [String: String]
    }

    @Sendable func desk(req: Request) async throws -> Response {
        try await renderDesk(req, values: [:], errors: [], status: .ok)
    }

    private func renderDesk(_ req: Request, values: [String: String], errors: [FieldError], status: HTTPResponseStatus)
        async throws -> Response
    {
        let context = try req.accessContext()
        let buckets = try await WorklistService.desk(context: context, on: req.db)
        let query = (try? req.query.get(String.self, at: "q")) ?? values["q"] ?? ""
        let matches = try await DeskService.search(query, context: context, on: req.db).enumerated().map { n, m in
            DeskContext.Match(
                matched: "\(m.name), \(m.role.label.lowercased()) in \(m.reference)", reference: m.reference,
                status: m.status, officer: m.officer ?? "Not allocated",
                victims: m.victims.map {
                    .init(
                        key: "\(n)-\($0.victimID)", victimID: $0.victimID, name: $0.name,
                        nextDue: $0.nextDue ?? "Nothing owed now",
                        phones: $0.phones.map {
                            SelectOption(
                                value: $0.id.uuidString, label: $0.number + ($0.safe ? "" : " (NOT SAFE)"),
                                selected: false)
                        })
                }, noCall: m.victims.isEmpty)
        }
        let calls = try await DeskService.recent(context: context, on: req.db).map { c in
            DeskContext.Call(
                at: Display.time(c.at), direction: c.direction == "inbound" ? "In" : "Out",
                caller: c.caller.capitalized,
                reason: DeskService.Reason(rawValue: c.reason)?.label ?? c.reason,
                outcome: DeskService.Outcome(rawValue: c.outcome)?.label ?? c.outcome,
                counted: c.contact.map { $0.successful ? "Successful contact" : "Attempt" } ?? "No contact",
                by: c.byName, notes: c.notes ?? "", victimID: c.$victim.id)
        }
        return try await req.render(
            "Worklists/desk",
            DeskContext(
                chrome: Chrome(req, title: "Victim Focus Desk", section: "desk", errors: errors),
                sections: Self.sections(buckets),
                calls: calls, query: query, matches: matches, searched: !query.isEmpty,
                reasons: DeskService.Reason.options(selected: values["reason"]),
                outcomes: DeskService.Outcome.options(selected: values["outcome"]),
                values: values), status: status)
    }

    struct CallForm: Content {
        var victimID: String?
        var direction: String?
        var caller: String?
        var reason: String?
        var outcome: String?
        var notes: String?
        var identityVerified: String?
        var welfareChecked: String?
        var safeToSpeak: String?
        var contactPointID: String?
        var formKey: String?
        var q: String?
    }

    @Sendable func recordCall(req: Request) async throws -> Response {
        // The desk's call log is the desk's: checked before anything in the form is read.
        try AccessGuard.require(.viewDeskWorklist, try req.accessContext())
        let form = try req.content.decode(CallForm.self)
        guard let raw = form.victimID, let victimID = UUID(uuidString: raw) else {
            return try await renderDesk(
                req, values: ["q": form.q ?? ""],
                errors: [.init(field: "q", message: "Find the victim first, then log the call against them")],
                status: .unprocessableEntity)
        }
        do {
            let call = try await DeskService.record(
                victimID: victimID,
                .init(
                    direction: form.direction, caller: form.caller, reason: form.reason, outcome: form.outcome,
                    notes: form.notes,
                    identityVerified: form.identityVerified ?? "no", welfareChecked: form.welfareChecked ?? "no",
                    safeToSpeak: form.safeToSpeak ?? "no", contactPointID: form.contactPointID),
                context: try req.accessContext(), on: req.db)
            req.flash(
                call.$contact.id == nil ? "Call logged." : "Call logged, and recorded as a contact with the victim.")
        } catch DomainError.invalid(let errors) {
            let values = [
                "q": form.q ?? "", "reason": form.reason ?? "", "outcome": form.outcome ?? "",
                "victimID": raw, "notes": form.notes ?? "", "formKey": form.formKey ?? "",
            ]
            // The errors name the fields of the form that was sent: the one for this victim (its ids end in the
            // victim's id), so the summary's links reach them and that form opens again with what was typed.
            return try await renderDesk(
                req, values: values,
                errors: errors.map { FieldError(field: "\($0.field)-\(form.formKey ?? raw)", message: $0.message) },
                status: .unprocessableEntity)
        }
        return req.redirect(to: "/desk")
    }
}
