import Fluent
import Vapor
import VictimCareDomain

/// Issue 16, item 1: the triage of a report and the offer of a video call to each victim, with the rules'
/// answer said on the page (why not, and what the call must provide).
struct ResponseController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("crimes", ":crimeID", "triage", use: triage).access(
            .form(change: .editCrime, read: .viewCrime, .crime("crimeID")))
        routes.post("crimes", ":crimeID", "triage", use: recordTriage).access(.record(.editCrime, .crime("crimeID")))
        routes.get("victims", ":victimID", "video-offer", use: offer).access(
            .form(change: .recordContact, read: .viewPerson, .victim("victimID")))
        routes.post("victims", ":victimID", "video-offer", use: choose).access(
            .record(.recordContact, .victim("victimID")))
    }

    // MARK: the triage

    struct TriageContext: Encodable {
        struct Line: Encodable {
            var at: String
            var by: String
            var levels: String
            var attendance: String
            var reason: String
            var video: String
        }
        struct VictimLine: Encodable {
            var id: UUID
            var name: String
            var answer: String
        }
        var chrome: Chrome
        var crimeID: UUID
        var reference: String
        var outsideUnit: Bool
        var values: [String: String]
        var threat: [SelectOption]
        var risk: [SelectOption]
        var harm: [SelectOption]
        var current: Line?
        var earlier: [Line]
        var victims: [VictimLine]
    }

    struct TriageForm: Content {
        var threat: String?
        var risk: String?
        var harm: String?
        var attendanceNeeded: String?
        var reason: String?

        var values: [String: String] {
            [
                "threat": threat ?? "", "risk": risk ?? "", "harm": harm ?? "",
                "attendanceNeeded": attendanceNeeded ?? "", "reason": reason ?? "",
            ]
        }
    }

    @Sendable func triage(req: Request) async throws -> Response {
        try await renderTriage(req, try req.uuid("crimeID"), values: [:], errors: [], status: .ok)
    }

    @Sendable func recordTriage(req: Request) async throws -> Response {
        let id = try req.uuid("crimeID")
        let form = try req.content.decode(TriageForm.self)
        let context = try req.accessContext()
        do {
            let record = try await ResponseTriageService.record(
                id,
                .init(
                    threat: form.threat, risk: form.risk, harm: form.harm, attendanceNeeded: form.attendanceNeeded,
                    reason: form.reason), context: context, on: req.db)
            req.flash(
                record.offersVideo
                    ? "Triage recorded: a video call may be offered to the victims."
                    : "Triage recorded: an officer attends in person.")
            return req.redirect(to: "/crimes/\(id)/triage")
        } catch DomainError.invalid(let errors) {
            return try await renderTriage(req, id, values: form.values, errors: errors, status: .unprocessableEntity)
        }
    }

    private func renderTriage(
        _ req: Request, _ id: UUID, values: [String: String], errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let page = try await ResponseTriageService.crimeResponse(id, context: try req.accessContext(), on: req.db)
        func line(_ t: ResponseTriageRecord) -> TriageContext.Line {
            let level = { (raw: String) in VideoResponse.Level(rawValue: raw)?.label ?? raw }
            return .init(
                at: Display.time(t.decidedAt), by: t.decidedByName,
                levels: "Threat \(level(t.threat)), risk \(level(t.risk)), harm \(level(t.harm))",
                attendance: t.attendanceNeeded ? "An officer must attend now" : "No one needs to attend now",
                reason: t.reason,
                video: t.offersVideo ? "Video may be offered" : (t.triage.whyNoVideo ?? "No video"))
        }
        var values = values
        if values.isEmpty, let current = page.triages.first {
            values = [
                "threat": current.threat, "risk": current.risk, "harm": current.harm,
                "attendanceNeeded": current.attendanceNeeded ? "yes" : "no", "reason": "",
            ]
        }
        func options(_ field: String) -> [SelectOption] {
            [SelectOption(value: "", label: "Choose", selected: (values[field] ?? "").isEmpty)]
                + VideoResponse.Level.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: values[field] == $0.rawValue)
                }
        }
        let context = TriageContext(
            chrome: Chrome(
                req, title: "Response to crime \(page.crime.reference)", section: "crimes", errors: errors),
            crimeID: id, reference: page.crime.reference, outsideUnit: page.outsideUnit, values: values,
            threat: options("threat"), risk: options("risk"), harm: options("harm"),
            current: page.triages.first.map(line), earlier: page.triages.dropFirst().map(line),
            victims: page.victims.map {
                .init(id: $0.victim.id!, name: $0.name, answer: Self.answer($0.latest))
            })
        return try await req.render("Response/triage", context, status: status)
    }

    /// One line for a victim's latest answer.
    static func answer(_ choice: ResponseChoice?) -> String {
        guard let choice else { return "Not offered yet" }
        return answer(
            choice.choice, byVictim: choice.byVictim, recordedBy: choice.recordedByName, at: choice.recordedAt)
    }

    static func answer(_ choice: ResponseChoice.Choice, byVictim: Bool, recordedBy name: String, at: Date) -> String {
        let who = byVictim ? "asked for on their case page" : "recorded by \(name)"
        return "\(choice.label), \(who), \(Display.time(at))"
    }

    // MARK: the offer to one victim

    struct OfferContext: Encodable {
        struct Past: Encodable {
            var at: String
            var answer: String
            var reason: String
            var bars: [String]
        }
        var chrome: Chrome
        var victimID: UUID
        var crimeID: UUID
        var reference: String
        var name: String
        var outsideUnit: Bool
        var values: [String: String]
        var dateOfBirth: String?
        var age: Int?
        var guardianOnCrime: Bool
        /// The triage allows a video call (`nil`: no triage yet).
        var triageOffersVideo: Bool?
        var triageSays: String
        /// What the rules say on what is known now.
        var bars: [String]
        var unknowns: [String]
        var adjustments: [String]
        var past: [Past]
    }

    struct OfferForm: Content {
        var statedAdult: String?
        var guardianPresent: String?
        var hasVideoDevice: String?
        var hasConnection: String?
        var offenderPresent: String?
        var accessNeeds: String?
        var officerSex: String?
        var choice: String?
        var declineReason: String?

        var draft: ResponseTriageService.OfferDraft {
            .init(
                statedAdult: statedAdult, guardianPresent: guardianPresent == "yes", hasVideoDevice: hasVideoDevice,
                hasConnection: hasConnection, offenderPresent: offenderPresent, accessNeeds: accessNeeds,
                officerSex: officerSex, choice: choice, declineReason: declineReason)
        }

        var values: [String: String] {
            [
                "statedAdult": statedAdult ?? "", "guardianPresent": guardianPresent ?? "",
                "hasVideoDevice": hasVideoDevice ?? "", "hasConnection": hasConnection ?? "",
                "offenderPresent": offenderPresent ?? "", "accessNeeds": accessNeeds ?? "",
                "officerSex": officerSex ?? "", "choice": choice ?? "", "declineReason": declineReason ?? "",
            ]
        }
    }

    @Sendable func offer(req: Request) async throws -> Response {
        try await renderOffer(req, try req.uuid("victimID"), form: nil, errors: [], status: .ok)
    }

    @Sendable func choose(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(OfferForm.self)
        let context = try req.accessContext()
        do {
            let choice = try await ResponseTriageService.choose(id, form.draft, context: context, on: req.db)
            req.flash(
                choice.choice == .video
                    ? "Recorded: they chose a video call." : "Recorded: they chose a visit. Arrange it with them.")
            return req.redirect(to: "/victims/\(id)")
        } catch DomainError.invalid(let errors) {
            return try await renderOffer(req, id, form: form, errors: errors, status: .unprocessableEntity)
        }
    }

    private func renderOffer(
        _ req: Request, _ id: UUID, form: OfferForm?, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let offer = try await ResponseTriageService.offer(id, context: try req.accessContext(), on: req.db)
        let facts = offer.facts(form?.draft)
        let decision = VideoResponse.decide(facts)
        var values = form?.values ?? [:]
        if form == nil {
            func word(_ b: Bool?) -> String { b.map { $0 ? "yes" : "no" } ?? "" }
            values = [
                "statedAdult": word(facts.statedAdult),
                "guardianPresent": facts.guardianPresent || offer.guardianOnCrime ? "yes" : "",
                "hasVideoDevice": word(facts.hasVideoDevice), "hasConnection": word(facts.hasConnection),
                "offenderPresent": word(facts.offenderPresent), "accessNeeds": facts.accessNeeds ?? "",
                "officerSex": facts.officerSex ?? "",
            ]
        }
        let triageSays: String =
            if let triage = offer.triage {
                triage.offersVideo
                    ? "The triage allows a video call (\(Display.time(triage.decidedAt)), \(triage.decidedByName))."
                    : (triage.triage.whyNoVideo ?? "The triage does not allow a video call.")
            } else {
                "The crime has no triage yet: record it before offering a video call. A visit can be recorded now."
            }
        let context = OfferContext(
            chrome: Chrome(
                req, title: "Offer a video call to \(offer.person.fullName)", section: "crimes", errors: errors),
            victimID: id, crimeID: offer.crime.id!, reference: offer.crime.reference, name: offer.person.fullName,
            outsideUnit: offer.outsideUnit, values: values,
            dateOfBirth: offer.person.dateOfBirth.map { Display.date($0) },
            age: facts.dateOfBirth.map { $0.age(on: facts.today) }, guardianOnCrime: offer.guardianOnCrime,
            triageOffersVideo: offer.triage?.offersVideo, triageSays: triageSays,
            bars: decision.bars.map(\.message), unknowns: decision.unknowns.map(\.message),
            adjustments: decision.adjustments,
            past: offer.choices.map {
                .init(
                    at: Display.time($0.recordedAt), answer: Self.answer($0), reason: $0.declineReason ?? "",
                    bars: $0.bars.split(separator: "\n").map(String.init))
            })
        return try await req.render("Response/offer", context, status: status)
    }
}
