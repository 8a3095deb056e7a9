import Fluent
import Vapor
import VictimCareDomain

/// Administrators set the Victims' Code figures (with an effective date), the working-day calendar's
/// exceptions and the call-back policy, and watch the recomputation each change starts.
struct VictimsCodeSettingsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let settings = routes.grouped("admin", "victims-code")
        settings.get(use: index).access(.role(.manageVictimsCodeSettings))
        settings.post("policy", use: savePolicy).access(.role(.manageVictimsCodeSettings))
        settings.post("calendar", use: addOverride).access(.role(.manageVictimsCodeSettings))
        settings.post("callback", use: addCallBack).access(.role(.manageVictimsCodeSettings))
        settings.post("recompute", use: recompute).access(.role(.manageVictimsCodeSettings))
    }

    struct Context: Encodable {
        struct Rule: Encodable {
            var code: String
            var trigger: String
            var triggerLabel: String
            var duty: String
            var standard: Int
            var enhanced: Int
            var unit: String
            var note: String
            var field: String
        }
        struct Version: Encodable {
            var from: String
            var note: String
            var by: String
        }
        struct Override: Encodable {
            var date: String
            var kind: String
            var name: String
        }
        struct CallBack: Encodable {
            var offence: String
            var decision: String
            var note: String
            var from: String
        }
        struct Job: Encodable {
            var reason: String
            var state: String
            var progress: String
            var percent: Int
            var requested: String
            var finished: String
        }
        struct Holiday: Encodable {
            var date: String
            var name: String
        }
        var chrome: Chrome
        var rules: [Rule]
        var updateIntervalDays: Int
        var persistentThreshold: Int
        var versions: [Version]
        var overrides: [Override]
        var callBacks: [CallBack]
        var jobs: [Job]
        var holidays: [Holiday]
        var year: Int
        var offences: [SelectOption]
        var values: [String: String]
    }

    @Sendable func index(req: Request) async throws -> Response {
        try await render(req, values: [:], errors: [], status: .ok)
    }

    private func render(_ req: Request, values: [String: String], errors: [FieldError], status: HTTPResponseStatus)
        async throws -> Response
    {
        let context = try req.accessContext()
        try AccessGuard.require(.manageVictimsCodeSettings, context)
        let config = try await VictimsCodeConfig.current(on: req.db)
        let policy = config.currentPolicy
        let year = London.date(of: Date()).year
        let offences = try await Offence.query(on: req.db).sort(\.$code).all()
        let names = Dictionary(offences.map { ($0.code, $0.description) }, uniquingKeysWith: { a, _ in a })
        let jobs = try await RecomputeJob.query(on: req.db).sort(\.$requestedAt, .descending).limit(10).all()
        return try await req.render(
            "Admin/victimsCode",
            Context(
                chrome: Chrome(req, title: "Victims' Code settings", section: "admin", errors: errors),
                rules: policy.rules.map {
                    .init(
                        code: $0.code, trigger: $0.trigger.rawValue,
                        triggerLabel: VictimsCodeText.trigger($0.trigger.rawValue), duty: $0.duty,
                        standard: $0.standard.number, enhanced: $0.enhanced.number, unit: $0.standard.unit,
                        note: $0.note ?? "",
                        field: "\($0.code)-\($0.trigger.rawValue)")
                },
                updateIntervalDays: policy.updateIntervalDays,
                persistentThreshold: policy.persistentlyTargetedThreshold,
                versions: try await PolicyVersion.query(on: req.db).sort(\.$effectiveFrom, .descending).all().map {
                    .init(from: Display.date($0.effectiveFrom), note: $0.note, by: $0.createdByName)
                },
                overrides: try await CalendarOverrideRecord.query(on: req.db).sort(\.$date).all().map {
                    .init(
                        date: Display.date($0.date), kind: $0.holiday ? "Not a working day" : "A working day",
                        name: $0.name)
                },
                callBacks: try await CallBackPolicyRecord.query(on: req.db).sort(\.$offenceCode).sort(\.$effectiveFrom)
                    .all().map {
                        .init(
                            offence: "\($0.offenceCode) \(names[$0.offenceCode] ?? "")",
                            decision: $0.callBack ? "Call back" : "Not routinely",
                            note: $0.note, from: Display.date($0.effectiveFrom))
                    },
                jobs: jobs.map {
                    .init(
                        reason: $0.reason, state: $0.state,
                        progress:
                            "\($0.done) of \($0.total) victims; \($0.victimsChanged) with changed duties (\($0.changed) obligations)",
                        percent: $0.total == 0 ? 100 : min(100, $0.done * 100 / $0.total),
                        requested: Display.time($0.requestedAt),
                        finished: $0.finishedAt.map(Display.time) ?? "")
                },
                holidays: (year...(year + 1)).flatMap { y in
                    BankHolidays.holidays(in: y).filter { config.engine.calendar.holidayName($0.date) != nil }.map {
                        Context.Holiday(date: London.formatReadable($0.date), name: $0.name)
                    }
                },
                year: year,
                offences: offences.map {
                    SelectOption(
                        value: $0.code, label: "\($0.code) \($0.description)",
                        selected: $0.code == values["offenceCode"])
                },
                values: values), status: status)
    }

    @Sendable func savePolicy(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let config = try await VictimsCodeConfig.current(on: req.db)
        let limits = config.currentPolicy.rules.map { rule -> PolicyService.LimitChange in
            let field = "\(rule.code)-\(rule.trigger.rawValue)"
            return .init(
                code: rule.code, trigger: rule.trigger.rawValue, standard: form["\(field)-standard"],
                enhanced: form["\(field)-enhanced"])
        }
        do {
            _ = try await PolicyService.saveVersion(
                effectiveFrom: form["effectiveFrom"], note: form["note"],
                updateIntervalDays: form["updateIntervalDays"],
                persistentThreshold: form["persistentThreshold"], limits: limits, context: try req.accessContext(),
                on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(req, values: form, errors: errors, status: .unprocessableEntity)
        }
        req.flash("New policy version saved. Every victim's obligations are being recomputed.")
        return req.redirect(to: "/admin/victims-code")
    }

    @Sendable func addOverride(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        do {
            try await PolicyService.addCalendarOverride(
                date: form["date"], holiday: form["holiday"], name: form["name"], context: try req.accessContext(),
                on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(req, values: form, errors: errors, status: .unprocessableEntity)
        }
        req.flash("Calendar changed. Every victim's obligations are being recomputed.")
        return req.redirect(to: "/admin/victims-code")
    }

    @Sendable func addCallBack(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        do {
            try await PolicyService.addCallBackEntry(
                offenceCode: form["offenceCode"], callBack: form["callBack"], note: form["callBackNote"],
                from: form["callBackFrom"],
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(req, values: form, errors: errors, status: .unprocessableEntity)
        }
        req.flash("Call-back policy changed. Every victim's obligations are being recomputed.")
        return req.redirect(to: "/admin/victims-code")
    }

    @Sendable func recompute(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.manageVictimsCodeSettings, context)
        try await RecomputeService.enqueue(reason: "Requested by an administrator", context: context, on: req.db)
        req.flash("Recompute queued.")
        return req.redirect(to: "/admin/victims-code")
    }
}
