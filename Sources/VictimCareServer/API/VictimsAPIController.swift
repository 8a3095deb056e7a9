import Fluent
import Vapor
import VictimCareDomain

/// `/api/v1/victims`: the Victims' Code for one victim of one crime: what they are owed, and the contacts
/// and actions that meet it.
struct VictimsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let victims = routes.grouped("victims", ":victimID")
        victims.get(use: show).access(.record(.viewPerson, .victim("victimID")))
        victims.get("obligations", use: obligations).access(.record(.viewPerson, .victim("victimID")))
        victims.post("contacts", use: contact).access(.record(.recordContact, .victim("victimID")))
        victims.post("actions", use: action).access(.record(.recordVictimAction, .victim("victimID")))
        routes.post("crimes", ":crimeID", "events", use: event).access(.record(.recordCaseEvent, .crime("crimeID")))
    }

    @Sendable func show(req: Request) async throws -> VictimDTO {
        let d = try await VictimService.detail(try req.uuid("victimID"), context: try req.accessContext(), on: req.db)
        return VictimDTO(
            id: d.victim.id!, crime_id: d.crime.id!, person_id: d.person.id!, enhanced: d.victim.enhanced,
            grounds: d.victim.grounds.map(\.rawValue), section16: d.victim.section16, section17: d.victim.section17,
            section28: d.victim.section28, referral_consent: d.victim.referralConsentCode,
            needs_assessed_at: d.assessment.map { Instant.format($0.completedAt) }, statement: d.victim.vpsStatus,
            suggestions: d.decision.suggestions)
    }

    @Sendable func obligations(req: Request) async throws -> [ObligationDTO] {
        let d = try await VictimService.detail(try req.uuid("victimID"), context: try req.accessContext(), on: req.db)
        let now = Date()
        return d.obligations.map { ObligationDTO($0, now: now) }
    }

    @Sendable func contact(req: Request) async throws -> Response {
        let body = try req.content.decode(ContactRequest.self)
        let recorded = try await ContactService.record(
            victimID: try req.uuid("victimID"), body.draft, requireConfirmation: false, confirmed: true,
            context: try req.accessContext(), links: req.config.links, on: req.db)
        return try await ContactResultDTO(
            id: recorded.contact.id!, successful: recorded.decision.successful,
            counts_as_update: recorded.decision.countsAsWrittenUpdate,
            reasons: recorded.decision.reasons, warnings: recorded.decision.warnings
        ).encodeResponse(status: .created, for: req)
    }

    @Sendable func action(req: Request) async throws -> Response {
        let body = try req.content.decode(VictimActionRequest.self)
        let action = try await VictimService.recordAction(
            victimID: try req.uuid("victimID"), kind: body.kind, at: body.at, method: body.method, note: body.note,
            language: body.language, context: try req.accessContext(), on: req.db)
        return try await VictimActionDTO(id: action.id!, kind: action.kind, at: Instant.format(action.at))
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func event(req: Request) async throws -> Response {
        let body = try req.content.decode(CaseEventRequest.self)
        let event = try await CaseEventService.record(
            crimeID: try req.uuid("crimeID"), type: body.type, at: body.at, note: body.note, source: "api",
            context: try req.accessContext(), on: req.db)
        return try await CaseEventDTO(
            id: event.id!, crime_id: event.$crime.id, type: event.typeCode, at: Instant.format(event.at)
        )
        .encodeResponse(status: .created, for: req)
    }
}
