import Fluent
import Vapor
import VictimCareDomain

/// The analysts' pages for recognising one person across records (issue 18): pairs waiting for review, one pair
/// side by side with its evidence, and the merges and splits the linkage made, each of which can be undone.
struct LinkageController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let linkage = routes.grouped("linkage")
        linkage.get(use: queue).access(.role(.reviewLinkage))
        linkage.get("pairs", ":reviewID", use: pair).access(.role(.reviewLinkage))
        linkage.post("pairs", ":reviewID", use: decide).access(.role(.reviewLinkage))
        linkage.get("changes", use: changes).access(.role(.reviewLinkage))
        linkage.post("changes", ":seq", "undo", use: undo).access(.role(.reviewLinkage))
    }

    struct SideView: Encodable {
        var id: UUID
        var readable: Bool
        var name: String
        var born: String
        var phone: String
        var email: String
        var address: String

        init(_ s: LinkageService.Side) {
            id = s.id
            readable = s.name != nil
            name = s.name ?? "A record you may not read"
            born = s.dateOfBirth.flatMap(LocalDate.init).map(London.formatReadable) ?? "Not known"
            phone = s.phone ?? "Not recorded"
            email = s.email ?? "Not recorded"
            address = s.address ?? "Not recorded"
        }
    }

    struct EvidenceView: Encodable {
        var field: String
        var level: String
        var weight: String
        var towards: String

        init(_ e: LinkageIndex.Evidence) {
            field = e.field.prefix(1).uppercased() + e.field.dropFirst()
            level = e.level
            weight = String(format: "%+.1f", e.weight)
            towards = e.weight > 0.05 ? "same person" : e.weight < -0.05 ? "different people" : "neither"
        }
    }

    static func percent(_ p: Double) -> String { "\(Int((p * 100).rounded(.down)))%" }

    struct QueueContext: Encodable {
        struct Row: Encodable {
            var id: UUID
            var a: SideView
            var b: SideView
            var likelihood: String
        }
        struct Tab: Encodable {
            var status: String
            var label: String
            var current: Bool
        }
        var chrome: Chrome
        var tabs: [Tab]
        var statusLabel: String
        var rows: [Row]
    }

    static let tabLabels = [
        ("open", "Waiting"), ("unsure", "Not sure"), ("same", "Same person"), ("different", "Not the same"),
    ]

    @Sendable func queue(req: Request) async throws -> Response {
        let status = (try? req.query.get(String.self, at: "status")) ?? "open"
        let rows = try await LinkageService.queue(status: status, context: try req.accessContext(), on: req.db)
        let current = LinkageService.queueStatuses.contains(status) ? status : "open"
        return try await req.render(
            "Linkage/queue",
            QueueContext(
                chrome: Chrome(req, title: "Possible matches", section: "linkage"),
                tabs: Self.tabLabels.map { .init(status: $0.0, label: $0.1, current: $0.0 == current) },
                statusLabel: Self.tabLabels.first { $0.0 == current }!.1,
                rows: rows.map {
                    .init(id: $0.id, a: SideView($0.a), b: SideView($0.b), likelihood: Self.percent($0.probability))
                }))
    }

    struct PairContext: Encodable {
        var chrome: Chrome
        var id: UUID
        var a: SideView
        var b: SideView
        var likelihood: String
        var evidence: [EvidenceView]
        var status: String
        var decidedBy: String
        var sameCluster: Bool
        var choices: [SelectOption]
        var evidenceHidden: Bool
    }

    @Sendable func pair(req: Request) async throws -> Response {
        try await renderPair(req, errors: [], status: .ok)
    }

    func renderPair(_ req: Request, errors: [FieldError], status: HTTPResponseStatus) async throws -> Response {
        let d = try await LinkageService.pair(try req.uuid("reviewID"), context: try req.accessContext(), on: req.db)
        let statusLabel = Self.tabLabels.first { $0.0 == d.review.status }?.1 ?? d.review.status
        return try await req.render(
            "Linkage/pair",
            PairContext(
                chrome: Chrome(req, title: "Are these the same person?", section: "linkage", errors: errors),
                id: d.review.id!, a: SideView(d.a), b: SideView(d.b), likelihood: Self.percent(d.review.probability),
                // Field by field only to someone who may read both: "family name: exact" is the other's name.
                evidence: d.a.name != nil && d.b.name != nil ? d.evidence.map(EvidenceView.init) : [],
                status: statusLabel,
                decidedBy: d.review.decidedByName.map { "\($0), \(Display.time(d.review.decidedAt))" } ?? "",
                sameCluster: d.sameCluster,
                choices: LinkageService.Decision.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: false)
                }, evidenceHidden: d.a.name == nil || d.b.name == nil),
            status: status)
    }

    struct DecisionForm: Content {
        var decision: String?
    }

    @Sendable func decide(req: Request) async throws -> Response {
        let form = try req.content.decode(DecisionForm.self)
        guard let decision = form.decision.flatMap(LinkageService.Decision.init(rawValue:)) else {
            return try await renderPair(
                req,
                errors: [FieldError(field: "decision", message: "Say whether these are the same person")],
                status: .unprocessableEntity)
        }
        let events = try await LinkageService.decide(
            reviewID: try req.uuid("reviewID"), decision, hub: req.application.linkage,
            context: try req.accessContext(), on: req.db)
        let merged = events.filter { $0.kind == .merged }.count
        let split = events.filter { $0.kind == .split }.count
        req.flash(
            "Recorded: \(decision.label.lowercased())."
                + (merged > 0 ? " Their records are now linked." : "")
                + (split > 0 ? " Their records are no longer linked." : ""))
        return req.redirect(to: "/linkage")
    }

    struct ChangesContext: Encodable {
        struct Row: Encodable {
            var seq: Int64
            var kind: String
            var a: SideView?
            var b: SideView?
            var weight: String
            var evidence: [EvidenceView]
            var moved: Int
            var undone: Bool
            var when: String
        }
        var chrome: Chrome
        var rows: [Row]
    }

    @Sendable func changes(req: Request) async throws -> Response {
        let rows = try await LinkageService.changes(context: try req.accessContext(), on: req.db)
        return try await req.render(
            "Linkage/changes",
            ChangesContext(
                chrome: Chrome(req, title: "Merges and splits", section: "linkage"),
                rows: rows.map { c in
                    .init(
                        seq: c.seq, kind: c.kind == "merged" ? "Merged" : "Split", a: c.a.map(SideView.init),
                        b: c.b.map(SideView.init), weight: c.weight.map { String(format: "%+.1f", $0) } ?? "",
                        evidence: c.a?.name != nil && c.b?.name != nil ? c.evidence.map(EvidenceView.init) : [],
                        moved: c.moved, undone: c.undone,
                        when: Display.time(c.when))
                }))
    }

    @Sendable func undo(req: Request) async throws -> Response {
        let seq = req.parameters.get("seq", as: Int64.self)
        _ = try await LinkageService.undo(
            eventSeq: seq, hub: req.application.linkage, context: try req.accessContext(), on: req.db)
        req.flash("Change \(seq ?? 0) undone.")
        return req.redirect(to: "/linkage/changes")
    }
}
