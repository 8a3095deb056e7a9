import Fluent
import Vapor
import VictimCareDomain

/// A victim's page: their rights, what they are owed and by when, and the forms that record what was done.
struct VictimsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let victim = routes.grouped("victims", ":victimID")
        victim.get(use: show).access(.record(.viewPerson, .victim("victimID")))
        victim.post("contacts", use: recordContact).access(.record(.recordContact, .victim("victimID")))
        victim.post("actions", use: recordAction).access(.record(.recordVictimAction, .victim("victimID")))
        victim.post("statement", use: recordStatement).access(.record(.recordVictimAction, .victim("victimID")))
        victim.post("waivers", use: waive).access(.record(.waiveObligation, .victim("victimID")))
        victim.post("ground-exceptions", use: recordException).access(.record(.waiveObligation, .victim("victimID")))
        victim.post("ground-exceptions", "remove", use: removeException).access(
            .record(.waiveObligation, .victim("victimID")))
        victim.post("reviews", use: requestReview).access(.record(.recordVictimAction, .victim("victimID")))
        victim.post("messaging-safe", use: clearMessaging).access(.record(.clearMessaging, .victim("victimID")))
        victim.post("referral-consent", use: changeConsent).access(.record(.recordVictimAction, .victim("victimID")))
        victim.post("referral-at-charge", use: referAtCharge).access(.record(.referAtCharge, .victim("victimID")))
        routes.post("reviews", ":reviewID", "acknowledge", use: acknowledgeReview).access(
            .record(.manageReview, .review("reviewID")))
        routes.post("reviews", ":reviewID", "complete", use: completeReview).access(
            .record(.manageReview, .review("reviewID")))
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await render(req, id: try req.uuid("victimID"), values: [:], warnings: [], errors: [], status: .ok)
    }

    func render(
        _ req: Request, id: UUID, values: [String: String], warnings: [String], errors: [FieldError],
        status: HTTPResponseStatus
    ) async throws -> Response {
        let context = try req.accessContext()
        let detail = try await VictimService.detail(id, context: context, on: req.db)
        let page = VictimPage.model(
            detail, chrome: Chrome(req, title: detail.person.fullName, section: "worklist", errors: errors),
            context: context, values: values, warnings: warnings,
            acknowledgeHours: req.config.referrals.acknowledgeHours)
        return try await req.render("Victims/show", page, status: status)
    }

    struct ConsentForm: Content {
        var consent: String?
        var consentMethod: String?
    }

    @Sendable func changeConsent(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ConsentForm.self)
        do {
            try await ReferralService.changeConsent(
                victimID: id, consent: form.consent, method: form.consentMethod, context: try req.accessContext(),
                on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: id, values: ["consent": form.consent ?? "", "consentMethod": form.consentMethod ?? ""],
                warnings: [],
                errors: errors.map {
                    FieldError(field: $0.field == "method" ? "consentMethod" : $0.field, message: $0.message)
                },
                status: .unprocessableEntity)
        }
        req.flash("Referral consent recorded.")
        return req.redirect(to: "/victims/\(id)#referral-heading")
    }

    struct ChargeReferralForm: Content {
        var chargeConsent: String?
        var hearingDate: String?
        var court: String?
        var supportAsked: String?
    }

    @Sendable func referAtCharge(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ChargeReferralForm.self)
        let values = [
            "chargeConsent": form.chargeConsent ?? "", "hearingDate": form.hearingDate ?? "", "court": form.court ?? "",
            "supportAsked": form.supportAsked ?? "",
        ]
        do {
            _ = try await ReferralService.referAtCharge(
                victimID: id,
                .init(
                    consent: form.chargeConsent, hearingDate: form.hearingDate, court: form.court,
                    supportAsked: form.supportAsked), mailbox: req.config.referrals.mailbox,
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: id, values: values, warnings: [], errors: errors, status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            return try await render(
                req, id: id, values: values, warnings: [], errors: [FieldError(field: field, message: message)],
                status: .conflict)
        }
        req.flash("Referral sent to the support service by secure email.")
        return req.redirect(to: "/victims/\(id)#referral-heading")
    }

    struct ContactForm: Content {
        var at: String?
        var method: String?
        var outcome: String?
        var identityVerified: String?
        var welfareChecked: String?
        var safeToSpeak: String?
        var contactPointID: String?
        var direction: String?
        var notes: String?
        var confirmWarnings: String?
        var returnTo: String?

        var values: [String: String] {
            [
                "at": at, "method": method, "outcome": outcome, "identityVerified": identityVerified,
                "welfareChecked": welfareChecked,
                "safeToSpeak": safeToSpeak, "contactPointID": contactPointID, "notes": notes,
            ].mapValues { $0 ?? "" }
        }
    }

    @Sendable func recordContact(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ContactForm.self)
        // The one-click form on the worklist sends no time: it is now.
        let at = (form.at ?? "").isEmpty ? London.formatLocal(Date()) : form.at
        let draft = ContactService.Draft(
            at: at, method: form.method, outcome: form.outcome, identityVerified: form.identityVerified ?? "no",
            welfareChecked: form.welfareChecked ?? "no", safeToSpeak: form.safeToSpeak ?? "no",
            contactPointID: form.contactPointID, direction: form.direction, notes: form.notes, timeStyle: .londonLocal,
            snakeCase: false)
        do {
            let recorded = try await ContactService.record(
                victimID: id, draft, requireConfirmation: true, confirmed: form.confirmWarnings == "yes",
                context: try req.accessContext(), links: req.config.links, on: req.db)
            let verdict =
                recorded.decision.successful
                ? "Successful contact recorded."
                : (recorded.decision.countsAsWrittenUpdate
                    ? "Written update recorded." : "Recorded as an attempt, not a successful contact.")
            req.flash("\(verdict) \(recorded.decision.reasons.joined(separator: " "))")
        } catch let needs as ContactService.NeedsConfirmation {
            return try await render(
                req, id: id, values: form.values, warnings: needs.warnings, errors: [], status: .unprocessableEntity)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: id, values: form.values, warnings: [], errors: errors, status: .unprocessableEntity)
        }
        return req.redirect(to: safeReturn(form.returnTo, fallback: "/victims/\(id)"))
    }

    /// An officer records that messages to this victim are safe (domestic abuse: the suspect cannot see them).
    @Sendable func clearMessaging(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        try await OutboxService.clearMessaging(victimID: id, context: try req.accessContext(), on: req.db)
        req.flash("Recorded that messaging is safe. Held messages will now be sent if nothing else stops them.")
        return req.redirect(to: "/victims/\(id)#messages-heading")
    }

    struct ActionForm: Content {
        var kind: String?
        var method: String?
        var note: String?
        var language: String?
        var returnTo: String?
    }

    @Sendable func recordAction(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ActionForm.self)
        do {
            let action = try await VictimService.recordAction(
                victimID: id, kind: form.kind, method: form.method, note: form.note, language: form.language,
                context: try req.accessContext(), on: req.db)
            req.flash("Recorded: \(VictimActionKind(rawValue: action.kind)?.label ?? action.kind).")
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: id, values: ["kind": form.kind ?? ""], warnings: [], errors: errors,
                status: .unprocessableEntity)
        }
        return req.redirect(to: safeReturn(form.returnTo, fallback: "/victims/\(id)"))
    }

    struct StatementForm: Content {
        var vpsStatus: String?
        var vpsNote: String?
    }

    @Sendable func recordStatement(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(StatementForm.self)
        do {
            try await VictimService.recordStatement(
                victimID: id, status: form.vpsStatus, note: form.vpsNote, context: try req.accessContext(),
                links: req.config.links, on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: id, values: ["vpsStatus": form.vpsStatus ?? ""], warnings: [], errors: errors,
                status: .unprocessableEntity)
        }
        req.flash("Victim Personal Statement updated.")
        return req.redirect(to: "/victims/\(id)")
    }

    struct WaiverForm: Content {
        var key: String?
        var reason: String?
    }

    @Sendable func waive(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(WaiverForm.self)
        do {
            try await ObligationService.waive(
                victimID: id, key: form.key, reason: form.reason, context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            // The error belongs to the duty whose panel was sent: the summary links to that panel's reason,
            // which opens again with what was typed (2026-11-30, issue 13).
            let key = form.key ?? ""
            let code = key.split(separator: ":").first.map(String.init) ?? key
            let message = "\(code): " + errors.map(\.message).joined(separator: "; ")
            return try await render(
                req, id: id, values: ["waiveKey": key, "reason": form.reason ?? "", "waiveError": message],
                warnings: [], errors: [FieldError(field: "reason-\(key)", message: message)],
                status: .unprocessableEntity)
        }
        req.flash("Obligation waived.")
        return req.redirect(to: "/victims/\(id)")
    }

    struct ExceptionForm: Content {
        var ground: String?
        var exceptionReason: String?
    }

    @Sendable func recordException(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ExceptionForm.self)
        do {
            try await GroundExceptionService.record(
                victimID: id, ground: form.ground, reason: form.exceptionReason, context: try req.accessContext(),
                on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: id, values: ["exceptionReason": form.exceptionReason ?? ""], warnings: [], errors: errors,
                status: .unprocessableEntity)
        }
        req.flash("Recorded: the ground does not apply. Enhanced rights and duties worked out again.")
        return req.redirect(to: "/victims/\(id)")
    }

    @Sendable func removeException(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ExceptionForm.self)
        try await GroundExceptionService.remove(
            victimID: id, ground: form.ground, context: try req.accessContext(), on: req.db)
        req.flash("The exception is removed. Enhanced rights and duties worked out again.")
        return req.redirect(to: "/victims/\(id)")
    }

    struct ReviewForm: Content {
        var toldOn: String?
        var requestedOn: String?
        var lateReason: String?
        var outcome: String?
    }

    @Sendable func requestReview(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ReviewForm.self)
        do {
            _ = try await ReviewService.request(
                victimID: id, toldOn: form.toldOn, requestedOn: form.requestedOn, lateReason: form.lateReason,
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            let values = [
                "toldOn": form.toldOn ?? "", "requestedOn": form.requestedOn ?? "", "lateReason": form.lateReason ?? "",
            ]
            return try await render(
                req, id: id, values: values, warnings: [], errors: errors, status: .unprocessableEntity)
        }
        req.flash("Review request recorded. Acknowledge it within 10 working days.")
        return req.redirect(to: "/victims/\(id)")
    }

    @Sendable func acknowledgeReview(req: Request) async throws -> Response {
        let review = try await ReviewService.find(try req.uuid("reviewID"), on: req.db)
        try await ReviewService.acknowledge(reviewID: review.id!, context: try req.accessContext(), on: req.db)
        req.flash("Review acknowledged.")
        return req.redirect(to: "/victims/\(review.$victim.id)")
    }

    @Sendable func completeReview(req: Request) async throws -> Response {
        let review = try await ReviewService.find(try req.uuid("reviewID"), on: req.db)
        let form = try req.content.decode(ReviewForm.self)
        do {
            try await ReviewService.complete(
                reviewID: review.id!, outcome: form.outcome, reviewer: try req.requireUser(),
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await render(
                req, id: review.$victim.id, values: [:], warnings: [], errors: errors, status: .unprocessableEntity)
        }
        req.flash("Review completed.")
        return req.redirect(to: "/victims/\(review.$victim.id)")
    }

    private func safeReturn(_ path: String?, fallback: String) -> String {
        LocalPath.parse(path, or: fallback)
    }
}
