import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Personal links: made with 256 bits of randomness, stored only as a SHA-256 hash, expiring, revocable.
/// A link a message carries is stored when the message is asked for, with a hash nobody holds the secret of;
/// its secret is made when the message is rendered (``activate(_:on:)``), so it exists only in what was sent.
enum VictimLinkService {
    struct Issued: Sendable {
        var link: VictimLink
        var secret: String
    }

    enum Lookup: Sendable {
        case valid(VictimLink)
        case expired
        case unknown
    }

    static func path(_ purpose: VictimLink.Purpose) -> String {
        switch purpose {
        case .leaflet: "/l/"
        case .track, .session: "/track/"
        case .feedback: "/f/"
        case .identification: "/id/"
        }
    }

    static func url(_ publicURL: String, _ purpose: VictimLink.Purpose, _ secret: String) -> String {
        publicURL + path(purpose) + secret
    }

    /// Stores a link for a victim. Provision is credited to the invitation's officer, or to the officer in the
    /// case, their team and the crime's command unit, as they are now.
    static func issue(
        victimID: UUID, purpose: VictimLink.Purpose, channel: VictimLink.Channel, createdBy: String,
        lifetime: TimeInterval, invitation: FeedbackInvitation? = nil, messageID: UUID? = nil, parentID: UUID? = nil,
        on db: any Database
    ) async throws -> Issued {
        let credited: (officer: UUID?, team: UUID?, unit: UUID)
        if let invitation {
            credited = (invitation.officerID, invitation.teamID, invitation.commandUnitID)
        } else {
            credited = try await attribution(victimID: victimID, on: db)
        }
        let issued = build(
            victimID: victimID, purpose: purpose, channel: channel, createdBy: createdBy, lifetime: lifetime,
            credited: credited, invitationID: invitation?.id, messageID: messageID, parentID: parentID)
        try await issued.link.create(on: db)
        return issued
    }

    /// The link `issue` stores, in memory: `credited` is the officer, team and unit its provision counts for.
    static func build(
        victimID: UUID, purpose: VictimLink.Purpose, channel: VictimLink.Channel, createdBy: String,
        lifetime: TimeInterval, credited: (officer: UUID?, team: UUID?, unit: UUID), invitationID: UUID? = nil,
        messageID: UUID? = nil, parentID: UUID? = nil
    ) -> Issued {
        let link = VictimLink()
        link.id = UUID.random()
        link.$victim.id = victimID
        link.purposeCode = purpose.rawValue
        link.channelCode = channel.rawValue
        let secret = Secrets.randomToken(bytes: 32)
        link.tokenHash = Secrets.sha256Hex(secret)
        link.createdAt = Date()
        link.expiresAt = Date().addingTimeInterval(lifetime)
        link.createdByName = createdBy
        link.invitationID = invitationID
        link.messageID = messageID
        link.parentID = parentID
        link.openCount = 0
        link.failedAttempts = 0
        link.lockCount = 0
        link.officerID = credited.officer
        link.teamID = credited.team
        link.commandUnitID = credited.unit
        return Issued(link: link, secret: secret)
    }

    /// The officer in the case, their team, and the crime's command unit.
    static func attribution(victimID: UUID, on db: any Database) async throws -> (UUID?, UUID?, UUID) {
        let victim = try await VictimService.find(victimID, on: db)
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let officer = try await crime.$officerInCase.id.asyncFlatMap { try await User.find($0, on: db) }
        return (officer?.id, officer?.$team.id, crime.$commandUnit.id)
    }

    /// Gives a stored link a fresh secret and its lifetime from now: a message's link becomes usable when the
    /// message is rendered. A link the officer or the victim revoked stays revoked.
    static func activate(_ linkID: UUID, settings: LinkSettings, on db: any Database) async throws -> Issued {
        guard let link = try await VictimLink.find(linkID, on: db) else { throw DomainError.notFound("link") }
        return try await activate(link, settings: settings, on: db)
    }

