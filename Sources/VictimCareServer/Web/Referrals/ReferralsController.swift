import Fluent
import Vapor
import VictimCareDomain

/// The support service's referral list, where it records what happened next; and, for administrators, the
/// batches of the daily transfer with a way to send one again.
struct ReferralsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("referrals", use: index).access(.role(.manageReferrals))
        routes.post("referrals", ":referralID", "status", use: updateStatus).access(.role(.manageReferrals))
        routes.post("self-referrals", ":referralID", "status", use: updateSelfStatus).access(.role(.manageReferrals))
        routes.get("admin", "referral-batches", use: batches).access(.role(.manageOutbox))
        routes.post("admin", "referral-batches", ":batchID", "resend", use: resend).access(.role(.manageOutbox))
    }

    struct Line: Encodable {
        var id: UUID
        var name: String
        var sent: String
        var status: String
        var flagged: Bool
        var next: [SelectOption]
        var closed: Bool
    }

    struct SelfLine: Encodable {
        var id: UUID
        var name: String
        var received: String
        var contact: String
        var preferred: String
        var language: String
        var about: String
        var told: String
        var status: String
        var next: [SelectOption]
        var closed: Bool
    }

    struct Context: Encodable {
        var chrome: Chrome
        var lines: [Line]
        var statuses: [SelectOption]
        var selfReferrals: [SelfLine]
    }

    @Sendable func index(req: Request) async throws -> Response {
        let context = try req.accessContext()
        let filter = (try? req.query.get(String.self, at: "status")).flatMap(Referral.Status.init(rawValue:))
        let referrals = try await ReferralService.partnerList(status: filter, context: context, on: req.db)
        let now = Date()
        let lines = referrals.map { line in
            let r = line.referral
            return Line(
                id: r.id!, name: line.name,
                sent: r.sentAt.map(Display.time) ?? "", status: r.status.label,
                flagged: ReferralService.unacknowledged(r, hours: req.config.referrals.acknowledgeHours, now: now),
                next: [Referral.Status.received, .contacted, .accepted, .declined, .closed].map {
                    SelectOption(value: $0.rawValue, label: $0.rawValue.capitalized, selected: false)
                }, closed: [.declined, .closed].contains(r.status))
        }
        let statuses = [Referral.Status.sent, .received, .contacted, .accepted, .declined, .closed].map {
            SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == filter)
        }
        let selfReferrals = try await SelfReferralService.list(context: context, on: req.db)
            .filter { filter == nil || $0.status == filter }
        let groups = Dictionary(uniqueKeysWithValues: SelfReferralService.offenceGroups.map { ($0.value, $0.label) })
        let told = Dictionary(uniqueKeysWithValues: SelfReferralService.reportedAnswers.map { ($0.value, $0.label) })
        let methods = Dictionary(uniqueKeysWithValues: SelfReferralService.contactMethods.map { ($0.value, $0.label) })
        let selfLines = selfReferrals.map { r in
            SelfLine(
                id: r.id!, name: "\(r.givenName) \(r.familyName)", received: Display.time(r.createdAt),
                contact: [r.phone, r.email].compactMap { $0 }.joined(separator: ", "),
                preferred: [methods[r.preferredContact] ?? r.preferredContact, r.preferredTimes].compactMap { $0 }
                    .joined(separator: ", "),
                language: Language.named(r.language)?.englishName ?? r.language,
                about: groups[r.offenceGroup] ?? r.offenceGroup,
                told: (told[r.reportedToPolice] ?? r.reportedToPolice)
                    + (r.crimeReference.map { " (reference \($0))" } ?? ""),
                status: r.status.label + (r.heldReason.map { ". Check before acting: may be automated (\($0))" } ?? ""),
                next: [Referral.Status.received, .contacted, .accepted, .declined, .closed].map {
                    SelectOption(value: $0.rawValue, label: $0.rawValue.capitalized, selected: false)
                }, closed: [.declined, .closed].contains(r.status))
        }
        return try await req.render(
            "Referrals/index",
            Context(
                chrome: Chrome(req, title: "Referrals", section: "referrals"), lines: lines, statuses: statuses,
                selfReferrals: selfLines))
    }

    struct StatusForm: Content {
        var status: String?
        var note: String?
    }

    @Sendable func updateStatus(req: Request) async throws -> Response {
        try await recordStatus(req, then: "/referrals") { id, form, context in
            _ = try await ReferralService.updateStatus(
                id, status: form.status, note: form.note, context: context, on: req.db)
        }
    }

    @Sendable func updateSelfStatus(req: Request) async throws -> Response {
        try await recordStatus(req, then: "/referrals#self-referrals-heading") { id, form, context in
            try await SelfReferralService.updateStatus(
                id, status: form.status, note: form.note, context: context, on: req.db)
        }
    }

    /// The support service's status form, for a referral of any route: refusals come back as the notice.
    private func recordStatus(
        _ req: Request, then page: String,
        _ update: (UUID, StatusForm, AccessContext) async throws -> Void
    ) async throws -> Response {
        let form = try req.content.decode(StatusForm.self)
        do {
            try await update(try req.uuid("referralID"), form, try req.accessContext())
            req.flash("Status recorded.")
        } catch DomainError.invalid(let errors) {
            req.flash(errors.map(\.message).joined(separator: ". "))
        } catch DomainError.conflict(_, let message) {
            req.flash(message)
        }
        return req.redirect(to: page)
    }

    struct BatchLine: Encodable {
        var id: UUID
        var created: String
        var state: String
        var victims: Int
        var delivered: String
        var deliveries: Int
        var destination: String
    }

    struct BatchesContext: Encodable {
        var chrome: Chrome
        var batches: [BatchLine]
        var waiting: Int
    }

    @Sendable func batches(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.manageOutbox, context)
        let batches = try await ReferralBatch.query(on: req.db).sort(\.$createdAt, .descending).limit(100).all()
        let waiting = try await Referral.query(on: req.db).filter(\.$statusCode == Referral.Status.ready.rawValue)
            .filter(\.$batchID == nil).count()
        return try await req.render(
            "Referrals/batches",
            BatchesContext(
                chrome: Chrome(req, title: "Referral batches", section: "admin"),
                batches: batches.map {
                    BatchLine(
                        id: $0.id!, created: Display.time($0.createdAt), state: $0.state, victims: $0.victims,
                        delivered: $0.deliveredAt.map(Display.time) ?? "Not yet", deliveries: $0.deliveries,
                        destination: $0.destination ?? "")
                }, waiting: waiting))
    }

    @Sendable func resend(req: Request) async throws -> Response {
        let export = ReferralExport(settings: req.config.referrals.export, client: req.client, logger: req.logger)
        do {
            let delivered = try await export.resend(
                try req.uuid("batchID"), context: try req.accessContext(), on: req.db)
            req.flash("Batch sent again: \(delivered.victims) victims.")
        } catch DomainError.conflict(_, let message) {
            req.flash(message)
        }
        return req.redirect(to: "/admin/referral-batches")
    }
}
