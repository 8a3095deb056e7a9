import Fluent
import Foundation
import VictimCareDomain

/// Feedback after every interaction: each successful contact (a call, a visit, a video call) and each Victim
/// Personal Statement taken creates one invitation, sent by email or text message when the victim prefers it and
/// it is safe, or shown as a QR code by the officer. One response per invitation; the link expires.
enum FeedbackService {
    enum Answer: String, CaseIterable, Sendable {
        case yes, partly, no
    }

    /// Creates the invitation for an interaction (once) and asks the outbox to send it if it can. Runs in the
    /// transaction that recorded the interaction.
    @discardableResult
    static func invite(
        victimID: UUID, source: FeedbackInvitation.Source, sourceID: UUID, by actor: Actor, links: LinkSettings,
        on db: any Database
    ) async throws -> FeedbackInvitation? {
        guard actor.kind == .user else { return nil }
        if let existing = try await FeedbackInvitation.query(on: db).filter(\.$sourceCode == source.rawValue)
            .filter(\.$sourceID == sourceID).first()
        {
            return existing
        }
        let victim = try await VictimService.find(victimID, on: db)
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        let preferred = ContactMethod.code(person.preferredContact)
        var channel: MessageChannel?
        for candidate in preferred == .email
            ? [MessageChannel.email] : preferred == .sms || preferred == .phone ? [.sms] : []
        {
            let facts = try await GateFacts.load(victimID: victimID, channel: candidate, on: db)
            if SafetyGate.check(facts.facts(body: SafetyGate.smsBody(link: ""))) == .send { channel = candidate }
        }
        let invitation = FeedbackInvitation()
        invitation.$victim.id = victimID
        invitation.sourceCode = source.rawValue
        invitation.sourceID = sourceID
        invitation.officerID = actor.id
        invitation.officerName = actor.name
        invitation.teamID = actor.teamID
        invitation.commandUnitID = crime.$commandUnit.id
        invitation.channelCode = channel?.rawValue ?? VictimLink.Channel.qr.rawValue
        invitation.createdAt = Date()
        invitation.expiresAt = Date().addingTimeInterval(links.lifetime(.feedback))
        try await invitation.create(on: db)
        if let channel {
            try await OutboxService.enqueue(
                .init(
                    victimID: victimID, channel: channel, purpose: .feedback,
                    idempotencyKey: "feedback:\(invitation.id!.uuidString.lowercased())", carries: .feedback,
                    invitation: invitation),
                context: .system, on: db)
        }
        return invitation
    }

    /// The officer shows the invitation as a QR code on the spot: a link of its own, expiring with it.
    static func issueForQRCode(invitationID: UUID, context: AccessContext, on db: any Database) async throws
        -> VictimLinkService.Issued
    {
        guard let invitation = try await FeedbackInvitation.find(invitationID, on: db) else {
            throw DomainError.notFound("feedback invitation")
        }
        let victim = try await VictimService.find(invitation.$victim.id, on: db)
        try await VictimService.checkAccess(.recordContact, victim, context: context, on: db)
        guard invitation.respondedAt == nil else {
            throw DomainError.conflict(field: "invitation", message: "The victim has already given this feedback")
        }
        guard invitation.expiresAt > Date() else {
            throw DomainError.conflict(field: "invitation", message: "This invitation has expired")
        }
        return try await VictimLinkService.issueShown(
            victimID: victim.id!, purpose: .feedback, lifetime: invitation.expiresAt.timeIntervalSinceNow,
            invitation: invitation, creditShower: false, summary: "feedback QR code shown", context: context, on: db)
    }

    struct Draft: Sendable {
        var satisfaction: String?
        var fair: String?
        var informed: String?
        var understood: String?
        var comment: String?
        /// "yes" or "no"; asked only after a video call.
        var recommend: String?
    }

    /// Whether the form asks if the victim would recommend a video call: only for a video call they had.
    static func asksRecommendation(_ invitation: FeedbackInvitation, on db: any Database) async throws -> Bool {
        guard invitation.sourceCode == FeedbackInvitation.Source.contact.rawValue,
            let contact = try await Contact.find(invitation.sourceID, on: db)
        else { return false }
        return contact.method == .video
    }

    /// Stores the victim's answers. Errors are keyed by translation key, shown in the victim's language.
    static func submit(
        _ d: Draft, link: VictimLink, language: String, ip: String?, on db: any Database
    ) async throws {
        guard let invitationID = link.invitationID,
            let invitation = try await FeedbackInvitation.find(invitationID, on: db)
        else { throw DomainError.notFound("feedback invitation") }
        guard invitation.respondedAt == nil else {
            throw DomainError.conflict(field: "invitation", message: "done")
        }
        guard invitation.expiresAt > Date() else { throw DomainError.conflict(field: "invitation", message: "expired") }
        var errors: [FieldError] = []
        let satisfaction = d.satisfaction.flatMap { Int($0) }.flatMap { (1...5).contains($0) ? $0 : nil }
        if satisfaction == nil { errors.append(.init(field: "satisfaction", message: "error.satisfaction")) }
        func answer(_ raw: String?, _ field: String) -> Answer? {
            guard let a = raw.flatMap(Answer.init(rawValue:)) else {
                errors.append(.init(field: field, message: "error.\(field)"))
                return nil
            }
            return a
        }
        let fair = answer(d.fair, "fair")
        let informed = answer(d.informed, "informed")
        let understood = answer(d.understood, "understood")
        let comment = d.comment?.trimmingWhitespaceAndNewlines()
        if let comment, comment.count > 2000 { errors.append(.init(field: "comment", message: "error.comment")) }
        let asked = try await asksRecommendation(invitation, on: db)
        let recommend: Bool? =
            asked ? d.recommend.flatMap { [Answer.yes.rawValue: true, Answer.no.rawValue: false][$0] } : nil
        if asked, recommend == nil { errors.append(.init(field: "recommend", message: "error.recommend")) }
        guard errors.isEmpty else { throw DomainError.invalid(errors) }
        let now = Date()
        do {
            try await db.transaction { tx in
                // One response per invitation, also when two submissions race: the unique index on the
                // invitation lets only one of them in.
                let response = FeedbackResponse()
                response.$invitation.id = invitationID
                response.submittedAt = now
                response.satisfaction = satisfaction!
                response.fairAndRespectful = fair!.rawValue
                response.keptInformed = informed!.rawValue
                response.understoodNext = understood!.rawValue
                response.comment = comment.flatMap { $0.isEmpty ? nil : $0 }
                response.language = language
                response.wouldRecommend = recommend
                try await response.create(on: tx)
                invitation.respondedAt = now
                try await invitation.save(on: tx)
                try await AuditLog.recordVictim(
                    .create, "feedback_response", response.id, summary: "feedback on invitation \(invitationID)",
                    ip: ip, on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw DomainError.conflict(field: "invitation", message: "done")
        }
    }

    static func invitations(victimID: UUID, on db: any Database) async throws -> [FeedbackInvitation] {
        try await FeedbackInvitation.query(on: db).filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending)
            .limit(20).all()
    }
}
