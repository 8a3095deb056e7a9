import Fluent
import Foundation

/// A video officer's shift on the rota, cut into slots of `slotMinutes`.
final class VideoShift: Model, @unchecked Sendable {
    static let schema = "video_shifts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "command_unit_id") var commandUnit: CommandUnit
    @Parent(key: "officer_id") var officer: User
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "slot_minutes") var slotMinutes: Int
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?

    init() {}
}

/// A booked video call with a victim (issue 16).
final class VideoCall: Model, @unchecked Sendable {
    static let schema = "video_calls"

    enum State: String, Sendable {
        case booked, cancelled, missed, ended

        var label: String {
            switch self {
            case .booked: "Booked"
            case .cancelled: "Cancelled"
            case .missed: "Missed"
            case .ended: "Ended"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Parent(key: "crime_id") var crime: Crime
    @Parent(key: "command_unit_id") var commandUnit: CommandUnit
    @OptionalParent(key: "shift_id") var shift: VideoShift?
    /// `nil`: as soon as possible.
    @OptionalField(key: "slot_start") var slotStart: Date?
    @Field(key: "slot_minutes") var slotMinutes: Int
    /// When the victim's link works.
    @Field(key: "opens_at") var opensAt: Date
    @Field(key: "closes_at") var closesAt: Date
    @OptionalField(key: "officer_id") var officerID: UUID?
    @OptionalField(key: "officer_name") var officerName: String?
    /// How the victim is told (their preferred safe channel).
    @Field(key: "channel") var channelCode: String
    @Field(key: "state") var stateCode: String
    /// Raised by each change: the calendar invitation's SEQUENCE.
    @Field(key: "version") var version: Int
    @OptionalField(key: "reminded_at") var remindedAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "ended_reason") var endedReason: String?
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date
    /// The browser the victim took the call in: the first to open it, bound by a cookie of its own.
    @OptionalField(key: "victim_browser_hash") var victimBrowserHash: String?
    @OptionalField(key: "admitted_at") var admittedAt: Date?
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "victim_seen_at") var victimSeenAt: Date?
    @OptionalField(key: "officer_seen_at") var officerSeenAt: Date?
    /// The contact the ended call was recorded as.
    @OptionalField(key: "contact_id") var contactID: UUID?
    /// The interview of the call: what the victim sent during it (photos, videos) is kept under it.
    @OptionalField(key: "interview_id") var interviewID: UUID?
    /// Since when the officer has been recording the call (with the victim's agreement); nil when not.
    @OptionalField(key: "recording_since") var recordingSince: Date?

    init() {}

    var state: State { State(rawValue: stateCode) ?? .cancelled }
    var asap: Bool { slotStart == nil }
}

/// The one hold on a slot: unique per shift and slot start, so a slot is booked once.
final class VideoSlotHold: Model, @unchecked Sendable {
    static let schema = "video_slot_holds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "shift_id") var shift: VideoShift
    @Field(key: "slot_start") var slotStart: Date
    @Parent(key: "call_id") var call: VideoCall

    init() {}
}

/// A message sent about a call, and which kind and version of the booking it told of.
final class VideoCallMessage: Model, @unchecked Sendable {
    static let schema = "video_call_messages"

    @ID(key: .id) var id: UUID?
    @Parent(key: "call_id") var call: VideoCall
    @Field(key: "message_id") var messageID: UUID
    @Field(key: "kind") var kind: String
    @Field(key: "version") var version: Int

    init() {}
}

/// One signalling message for one side of a call's room, relayed by whichever node holds that side's socket.
final class VideoSignal: Model, @unchecked Sendable {
    static let schema = "video_signals"

    @ID(custom: "id") var id: Int?
    @Field(key: "call_id") var callID: UUID
    @Field(key: "to_role") var toRole: String
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Someone the officer invited into a call (issue 16, item 3): at most one current guest per call; inviting
/// another withdraws the first.
final class VideoGuest: Model, @unchecked Sendable {
    static let schema = "video_guests"

    @ID(key: .id) var id: UUID?
    @Field(key: "call_id") var callID: UUID
    @Field(key: "kind") var kindCode: String
    /// As the officer wrote it (an interpreter's name or agency); shown only to the officer.
    @Field(key: "name") var name: String
    @Field(key: "secret_hash") var secretHash: String
    @OptionalField(key: "browser_hash") var browserHash: String?
    @OptionalField(key: "admitted_at") var admittedAt: Date?
    @OptionalField(key: "seen_at") var seenAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var kind: VideoGuestKind { VideoGuestKind(rawValue: kindCode) ?? .supporter }
}

/// Who a guest is in the call.
enum VideoGuestKind: String, Sendable, CaseIterable {
    case interpreter, guardian, supporter

    var label: String {
        switch self {
        case .interpreter: "Interpreter"
        case .guardian: "Parent or guardian"
        case .supporter: "Supporter (an intermediary, an advocate, a friend they asked for)"
        }
    }

    /// The guest's own page calls them this.
    var short: String {
        switch self {
        case .interpreter: "an interpreter"
        case .guardian: "a parent or guardian"
        case .supporter: "a supporter"
        }
    }
}
