import Fluent
import Foundation
import VictimCareDomain

/// Something done for a victim that meets a duty: written confirmation, the leaflet, a referral, a VPS offer.
final class VictimAction: Model, @unchecked Sendable {
    static let schema = "victim_actions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "kind") var kind: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "method") var method: String?
    @OptionalField(key: "note") var note: String?
    @OptionalField(key: "by_user_id") var byUserID: UUID?
    @Field(key: "by_name") var byName: String
    /// The language it was given in (the information leaflet).
    @OptionalField(key: "language") var language: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(
        victimID: UUID, kind: String, at: Date, method: String?, note: String?, byUserID: UUID?, byName: String,
        language: String? = nil
    ) {
        self.language = language
        self.$victim.id = victimID
        self.kind = kind
        self.at = at
        self.method = method
        self.note = note
        self.byUserID = byUserID
        self.byName = byName
    }
}
