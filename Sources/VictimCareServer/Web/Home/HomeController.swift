import Fluent
import Vapor
import VictimCareDomain

/// The first page after signing in: the user's own cases.
struct HomeController {
    struct Context: Encodable {
        var chrome: Chrome
        var name: String
        var rows: [CrimeRow]
        var canCreate: Bool
    }

    @Sendable func index(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let context = try req.accessContext()
        var rows: [CrimeRow] = []
        if AccessPolicy.grants(context.actor, .viewCrime), context.actor.role.reach != .sharedOnly {
            let result = try await CrimeService.search(.init(officerInCase: user.id), context: context, on: req.db)
            rows = CrimeRow.rows(result, actor: context.actor)
        }
        return try await req.render(
            "Home/index",
            Context(
                chrome: Chrome(req, title: "My cases", section: "home"), name: user.displayName, rows: rows,
                canCreate: AccessPolicy.grants(context.actor, .createCrime)))
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
