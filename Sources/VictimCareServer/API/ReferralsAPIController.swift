import Fluent
import Vapor
import VictimCareDomain

/// The support service's API: the referrals sent to it, and what happened next.
struct ReferralsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("referrals", use: index).access(.role(.manageReferrals))
        routes.post("referrals", ":referralID", "status", use: update).access(.role(.manageReferrals))
    }

    /// Ids in lower case, as in the batch files.
    struct ReferralDTO: Content {
        var id: String
        var route: String
        var status: String
        var batch_id: String?
        var sent_at: String?
        var status_at: String?
        var note: String?

        init(_ r: Referral) {
            id = r.id!.uuidString.lowercased()
            route = r.routeCode
            status = r.statusCode
            batch_id = r.batchID?.uuidString.lowercased()
            sent_at = r.sentAt.map(Instant.format)
            status_at = r.statusAt.map(Instant.format)
            note = r.note
        }
    }

    struct StatusRequest: Content {
        var status: String?
        var note: String?
    }

    @Sendable func index(req: Request) async throws -> [ReferralDTO] {
        let raw = try? req.query.get(String.self, at: "status")
        var status: Referral.Status?
        if let raw, !raw.isEmpty {
            guard let known = Referral.Status(rawValue: raw) else {
                throw DomainError.invalid("status", "Unknown status \(raw)")
            }
            status = known
        }
        let context = try req.accessContext()
        let referrals = try await ReferralService.sent(status: status, context: context, on: req.db)
        try await AuditLog.record(
            .view, "referral", nil, summary: "support service API list (\(referrals.count))", context: context,
            on: req.db)
        return referrals.map(ReferralDTO.init)
    }

    @Sendable func update(req: Request) async throws -> ReferralDTO {
        let body = try req.content.decode(StatusRequest.self)
        return ReferralDTO(
            try await ReferralService.updateStatus(
                try req.uuid("referralID"), status: body.status, note: body.note, context: try req.accessContext(),
                on: req.db))
    }
}
