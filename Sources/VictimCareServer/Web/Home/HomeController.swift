import Fluent
import Vapor
import VictimCareDomain

/// `/` sends each role to its own work (``Role/home``); `/cases` lists the user's own cases.
struct HomeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: index).access(.signedIn)
        routes.get("cases", use: cases).access(.role(.searchCrimes))
        routes.get("shared", use: shared).access(.signedIn)
    }

    struct Context: Encodable {
        var chrome: Chrome
        var name: String
        var rows: [CrimeRow]
        var canCreate: Bool
    }

    @Sendable func index(req: Request) async throws -> Response {
        req.redirect(to: try req.requireUser().role.home)
    }

    @Sendable func cases(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let context = try req.accessContext()
        try AccessGuard.require(.searchCrimes, context)
        let result = try await CrimeService.search(.init(officerInCase: user.id), context: context, on: req.db)
        return try await req.render(
            "Home/index",
            Context(
                chrome: Chrome(req, title: "My cases", section: "cases"), name: user.displayName,
                rows: CrimeRow.rows(result, actor: context.actor),
                canCreate: AccessPolicy.grants(context.actor, .createCrime)))
    }

    struct SharedContext: Encodable {
        struct Row: Encodable {
            var interviewID: UUID
            var reference: String
            var kind: String
            var until: String
            var mode: String
        }

        var chrome: Chrome
        var role: String
        var rows: [Row] = []
    }

    /// What has been shared with a prosecutor (recordings, from issue 15); for other roles, where their work is.
    @Sendable func shared(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let rows = try await InterviewService.sharedWith(try req.accessContext(), on: req.db).map {
            SharedContext.Row(
                interviewID: $0.interview.id!, reference: $0.crimeReference,
                kind: InterviewKind(rawValue: $0.interview.kindCode)?.label ?? $0.interview.kindCode,
                until: Display.time($0.share.expiresAt), mode: $0.share.mayDownload ? "View and download" : "View only")
        }
        return try await req.render(
            "Home/shared",
            SharedContext(
                chrome: Chrome(req, title: "Shared with you", section: "shared"), role: user.role.label, rows: rows))
    }
}

/// A crime in a list, as the lists show it.
struct CrimeRow: Encodable {
    var id: UUID
    var reference: String
    var offence: String
    var reported: String
    var status: String
    var unitCode: String
    var unitName: String
    var victims: String
    var needsReason: Bool

    static func rows(_ result: CrimeService.SearchResult, actor: Actor) -> [CrimeRow] {
        result.rows.map { row in
            let access = AccessPolicy.decide(actor, .viewCrime, on: RecordScope(commandUnitIDs: [row.command_unit_id]))
            return CrimeRow(
                id: row.id, reference: row.reference, offence: row.offence_description,
                reported: Display.time(row.reported_at),
                status: CrimeStatus(rawValue: row.status)?.label ?? row.status, unitCode: row.unit_code,
                unitName: row.unit_name,
                victims: result.victimNames[row.id]?.joined(separator: ", ") ?? "",
                needsReason: access == .reasonRequired)
        }
    }
}
