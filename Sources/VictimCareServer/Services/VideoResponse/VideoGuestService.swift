import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// Issue 16, item 3: an interpreter, a parent or guardian, or a supporter joins a call as its third participant.
/// The officer invites them from the call page and gets a link to give them (256-bit, kept only as a hash); it
/// works only while the call is booked and in its window, only in the first browser that opens it, and only until
/// the officer withdraws it or invites someone else. The guest waits until the officer lets them in, and sees the
/// call, never the victim's record: their page names nobody.
enum VideoGuestService {
    struct Invited: Sendable {
        var guest: VideoGuest
        /// The link's secret: shown to the officer once, never stored.
        var secret: String
    }

    /// The call's current guest (invited and not withdrawn), if any.
    static func current(callID: UUID, on db: any Database) async throws -> VideoGuest? {
        try await VideoGuest.query(on: db).filter(\.$callID == callID).filter(\.$revokedAt == nil)
            .sort(\.$createdAt, .descending).first()
    }

    /// The officer invites a guest into the victim's booked call: checked like every change to the call (who may
    /// take calls, the victim's unit), then the form. Anyone invited before is withdrawn and told.
    static func invite(
        victimID: UUID, kind: String?, name: String?, context: AccessContext, on db: any Database
    ) async throws -> Invited {
        let call = try await VideoBookingService.loadForChange(victimID: victimID, context: context, on: db)
        var errors: [FieldError] = []
        let kind = kind.flatMap(VideoGuestKind.init(rawValue:))
        if kind == nil { errors.append(.init(field: "kind", message: "Choose who is joining the call.")) }
        let name = (name ?? "").trimmingWhitespaceAndNewlines()
        if name.isEmpty {
            errors.append(.init(field: "name", message: "Give their name or agency, so you know whom to let in."))
        } else if name.count > 200 {
            errors.append(.init(field: "name", message: "Keep their name or agency to 200 characters."))
        }
        guard errors.isEmpty, let kind else { throw DomainError.invalid(errors) }
        let secret = Secrets.randomToken(bytes: 32)
        let guest = VideoGuest()
        guest.id = UUID.random()
        guest.callID = call.id!
        guest.kindCode = kind.rawValue
        guest.name = name
        guest.secretHash = Secrets.sha256Hex(secret)
        guest.createdByName = context.actor.name
        guest.createdAt = Date()
        do {
            try await db.transaction { tx in
                try await withdraw(call: call, reason: "replaced", on: tx)
                // The database holds one current invitation per call: two made at once, one is kept.
                try await guest.create(on: tx)
                try await AuditLog.record(
                    .create, "video_guest", guest.id,
                    summary: "invited \(kind.short) into video call \(call.id!.uuidString.lowercased())",
                    context: context, on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw DomainError.conflict(
                field: "kind", message: "Another link was made for this call at the same moment. Make it again.")
        }
        return Invited(guest: guest, secret: secret)
    }

    /// The officer takes the guest out of the call: their link stops working and their page is told.
    static func remove(victimID: UUID, context: AccessContext, on db: any Database) async throws {
        let call = try await VideoBookingService.loadForChange(victimID: victimID, context: context, on: db)
        try await db.transaction { tx in
            guard let removed = try await withdraw(call: call, reason: "removed", on: tx) else {
                throw DomainError.conflict(field: "guest", message: "Nobody else has been invited into this call.")
            }
            try await AuditLog.record(
                .update, "video_guest", removed, summary: "removed from the video call", context: context, on: tx)
        }
    }

    /// Withdraws the call's current guest, if any: their socket is told, and the victim's and officer's pages drop
    /// them. Also when the call is moved (a new time, perhaps another officer: a new link), cancelled or missed.
    @discardableResult
    static func withdraw(call: VideoCall, reason: String, on db: any Database) async throws -> UUID? {
        guard let guest = try await current(callID: call.id!, on: db) else { return nil }
        try await VideoGuest.query(on: db).filter(\.$id == guest.id!).set(\.$revokedAt, to: Date()).update()
        try await SignalHub.post(
            #"{"type":"bye","reason":"\#(reason)"}"#, to: .guest, call: call.id!, guest: guest.id, on: db)
        // Their connections end on the other pages too, whatever the guest's page does.
        for side in [Signalling.Role.victim, .officer] {
            try await SignalHub.post(
                #"{"type":"guest-removed","guest":"\#(guest.id!.uuidString.lowercased())"}"#, to: side, call: call.id!,
                on: db)
        }
        return guest.id
    }

    /// Tells the call's guest, if it has one (the call ended, or the victim was not safe).
    static func tell(_ body: String, call callID: UUID, on db: any Database) async throws {
        guard let guest = try await current(callID: callID, on: db) else { return }
        try await SignalHub.post(body, to: .guest, call: callID, guest: guest.id, on: db)
    }

    enum Entry: Sendable {
        case unknown
        case withdrawn
        case early(opens: Date)
        /// The call ended, was cancelled or missed, or its window has passed.
        case over
        /// Already open in another browser.
        case elsewhere
        case open(VideoGuest, VideoCall, browserSecret: String?)
    }

    /// The invitation a link names, if it stands and the call is open now; any browser (the page shows to all:
    /// a mail scanner or a link preview that opens it first takes nothing).
    static func invitation(secret: String, now: Date = Date(), on db: any Database) async throws -> Entry {
        guard secret.utf8.count == 43,
            let guest = try await VideoGuest.query(on: db).filter(\.$secretHash == Secrets.sha256Hex(secret)).first()
        else { return .unknown }
        guard guest.revokedAt == nil else { return .withdrawn }
        guard let call = try await VideoCall.find(guest.callID, on: db), call.state == .booked else { return .over }
        // A call under way runs past its window (an interpreted statement takes time): its guest can reconnect.
        switch call.timing(at: now) {
        case .early(let opens): return .early(opens: opens)
        case .late: return .over
        case .open: return .open(guest, call, browserSecret: nil)
        }
    }

    /// The guest's way into the call by their link. `browser` is the browser's secret for this invitation (its
    /// cookie); only `bind` (joining, never the socket) takes an unbound invitation for this browser.
    static func enter(
        secret: String, browser: (UUID) -> String?, bind: Bool = true, now: Date = Date(), on db: any Database
    ) async throws -> Entry {
        let entry = try await invitation(secret: secret, now: now, on: db)
        guard case .open(let guest, let call, _) = entry else { return entry }
        switch try await CallBrowser.check(
            "video_guests", "browser_hash", id: guest.id!, stored: guest.browserHash, browser: browser(guest.id!),
            take: bind, unlessSet: "revoked_at", on: db)
        {
        case .elsewhere: return .elsewhere
        case .holder(let fresh):
            if let fresh { guest.browserHash = Secrets.sha256Hex(fresh) }
            return .open(guest, call, browserSecret: fresh)
        }
    }

    /// The guest as named in the audit log: by their part and the call, never by name. Outside the force, granted
    /// nothing by the policy.
    static func actor(_ guest: VideoGuest) -> Actor {
        Actor(
            id: nil, kind: .witness, role: .prosecutor, commandUnitID: nil,
            name: "Guest: \(guest.kind.short) (video call \(guest.callID.uuidString.lowercased().prefix(8)))")
    }
}
