import Foundation
import Vapor
import VictimCareDomain

/// The victim's page: its typed context, and the pure function that builds it from what ``VictimService``
/// loaded (the page's model beside its view, as SwiftPackageIndex-Server keeps them), testable without HTTP.
enum VictimPage {
    struct Context: Encodable {
        struct Item: Encodable {
            var label: String
            var value: String
        }
        struct ActionLine: Encodable {
            var at: String
            var what: String
            var by: String
            var note: String = ""
        }
        struct DeskCallLine: Encodable {
            var at: String
            var direction: String
            var caller: String
            var reason: String
            var outcome: String
            var by: String
            var notes: String
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
        /// Automatic grounds a supervisor set aside, with why and by whom.
        var exceptions: [Item]
        /// The ground a supervisor may set aside on this page (its code), or empty.
        var exceptableGround: String
        var exceptableLabel: String
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
        /// Languages for the leaflet's record, the victim's own first and chosen.
        var leafletLanguages: [SelectOption]
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
        /// Opened from another unit with a reason: each change needs its own reason, so every form asks.
        var outsideUnit: Bool
        var deskCalls: [DeskCallLine]
        /// Their answer to the offer of a video call, or that none is recorded (issue 16).
        var response = "Not offered yet"
        var choseVideo = false
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

    /// The page from the victim's facts, as `context`'s actor may see and act on them.
    static func model(
        _ d: VictimService.Detail, chrome: Chrome, context: AccessContext, values given: [String: String],
        warnings: [String], acknowledgeHours: Int, now: Date = Date()
    ) -> Context {
        let id = d.victim.id!
        let p = d.person
        var values = given
        if values["method"] == nil { values["method"] = p.preferredContact ?? "phone" }
        if values["at"] == nil { values["at"] = London.formatLocal(now) }
        // The form starts on the point the preferred method uses (a safe one first): the number to call.
        if values["contactPointID"] == nil, let kind = ContactMethod.code(values["method"])?.contactPointKind {
            let matching = d.contactPoints.filter { $0.kind == kind }
            values["contactPointID"] = (matching.first { $0.safe } ?? matching.first)?.id?.uuidString
        }
        // The reason for a missed update is owed only once the update's deadline has passed.
        let obligations = d.obligations.filter { $0.arisen(now: now) }.map {
            ObligationLine($0, duty: d.duties[$0.code] ?? $0.code, now: now, attempts: d.attempts)
        }
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
                value: d.assessment.map { record in
                    let unanswered = record.answers?.unanswered ?? []
                    return unanswered.isEmpty
                        ? "Completed \(Display.time(record.completedAt)) by \(record.completedByName)"
                        : "Draft saved \(Display.time(record.completedAt)) by \(record.completedByName); still to answer "
                            + unanswered.map(\.label).joined(separator: "; ")
                } ?? "Not completed"),
            .init(
                label: "Victim Personal Statement",
                value: StatementStatus(rawValue: d.victim.vpsStatus ?? "")?.label ?? "Not offered yet"),
            .init(label: "Updates", value: "Every \(d.victim.agreedUpdateDays ?? 28) days while the case is open"),
        ]
        if d.victim.suspectMaySeeMessages || assessment?.suspectHasAccessToContactPoints == true {
            details.append(.init(label: "Safety", value: "A suspect may see or hear messages sent to this victim"))
        }
        // A trial's allocation tells the officer which care to give.
        for (trial, arm) in d.trials {
            details.append(
                .init(
                    label: "Trial: \(trial.name)",
                    value: arm == .practice ? "The practice: \(trial.practice)" : "Usual care (not the practice)"))
        }
        let canRecord = AccessPolicy.decide(context.actor, .recordContact, on: d.scope) != .denied
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
                status: messageStatus(m), reason: m.reason ?? m.lastError ?? "", held: m.status == .held)
        }
        var ctx = Context(
            chrome: chrome, id: id, crimeID: d.crime.id!,
            reference: d.crime.reference, offence: d.crime.offenceDescription, name: p.fullName,
            enhanced: d.victim.enhanced,
            grounds: d.decision.groundList.map {
                .init(label: $0.label, value: d.decision.grounds[$0]!.joined(separator: "; "))
            },
            suggestions: d.decision.suggestions,
            exceptions: d.exceptions.map {
                .init(
                    label: $0.ground?.label ?? $0.groundCode,
                    value: "does not apply: \($0.reason) (\($0.byName), \(Display.time($0.at)))")
            },
            exceptableGround: AccessPolicy.decide(context.actor, .waiveObligation, on: d.scope) != .denied
                && d.exceptions.isEmpty ? d.exceptableGround?.rawValue ?? "" : "",
            exceptableLabel: d.exceptableGround?.label.lowercased() ?? "",
            section16: d.decision.section16, section17: d.decision.section17,
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
                        + ($0.method.map { " (\($0))" } ?? ""), by: $0.byName, note: $0.note ?? "")
            },
            reviews: reviewLines, reviewEligible: eligibility.0, reviewIneligibleReason: eligibility.1,
            canRecord: canRecord,
            canWaive: AccessPolicy.decide(context.actor, .waiveObligation, on: d.scope) != .denied,
            canManageReview: AccessPolicy.decide(context.actor, .manageReview, on: d.scope) != .denied,
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
            leafletLanguages: Language.all.map {
                SelectOption(
                    value: $0.code, label: $0.englishName,
                    selected: $0.code == (values["language"] ?? Language.named(p.language)?.code ?? "en"))
            },
            statementStatuses: StatementStatus.options(selected: values["vpsStatus"]), warnings: warnings,
            values: values, messages: messageLines, anyHeld: messageLines.contains(where: \.held),
            canClearMessaging: AccessPolicy.decide(context.actor, .clearMessaging, on: d.scope) != .denied,
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
                    flagged: ReferralService.unacknowledged(r, hours: acknowledgeHours, now: now))
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
                && !d.referrals.contains { ![.ready, .withdrawn].contains($0.status) },
            outsideUnit: AccessPolicy.decide(context.actor, .recordContact, on: d.scope) == .reasonRequiredEachTime,
            deskCalls: d.deskCalls.map { c in
                Context.DeskCallLine(
                    at: Display.time(c.at), direction: c.direction == "inbound" ? "They called" : "The desk called",
                    caller: c.caller.capitalized, reason: DeskService.Reason(rawValue: c.reason)?.label ?? c.reason,
                    outcome: DeskService.Outcome(rawValue: c.outcome)?.label ?? c.outcome, by: c.byName,
                    notes: c.notes ?? "")
            })
        ctx.response = ResponseController.answer(d.responseChoice)
        ctx.choseVideo = d.responseChoice?.choice == .video
        return ctx
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

}
