import Fluent
import Vapor
import VictimCareDomain

/// A victim's page: their rights, what they are owed and by when, and the forms that record what was done.
struct VictimsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let victim = routes.grouped("victims", ":victimID")
        victim.get(use: show)
        victim.post("contacts", use: recordContact)
        victim.post("actions", use: recordAction)
        victim.post("statement", use: recordStatement)
        victim.post("waivers", use: waive)
        victim.post("reviews", use: requestReview)
        victim.post("messaging-safe", use: clearMessaging)
        victim.post("referral-consent", use: changeConsent)
        victim.post("referral-at-charge", use: referAtCharge)
        routes.post("reviews", ":reviewID", "acknowledge", use: acknowledgeReview)
        routes.post("reviews", ":reviewID", "complete", use: completeReview)
    }

    struct Context: Encodable {
        struct Item: Encodable {
            var label: String
            var value: String
        }
        struct ActionLine: Encodable {
            var at: String
            var what: String
            var by: String
        }
        struct MessageLine: Encodable {
            var at: String
            var what: String
            var channel: String
            var status: String
            var reason: String
            var held: Bool
        }
        struct ReviewLine: Encodable {
            var id: UUID
            var requested: String
            var told: String
            var lateReason: String
            var acknowledged: String
            var outcome: String
            var open: Bool
            var acknowledgedYet: Bool
        }
        var chrome: Chrome
        var id: UUID
        var crimeID: UUID
        var reference: String
        var offence: String
        var name: String
        var enhanced: Bool
        var grounds: [Item]
        var suggestions: [String]
        var section16: Bool
        var section17: Bool
        var section28: Bool
        var considerVideoInterview: Bool
        var details: [Item]
        var assessed: Bool
        var obligations: [ObligationLine]
        var openCount: Int
        var overdueCount: Int
        var contacts: [ContactLine]
        var actions: [ActionLine]
        var reviews: [ReviewLine]
        var reviewEligible: Bool
        var reviewIneligibleReason: String
        var canRecord: Bool
        var canWaive: Bool
        var canManageReview: Bool
        var methods: [SelectOption]
        var outcomes: [SelectOption]
        var points: [SelectOption]
        var actionKinds: [SelectOption]
        var statementStatuses: [SelectOption]
        var warnings: [String]
        var values: [String: String]
        var messages: [MessageLine]
        var anyHeld: Bool
        var canClearMessaging: Bool
        var messagingCleared: String
        var requests: [RequestLine]
        var openRequests: Int
        var invitations: [InvitationLine]
        var links: [LinkLine]
        var canMessage: Bool
        var referrals: [ReferralLine]
        var consents: [ActionLine]
        var consentOptions: [SelectOption]
        var consentMethods: [SelectOption]
        /// The Witness Care Unit's form: shown to those who may send it once the crime is charged.
        var canReferAtCharge: Bool
    }

    struct ReferralLine: Encodable {
        var route: String
        var status: String
        var sent: String
        var updated: String
        var flagged: Bool
    }

    struct RequestLine: Encodable {
        var id: UUID
        var at: String
        var what: String
        var detail: String
        var acknowledged: String?
    }

    struct InvitationLine: Encodable {
        var id: UUID
        var at: String
        var officer: String
        var how: String
        var status: String
        var canShow: Bool
    }

    struct LinkLine: Encodable {
        var at: String
        var what: String
        var how: String
        var by: String
        var opened: String
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await render(req, id: try req.uuid("victimID"), values: [:], warnings: [], errors: [], status: .ok)
    }

    func render(
        _ req: Request, id: UUID, values given: [String: String], warnings: [String], errors: [FieldError],
        status: HTTPResponseStatus
    ) async throws -> Response {
        let context = try req.accessContext()
        let d = try await VictimService.detail(id, context: context, on: req.db)
        let now = Date()
        let p = d.person
        var values = given
        if values["method"] == nil { values["method"] = p.preferredContact ?? "phone" }
        if values["at"] == nil { values["at"] = London.formatLocal(now) }
        let obligations = d.obligations.map { ObligationLine($0, duty: d.duties[$0.code] ?? $0.code, now: now) }
        let assessment = d.assessment?.answers
        var details: [Context.Item] = [
            .init(
                label: "Preferred contact",
                value: [ContactMethod.code(p.preferredContact)?.label ?? "Not recorded", p.preferredTimes].compactMap {
                    $0
                }.joined(separator: ", ")),
            .init(
                label: "Language",
                value: (Language.named(p.language)?.englishName ?? p.language)
                    + (p.interpreterNeeded ? ", needs an interpreter" : "")),
            .init(label: "Support referral", value: d.victim.referralConsent.label),
            .init(
                label: "Needs assessment",
                value: d.assessment.map { "Completed \(Display.time($0.completedAt)) by \($0.completedByName)" }
                    ?? "Not completed"),
            .init(
                label: "Victim Personal Statement",
                value: StatementStatus(rawValue: d.victim.vpsStatus ?? "")?.label ?? "Not offered yet"),
            .init(label: "Updates", value: "Every \(d.victim.agreedUpdateDays ?? 28) days while the case is open"),
        ]
        if d.victim.suspectMaySeeMessages || assessment?.suspectHasAccessToContactPoints == true {
            details.append(.init(label: "Safety", value: "A suspect may see or hear messages sent to this victim"))
        }
        // A trial's allocation tells the officer which care to give.
        for (trial, arm) in try await TrialService.allocations(victimID: id, on: req.db) {
            details.append(
                .init(
                    label: "Trial: \(trial.name)",
                    value: arm == .practice ? "The practice: \(trial.practice)" : "Usual care (not the practice)"))
        }
        let canRecord = AccessPolicy.grants(context.actor, .recordContact)
        let reviewLines = d.reviews.map { r in
            Context.ReviewLine(
                id: r.id!, requested: Display.time(r.requestedAt), told: Display.date(r.toldOn),
                lateReason: r.lateReason ?? "",
                acknowledged: r.acknowledgedAt.map(Display.time) ?? "Not yet",
                outcome: r.outcome.map { $0 == "upheld" ? "Decision upheld" : "Decision overturned" } ?? "Under review",
                open: r.completedAt == nil, acknowledgedYet: r.acknowledgedAt != nil)
        }
        let eligibility: (Bool, String) =
            switch d.reviewEligibility {
            case .eligible: (true, "")
            case .notEligible(let why): (false, why)
            }
        let messageLines = d.messages.map { m in
            Context.MessageLine(
                at: Display.time(m.sentAt ?? m.createdAt),
                what: MessagePurpose(rawValue: m.purpose)?.label ?? m.purpose, channel: m.channel.label,
                status: Self.messageStatus(m), reason: m.reason ?? m.lastError ?? "", held: m.status == .held)
        }
        let ctx = Context(
            chrome: Chrome(req, title: p.fullName, section: "worklist", errors: errors), id: id, crimeID: d.crime.id!,
            reference: d.crime.reference, offence: d.crime.offenceDescription, name: p.fullName,
            enhanced: d.victim.enhanced,
            grounds: d.decision.groundList.map {
                .init(label: $0.label, value: d.decision.grounds[$0]!.joined(separator: "; "))
            },
            suggestions: d.decision.suggestions, section16: d.decision.section16, section17: d.decision.section17,
            section28: d.decision.section28, considerVideoInterview: d.decision.considerVideoInterview,
            details: details,
            assessed: d.assessment != nil, obligations: obligations,
            openCount: obligations.filter(\.open).count,
            overdueCount: obligations.filter { $0.status == "Overdue" }.count,
            contacts: d.contacts.map(ContactLine.init),
            actions: d.actions.map {
                .init(
                    at: Display.time($0.at),
                    what: (VictimActionKind(rawValue: $0.kind)?.label
                        ?? $0.kind.replacingOccurrences(of: "_", with: " ").capitalized)
                        + ($0.method.map { " (\($0))" } ?? ""), by: $0.byName)
            },
            reviews: reviewLines, reviewEligible: eligibility.0, reviewIneligibleReason: eligibility.1,
            canRecord: canRecord, canWaive: AccessPolicy.grants(context.actor, .waiveObligation),
            canManageReview: AccessPolicy.grants(context.actor, .manageReview),
            methods: ContactMethod.options(selected: values["method"]),
            outcomes: ContactOutcome.options(selected: values["outcome"]),
            points: d.contactPoints.map {
                SelectOption(
                    value: $0.id!.uuidString, label: "\($0.kind.label): \($0.value)\($0.safe ? "" : " (NOT SAFE)")",
                    selected: $0.id!.uuidString == values["contactPointID"])
            },
            actionKinds: VictimActionKind.allCases.map {
                SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == values["kind"])
            },
            statementStatuses: StatementStatus.options(selected: values["vpsStatus"]), warnings: warnings,
            values: values, messages: messageLines, anyHeld: messageLines.contains(where: \.held),
            canClearMessaging: AccessPolicy.grants(context.actor, .clearMessaging),
            messagingCleared: d.victim.messagingClearedAt.map {
                "Recorded as safe to message by \(d.victim.messagingClearedByName ?? "an officer"), \(Display.time($0))"
            } ?? "",
            requests: d.requests.map { r in
                RequestLine(
                    id: r.id!, at: Display.time(r.createdAt), what: r.kind?.label ?? r.kindCode, detail: r.detail,
                    acknowledged: r.acknowledgedAt.map {
                        "Seen by \(r.acknowledgedByName ?? "an officer"), \(Display.time($0))"
                    })
            }, openRequests: d.requests.filter { $0.acknowledgedAt == nil }.count,
            invitations: d.invitations.map { i in
                let expired = i.expiresAt <= now
                return InvitationLine(
                    id: i.id!, at: Display.time(i.createdAt), officer: i.officerName,
                    how: i.channelCode == "qr"
                        ? "To show as a QR code" : (MessageChannel(rawValue: i.channelCode)?.label ?? i.channelCode),
                    status: i.respondedAt.map { "Answered \(Display.time($0))" } ?? (expired ? "Expired" : "Waiting"),
                    canShow: canRecord && i.respondedAt == nil && !expired)
            },
            links: d.links.map { l in
                LinkLine(
                    at: Display.time(l.createdAt),
                    what: l.purpose == .track ? "Case page link" : "Leaflet link",
                    how: l.channel == .qr ? "QR code shown" : (l.channel == .sms ? "Text message" : "Email"),
                    by: l.createdByName,
                    opened: l.firstOpenedAt.map { "First opened \(Display.time($0)), \(l.openCount) in all" }
                        ?? (l.expiresAt <= l.createdAt ? "Not sent yet" : "Not opened"))
            }, canMessage: AccessPolicy.grants(context.actor, .messageVictim),
            referrals: d.referrals.map { r in
                ReferralLine(
                    route: r.route == .transfer
                        ? "Daily transfer" : (r.route == .witnessCare ? "Witness Care Unit" : "Self-referral"),
                    status: r.status.label, sent: r.sentAt.map(Display.time) ?? "Not yet",
                    updated: r.statusAt.map { "\(Display.time($0))\(r.statusByName.map { " by \($0)" } ?? "")" } ?? "",
                    flagged: ReferralService.unacknowledged(r, hours: req.config.referrals.acknowledgeHours, now: now))
            },
            consents: d.consents.map {
                .init(
                    at: Display.time($0.recordedAt),
                    what: (ReferralConsent(rawValue: $0.consent)?.label ?? $0.consent) + " (\($0.method))",
                    by: $0.byName)
            },
            consentOptions: [ReferralConsent.yes, .no].map {
                SelectOption(value: $0.rawValue, label: $0.label, selected: values["consent"] == $0.rawValue)
            },
            consentMethods: ReferralService.consentMethods.map {
                SelectOption(value: $0, label: $0, selected: values["consentMethod"] == $0)
            },
            canReferAtCharge: AccessPolicy.grants(context.actor, .referAtCharge)
                && d.events.contains { $0.typeCode == CaseEventType.charged.rawValue }
                && !d.referrals.contains { ![.ready, .withdrawn].contains($0.status) })
        return try await req.render("Victims/show", ctx, status: status)
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
            contactPointID: form.contactPointID, direction: form.direction, notes: form.notes, timeStyle: .londonLocal)
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

    static func messageStatus(_ m: OutboundMessage) -> String {
        switch m.status {
        case .queued: m.attempts == 0 ? "Waiting to be sent" : "Will be tried again (\(m.attempts) attempts so far)"
        case .sending: "Sending"
        case .sent: "Sent"
        case .held: "Held: not sent until messaging is recorded as safe"
        case .refused: "Not sent"
        case .dead: "Failed: could not be delivered"
        }
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
        var returnTo: String?
    }

    @Sendable func recordAction(req: Request) async throws -> Response {
        let id = try req.uuid("victimID")
        let form = try req.content.decode(ActionForm.self)
        do {
            let action = try await VictimService.recordAction(
                victimID: id, kind: form.kind, method: form.method, note: form.note, context: try req.accessContext(),
                on: req.db)
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
            return try await render(
                req, id: id, values: ["waiveKey": form.key ?? "", "reason": form.reason ?? ""], warnings: [],
                errors: errors, status: .unprocessableEntity)
        }
        req.flash("Obligation waived.")
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
