import Fluent
import Foundation

/// A personal link for one victim. Only the SHA-256 of its 256-bit secret is stored; the secret itself exists
/// in the message, QR code or page that gave it out.
final class VictimLink: Model, @unchecked Sendable {
    static let schema = "victim_links"

    enum Purpose: String, Sendable, CaseIterable {
        /// The leaflet with the victim's crime reference and officer.
        case leaflet
        /// The way in to the victim's case page (needs a second factor).
        case track
        /// A feedback form for one interaction.
        case feedback
        /// A signed-in visit to the case page, after the second factor.
        case session
        /// A witness's viewing of a video identification: works once, in the first browser to open it.
        case identification
    }

    enum Channel: String, Sendable, CaseIterable {
        case email, sms, qr
        /// Set by the case page itself (sessions).
        case web
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "purpose") var purposeCode: String
    @Field(key: "channel") var channelCode: String
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @Field(key: "created_by_name") var createdByName: String
    @OptionalField(key: "officer_id") var officerID: UUID?
    @OptionalField(key: "team_id") var teamID: UUID?
    @Field(key: "command_unit_id") var commandUnitID: UUID
    @OptionalField(key: "invitation_id") var invitationID: UUID?
    @OptionalField(key: "message_id") var messageID: UUID?
    @OptionalField(key: "parent_id") var parentID: UUID?
    @OptionalField(key: "first_opened_at") var firstOpenedAt: Date?
    @Field(key: "open_count") var openCount: Int
    @Field(key: "failed_attempts") var failedAttempts: Int
    /// Locks so far since the last right answer; each lasts twice as long as the one before.
    @Field(key: "lock_count") var lockCount: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @OptionalField(key: "code_hash") var codeHash: String?
    @OptionalField(key: "code_expires_at") var codeExpiresAt: Date?

    init() {}

    var purpose: Purpose? { Purpose(rawValue: purposeCode) }
    var channel: Channel? { Channel(rawValue: channelCode) }

    func usable(at now: Date = Date()) -> Bool { revokedAt == nil && expiresAt > now }
}
