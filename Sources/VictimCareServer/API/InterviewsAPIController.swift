import Fluent
import Vapor
import VictimCareDomain

/// Interviews for recording kits: a kit records the interview on a crime, then uploads its recording with tus
/// to `/uploads` naming the interview, and reads back the stored hash to compare with its own.
struct InterviewsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("crimes", ":crimeID", "interviews", use: create).access(.record(.editCrime, .crime("crimeID")))
        routes.get("interviews", ":interviewID", use: show).access(.record(.viewEvidence, .interview("interviewID")))
    }

    struct CreateRequest: Content {
        var person_link_id: String?
        var kind: String?
        var place: String?
        var place_detail: String?
        var interviewers: String?
        var interpreter: String?
        var intermediary: String?
        var appropriate_adult: String?
        var legal_representative: String?
        var consent: Bool?
    }

    struct InterviewDTO: Content {
        struct Recording: Content {
            var id: UUID
            var file_name: String
            var content_type: String
            var bytes: Int64
            var sha256: String?
            var state: String
            var completed_at: String?
        }

        var id: UUID
        var crime_id: UUID
        var person_link_id: UUID
        var kind: String
        var place: String
        var upload_url: String
        var recordings: [Recording]
    }

    @Sendable func create(req: Request) async throws -> Response {
        let body = try req.content.decode(CreateRequest.self)
        let draft = InterviewDraft(
            kind: body.kind ?? "", place: body.place ?? "", placeDetail: body.place_detail ?? "",
            interviewers: body.interviewers ?? "", interpreter: body.interpreter ?? "",
            intermediary: body.intermediary ?? "", appropriateAdult: body.appropriate_adult ?? "",
            legalRepresentative: body.legal_representative ?? "", consent: body.consent ?? false)
        let interview = try await InterviewService.create(
            crimeID: try req.uuid("crimeID"), linkID: body.person_link_id, draft, context: try req.accessContext(),
            on: req.db)
        return try await dto(interview, items: []).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> InterviewDTO {
        let detail = try await InterviewService.detail(
            try req.uuid("interviewID"), context: try req.accessContext(), on: req.db)
        return dto(detail.loaded.interview, items: detail.items)
    }

    func dto(_ interview: Interview, items: [EvidenceItem]) -> InterviewDTO {
        InterviewDTO(
            id: interview.id!, crime_id: interview.$crime.id, person_link_id: interview.$link.id,
            kind: interview.kindCode, place: interview.placeCode, upload_url: "/uploads",
            // The recordings made; the playable copy and poster made from each are not recordings.
            recordings: items.filter { $0.derivedFrom == nil }.map {
                .init(
                    id: $0.id!, file_name: $0.fileName, content_type: $0.contentType, bytes: $0.received,
                    sha256: $0.sha256, state: $0.stateCode, completed_at: $0.completedAt.map(Instant.format))
            })
    }
}
