import Fluent
import Vapor
import VictimCareDomain

/// The Victim Needs Assessment form: the standard question set, pre-filled from the last assessment.
struct AssessmentController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("victims", ":victimID", "assessment", use: form).access(
            .form(change: .completeAssessment, read: .viewPerson, .victim("victimID")))
        routes.post("victims", ":victimID", "assessment", use: submit).access(
            .record(.completeAssessment, .victim("victimID")))
    }

    struct Context: Encodable {
        var chrome: Chrome
        var id: UUID
        var name: String
        var reference: String
        var questionSet: String
        var values: [String: String]
        var vulnerability: [SelectOption]
        var languages: [SelectOption]
        var methods: [SelectOption]
        var consents: [SelectOption]
        var automatic: [String]
        var outsideUnit: Bool
        /// The last assessment was a draft: the questions it left unanswered, linked to their fields.
        var stillToAnswer: [SelectOption] = []
    }

    struct Form: Content {
        var language: String?
        var interpreterNeeded: String?
        var communicationNeeds: String?
        var accessNeeds: String?
        var preferredContact: String?
        var preferredTimes: String?
        var agreedUpdateDays: String?
        var feelsSafe: String?
        var suspectHasAccess: String?
        var suspectKnown: String?
        var safetyNotes: String?
        var supportWanted: String?
        var referralConsent: String?
        var bereaved: String?
        var persistentlyTargeted: String?
        var vulnerability: [String]?
        var intimidated: String?

        var draft: NeedsAssessmentService.Draft {
            .init(
                language: language, interpreterNeeded: interpreterNeeded, communicationNeeds: communicationNeeds,
                accessNeeds: accessNeeds,
                preferredContact: preferredContact, preferredTimes: preferredTimes, agreedUpdateDays: agreedUpdateDays,
                feelsSafe: feelsSafe,
                suspectHasAccess: suspectHasAccess, suspectKnown: suspectKnown, safetyNotes: safetyNotes,
                supportWanted: supportWanted, referralConsent: referralConsent,
                bereaved: bereaved, persistentlyTargeted: persistentlyTargeted, vulnerability: vulnerability ?? [],
                intimidated: intimidated)
        }

        var values: [String: String] {
            [
                "language": language, "interpreterNeeded": interpreterNeeded, "communicationNeeds": communicationNeeds,
                "accessNeeds": accessNeeds,
                "preferredContact": preferredContact, "preferredTimes": preferredTimes,
                "agreedUpdateDays": agreedUpdateDays, "feelsSafe": feelsSafe,
                "suspectHasAccess": suspectHasAccess, "suspectKnown": suspectKnown, "safetyNotes": safetyNotes,
                "supportWanted": supportWanted,
                "referralConsent": referralConsent,
                "bereaved": bereaved, "persistentlyTargeted": persistentlyTargeted, "intimidated": intimidated,
            ].mapValues { $0 ?? "" }
        }
    }

    @Sendable func form(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let context = try req.accessContext()
        let loaded = try await NeedsAssessmentService.loadForm(victimID: id, context: context, on: req.db)
        let (victim, person, last) = (loaded.victim, loaded.person, loaded.last)
        // A question the last assessment left unanswered, or never asked, starts blank: "not asked" is not "no"
        // (an Arabic speaker's interpreter question is not pre-set to no; 2026-11-30, issue 13).
        let open = Set(last?.unanswered ?? (last == nil ? NeedsQuestion.allCases : []))
        func answer(_ question: NeedsQuestion, _ value: Bool?) -> String {
            guard !open.contains(question), let value else { return "" }
            return value ? "yes" : "no"
        }
        let values: [String: String] = [
            "language": last?.language ?? person.language,
            "interpreterNeeded": last == nil && person.interpreterNeeded
                ? "yes" : answer(.interpreter, last?.interpreterNeeded),
            "communicationNeeds": last?.communicationNeeds ?? person.communicationNeeds ?? "",
            "accessNeeds": last?.accessNeeds ?? person.accessNeeds ?? "",
            "preferredContact": person.preferredContact ?? "", "preferredTimes": person.preferredTimes ?? "",
            "agreedUpdateDays": victim.agreedUpdateDays.map(String.init) ?? "",
            "feelsSafe": answer(.feelsSafe, last?.feelsSafe),
            "suspectHasAccess": answer(.suspectAccess, last?.suspectHasAccessToContactPoints),
            "suspectKnown": (last?.suspectKnown).map { $0 ? "yes" : "no" } ?? "",
            "safetyNotes": last?.safetyNotes ?? "",
            "supportWanted": answer(.supportWanted, last?.supportWanted),
            "referralConsent": last?.referralConsent.rawValue ?? victim.referralConsentCode,
            "bereaved": answer(.bereaved, last?.bereavedRelative),
            "persistentlyTargeted": answer(.persistentlyTargeted, last?.persistentlyTargeted),
            "intimidated": answer(.intimidated, last?.intimidated),
        ]
        return try await render(
            req, loaded, values: values, vulnerability: Set((last?.vulnerability ?? []).map(\.rawValue)), errors: [],
            status: .ok)
    }

    @Sendable func submit(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(Form.self)
        do {
            let (decision, unanswered) = try await NeedsAssessmentService.complete(
                victimID: id, form.draft, context: try req.accessContext(), on: req.db)
            let rights =
                decision.enhanced
                ? "Enhanced rights: \(decision.groundList.map(\.label).joined(separator: ", "))."
                : "Standard rights."
            req.flash(
                unanswered.isEmpty
                    ? "Needs assessment completed. \(rights)"
                    : "Saved as a draft: the needs assessment is not complete until you answer "
                        + "\(unanswered.map(\.label).joined(separator: "; ")). \(rights)")
            return req.redirect(to: "/victims/\(id)")
        } catch DomainError.invalid(let errors) {
            let loaded = try await NeedsAssessmentService.loadForm(
                victimID: id, context: try req.accessContext(), on: req.db)
            return try await render(
                req, loaded, values: form.values, vulnerability: Set(form.vulnerability ?? []), errors: errors,
                status: .unprocessableEntity)
        }
    }

    private func render(
        _ req: Request, _ loaded: NeedsAssessmentService.ForForm, values: [String: String],
        vulnerability: Set<String>, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let (victim, person, crime, automatic) = (loaded.victim, loaded.person, loaded.crime, loaded.automatic)
        return try await req.render(
            "Victims/assessment",
            Context(
                chrome: Chrome(
                    req, title: "Needs assessment for \(person.fullName)", section: "worklist", errors: errors),
                id: victim.id!,
                name: person.fullName, reference: crime.reference, questionSet: NeedsAssessment.currentVersion,
                values: values,
                vulnerability: VulnerabilityFactor.options(selected: vulnerability),
                languages: Language.all.map {
                    SelectOption(value: $0.code, label: $0.englishName, selected: $0.code == values["language"])
                },
                methods: ContactMethod.options(selected: values["preferredContact"]),
                consents: ReferralConsent.options(selected: values["referralConsent"]),
                automatic: automatic.groundList.flatMap { ground in
                    automatic.grounds[ground]!.map { "\(ground.label): \($0)" }
                } + automatic.suggestions, outsideUnit: loaded.outsideUnit,
                stillToAnswer: (loaded.last?.unanswered ?? []).map {
                    SelectOption(value: $0.field, label: $0.label, selected: false)
                }),
            status: status)
    }
}
