import Fluent
import Foundation

/// Something a victim asked for on their case page; the officer sees it and acknowledges it.
final class CaseRequest: Model, @unchecked Sendable {
    static let schema = "victim_requests"

    enum Kind: String, Sendable {
        case callBack = "call_back"
        case contactPreference = "contact_preference"
        case optOut = "opt_out"
        case optIn = "opt_in"
        /// Not the victim's own request: their case link locked again and again.
        case linkLocked = "link_locked"
        /// Chose a video call, then asked for an officer to visit instead (issue 16).
        case inPersonVisit = "in_person_visit"
        /// Not the victim's own request: their booked video call passed without them (issue 16).
        case videoCallMissed = "video_call_missed"
        /// The victim pressed "not safe now" during a video call: do not call back (issue 16).
        case notSafeNow = "not_safe_now"

        var label: String {
            switch self {
            case .callBack: "Asked for a call back"
            case .contactPreference: "Changed how to be contacted"
            case .optOut: "Opted out of messages"
            case .optIn: "Opted back in to messages"
            case .linkLocked: "Case page link locked repeatedly"
            case .inPersonVisit: "Asked for a visit instead of a video call"
            case .videoCallMissed: "Missed their video call: follow up"
            case .notSafeNow: "Ended a video call: not safe to talk"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "kind") var kindCode: String
    @Field(key: "detail") var detail: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "acknowledged_by_name") var acknowledgedByName: String?

    init() {}

    /// A new request of `kind` for the victim, made now.
    convenience init(_ kind: Kind, victimID: UUID, detail: String) {
        self.init()
        $victim.id = victimID
        kindCode = kind.rawValue
        self.detail = detail
        createdAt = Date()
    }

    var kind: Kind? { Kind(rawValue: kindCode) }
}
