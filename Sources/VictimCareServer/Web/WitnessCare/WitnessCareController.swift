import Fluent
import SQLKit
import Vapor
import VictimCareDomain

/// The Witness Care Unit's home: victims of crimes charged in the last months, and whether the referral at
/// charge has gone to the support service.
struct WitnessCareController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("witness-care", use: index).access(.role(.referAtCharge))
    }

    struct Line: Encodable {
        var victimID: UUID
        var name: String
        var reference: String
        var charged: String
        var referral: String
    }

    struct Context: Encodable {
        var chrome: Chrome
        var waiting: [Line]
        var referred: [Line]
    }

    @Sendable func index(req: Request) async throws -> Response {
        let lines = try await WitnessCareService.charged(context: try req.accessContext(), on: req.db).map {
            Line(
                victimID: $0.victimID, name: $0.name, reference: $0.reference, charged: Display.time($0.chargedAt),
                referral: $0.referralStatus.map { "Referred at charge: \($0.label.lowercased())" } ?? "Not referred yet"
            )
        }
        return try await req.render(
            "WitnessCare/index",
            Context(
                chrome: Chrome(req, title: "Charged cases", section: "witness-care"),
                waiting: lines.filter { $0.referral == "Not referred yet" },
                referred: lines.filter { $0.referral != "Not referred yet" }))
    }
}

/// Victims of crimes charged in the last 180 days, force-wide, for the Witness Care Unit.
enum WitnessCareService {
    struct Line: Sendable {
        var victimID: UUID
        var personID: UUID
        var name: String
        var reference: String
        var chargedAt: Date
        var referralStatus: Referral.Status?
    }

    static func charged(context: AccessContext, on db: any Database) async throws -> [Line] {
        try AccessGuard.require(.referAtCharge, context)
        guard let sql = db as? any SQLDatabase else { return [] }
        struct Row: Decodable {
            var victim_id: UUID
            var person_id: UUID
            var given_name: String
            var family_name: String
            var reference: String
            var charged_at: Date
            var referral: String?
        }
        let rows = try await sql.raw(
            """
            SELECT v.id AS victim_id, p.id AS person_id, p.given_name, p.family_name, c.reference,
                   MAX(e.at) AS charged_at,
                   (SELECT r.status FROM referrals r WHERE r.victim_id = v.id AND r.route = 'witness_care'
                    ORDER BY r.created_at DESC LIMIT 1) AS referral
            FROM case_events e JOIN crimes c ON c.id = e.crime_id JOIN victims v ON v.crime_id = c.id
            JOIN persons p ON p.id = v.person_id
            WHERE e.type = 'charged' AND e.at >= \(bind: Date().addingTimeInterval(-180 * 86_400))
            GROUP BY v.id, p.id, p.given_name, p.family_name, c.reference
            ORDER BY MAX(e.at) DESC LIMIT 500
            """
        ).all(decoding: Row.self)
        try await AuditLog.recordViews(
            "person", rows.map(\.person_id), summary: "listed on the charged cases list", context: context, on: db)
        return rows.map {
            Line(
                victimID: $0.victim_id, personID: $0.person_id, name: "\($0.given_name) \($0.family_name)",
                reference: $0.reference, chargedAt: $0.charged_at,
                referralStatus: $0.referral.flatMap(Referral.Status.init(rawValue:)))
        }
    }
}