    /// `activate` for a link already loaded (the outbox loads a batch's links at once).
    static func activate(_ link: VictimLink, settings: LinkSettings, on db: any Database) async throws -> Issued {
        guard let purpose = link.purpose, let id = link.id, let sql = db as? any SQLDatabase else {
            throw DomainError.notFound("link")
        }
        let secret = Secrets.randomToken(bytes: 32)
        link.tokenHash = Secrets.sha256Hex(secret)
        link.expiresAt = Date().addingTimeInterval(settings.lifetime(purpose))
        // A link deleted since it was loaded is not brought back to life in a message.
        let updated = try await FastRows.query(
            "UPDATE victim_links SET token_hash = ?, expires_at = ? WHERE id = ? RETURNING id",
            [.text(link.tokenHash), .date(link.expiresAt), .uuid(id)], on: sql)
        guard !updated.isEmpty else { throw DomainError.notFound("link") }
        return Issued(link: link, secret: secret)
    }

    /// The link a secret opens, if it is one of `purposes`. Secrets are compared by their hash only.
    static func find(secret: String, purposes: [VictimLink.Purpose], on db: any Database) async throws -> Lookup {
        // Secrets are 43 characters of base64url; anything else cannot be one and is not looked up.
        guard secret.count == 43,
            secret.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return .unknown }
        guard
            let link = try await VictimLink.query(on: db).filter(\.$tokenHash == Secrets.sha256Hex(secret)).first(),
            let purpose = link.purpose, purposes.contains(purpose)
        else { return .unknown }
        return link.usable() ? .valid(link) : .expired
    }

    /// Counts an opening (a scan, when the link was given as a QR code); the first is kept.
    static func recordOpen(_ link: VictimLink, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, let id = link.id else { return }
        let now = Date()
        try await sql.raw(
            """
            UPDATE victim_links SET open_count = open_count + 1,
                first_opened_at = COALESCE(first_opened_at, \(bind: now)) WHERE id = \(bind: id)
            """
        ).run()
        if link.firstOpenedAt == nil { link.firstOpenedAt = now }
        link.openCount += 1
    }

    /// An officer shows a QR code for a victim's leaflet or case page: a new link given by hand, recorded as
    /// provided by them.
    static func issueForQRCode(
        victimID: UUID, purpose: VictimLink.Purpose, settings: LinkSettings, context: AccessContext,
        on db: any Database
    ) async throws -> Issued {
        try AccessGuard.require(.messageVictim, context)
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.messageVictim, victim, context: context, on: db)
        guard purpose == .leaflet || purpose == .track else {
            throw DomainError.invalid("purpose", "Choose the leaflet or the case page")
        }
        return try await issueShown(
            victimID: victimID, purpose: purpose, lifetime: settings.lifetime(purpose), creditShower: true,
            summary: "\(purpose.rawValue) QR code shown for victim \(victimID)", context: context, on: db)
    }

    /// A link to be shown as a QR code, issued in one transaction with its audit entry. `creditShower`: the
    /// officer who showed it is recorded as the one who provided it (a feedback link names its own officer).
    static func issueShown(
        victimID: UUID, purpose: VictimLink.Purpose, lifetime: TimeInterval, invitation: FeedbackInvitation? = nil,
        creditShower: Bool, summary: String, context: AccessContext, on db: any Database
    ) async throws -> Issued {
        try await db.transaction { tx in
            let issued = try await issue(
                victimID: victimID, purpose: purpose, channel: .qr, createdBy: context.actor.name, lifetime: lifetime,
                invitation: invitation, on: tx)
            if creditShower, context.actor.kind == .user, let actor = context.actor.id {
                issued.link.officerID = actor
                issued.link.teamID = context.actor.teamID
                try await issued.link.save(on: tx)
            }
            try await AuditLog.record(
                .create, "victim_link", issued.link.id, summary: summary, context: context, on: tx)
            return issued
        }
    }
}
