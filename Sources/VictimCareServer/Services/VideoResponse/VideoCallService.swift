import Fluent
import FluentSQL
import Foundation
import NIOCore
import SQLKit
import VictimCareDomain

/// Issue 16, items 3 and 5: the call itself. The victim reaches it from their case page (their link and a date
/// of birth or a code), only in its window, and in the first browser that opens it; the officer admits them;
/// the victim can leave at once if it is not safe; the officer ends it and it becomes a contact under the Code's
/// rule.
enum VideoCallService {
    enum Entry: Sendable {
        case none
        case early(opens: Date)
        case late
        /// Already open in another browser.
        case elsewhere
        /// In: a new browser secret to set as a cookie on the first opening.
        case open(VideoCall, browserSecret: String?)
    }

    /// The victim's way into their booked call, from their signed-in case page.
    /// `browser` gives the browser's secret for a call (its cookie); only `bind` (the call page, never its
    /// socket) takes an unbound call for this browser.
    static func enter(
        victimID: UUID, browser: (UUID) -> String?, bind: Bool = true, now: Date = Date(), on db: any Database
    ) async throws -> Entry {
        guard let call = try await VideoBookingService.bookedCall(victimID: victimID, on: db) else { return .none }
        switch call.timing(at: now) {
        case .early(let opens): return .early(opens: opens)
        case .late: return .late
        case .open: break
        }
        switch try await CallBrowser.check(
            "video_calls", "victim_browser_hash", id: call.id!, stored: call.victimBrowserHash,
            browser: browser(call.id!), take: bind, on: db)
        {
        case .elsewhere: return .elsewhere
        case .holder(let fresh):
            if let fresh { call.victimBrowserHash = Secrets.sha256Hex(fresh) }
            return .open(call, browserSecret: fresh)
        }
    }

    /// The officer's side of a victim's booked call: open to those who may take calls and read the victim (as
    /// the call page is; another unit's with the reason that opened it). What the call changes (its ending, the
    /// contact) is recorded by a request of its own, which asks again.
    static func officerRoom(victimID: UUID, context: AccessContext, on db: any Database) async throws -> VideoCall {
        let victim = try await VictimService.find(victimID, on: db)
        let (crime, scope) = try await VictimService.scope(of: victim, context: context, on: db)
        _ = try await AccessGuard.checkForm(
            .conductVideoCall, reading: .viewPerson, "crime", crime.id!, scope: scope, context: context, on: db)
        guard let call = try await VideoBookingService.bookedCall(victimID: victimID, on: db) else {
            throw DomainError.conflict(field: "call", message: "No video call is booked for them now.")
        }
        try await AuditLog.record(.view, "video_call", call.id, summary: "joined the call", context: context, on: db)
        return call
    }

    /// A socket's message from one side: checked against what that side may say to whom, then relayed, stamped
    /// with who sent it. Admitting is also recorded (on the call, or on the guest's invitation), so a side that
    /// reconnects is let straight back in. The guest is in the call only once admitted, and only while their
    /// invitation stands (`guestID`: the invitation the guest's socket came by); the victim and the guest reach
    /// each other only when both are in.
    static func relay(
        _ text: String, from role: Signalling.Role, call: VideoCall, guestID: UUID? = nil, hub: SignalHub? = nil,
        on db: any Database
    ) async throws -> Bool {
        guard let message = Signalling.check(text, from: role) else { return false }
        // An ended, cancelled or missed call relays nothing more, whatever sockets are still open.
        guard let fresh = try await VideoCall.find(call.id!, on: db), fresh.state == .booked else { return false }
        var guest: VideoGuest?
        if role == .guest || message.to == .guest {
            guest = try await VideoGuestService.current(callID: call.id!, on: db)
            guard let guest, guest.admittedAt != nil || message.type == "admit" else { return false }
            if role == .guest, guest.id != guestID { return false }
            if [role, message.to].contains(.victim), fresh.admittedAt == nil { return false }
        }
        if message.type == "admit" {
            if message.to == .victim {
                if fresh.admittedAt == nil {
                    try await VideoCall.query(on: db).filter(\.$id == call.id!).set(\.$admittedAt, to: Date())
                        .set(\.$startedAt, to: Date()).update()
                }
                call.admittedAt = call.admittedAt ?? Date()
                // A guest already in the call: the victim connects to them too.
                let guest = try await VideoGuestService.current(callID: call.id!, on: db)
                let joined = guest.flatMap { $0.admittedAt == nil ? nil : $0 }
                try await SignalHub.post(
                    joined.map {
                        #"{"type":"admitted","guest":"\#($0.kindCode)","guestID":"\#($0.id!.uuidString.lowercased())"}"#
                    } ?? #"{"type":"admitted"}"#, to: .victim, call: call.id!, hub: hub, on: db)
            } else if let guest {
                // The guest the officer saw waiting, and still there: not whoever was invited since.
                guard message.guest.flatMap(UUID.init(uuidString:)) == guest.id,
                    let seen = guest.seenAt, Date().timeIntervalSince(seen) < 15
                else { return false }
                if guest.admittedAt == nil {
                    try await VideoGuest.query(on: db).filter(\.$id == guest.id!).filter(\.$revokedAt == nil)
                        .set(\.$admittedAt, to: Date()).update()
                }
                try await SignalHub.post(
                    #"{"type":"admitted"}"#, to: .guest, call: call.id!, guest: guest.id, hub: hub, on: db)
                try await SignalHub.post(
                    #"{"type":"peer","role":"guest","present":true,"kind":"\#(guest.kindCode)","guest":"\#(guest.id!.uuidString.lowercased())"}"#,
                    to: .victim, call: call.id!, hub: hub, on: db)
            }
            return true
        }
        try await SignalHub.post(
            Signalling.stamped(text, from: role), to: message.to, call: call.id!, guest: guest?.id, hub: hub, on: db)
        return true
    }

    /// What a side is told when its socket opens: whether the others are there, and who has been admitted. The
    /// others are told this side arrived (the victim hears of the guest, and the guest of the victim, only once
    /// the guest has been let in).
    static func arrived(
        _ role: Signalling.Role, call: VideoCall, guestID: UUID? = nil, now: Date = Date(), on db: any Database
    ) async throws -> String {
        let fresh = try await VideoCall.find(call.id!, on: db) ?? call
        let guest = try await VideoGuestService.current(callID: call.id!, on: db)
        func recent(_ time: Date?) -> Bool { time.map { now.timeIntervalSince($0) < 15 } ?? false }
        let guestIn = guest?.admittedAt != nil
        let guestHere = recent(guest?.seenAt)
        let invitation = guest?.id?.uuidString.lowercased() ?? ""
        try await seen(role, at: now, call: call.id!, guestID: guestID, on: db)
        switch role {
        case .officer:
            try await SignalHub.post(
                #"{"type":"peer","role":"officer","present":true}"#, to: .victim, call: call.id!, on: db)
            var state =
                #"{"type":"state","peerPresent":\#(recent(fresh.victimSeenAt)),"admitted":\#(fresh.admittedAt != nil),"recording":\#(fresh.recordingSince != nil)"#
            if let guest {
                try await SignalHub.post(
                    #"{"type":"peer","role":"officer","present":true}"#, to: .guest, call: call.id!, guest: guest.id,
                    on: db)
                state +=
                    #","guestPresent":\#(guestHere),"guestAdmitted":\#(guestIn),"guestKind":"\#(guest.kindCode)","guestID":"\#(invitation)""#
            }
            return state + "}"
        case .victim:
            try await SignalHub.post(
                #"{"type":"peer","role":"victim","present":true}"#, to: .officer, call: call.id!, on: db)
            var state =
                #"{"type":"state","peerPresent":\#(recent(fresh.officerSeenAt)),"admitted":\#(fresh.admittedAt != nil),"recording":\#(fresh.recordingSince != nil)"#
            if let guest, guestIn, fresh.admittedAt != nil {
                try await SignalHub.post(
                    #"{"type":"peer","role":"victim","present":true}"#, to: .guest, call: call.id!, guest: guest.id,
                    on: db)
                state += #","guestPresent":\#(guestHere),"guestKind":"\#(guest.kindCode)","guestID":"\#(invitation)""#
            }
            return state + "}"
        case .guest:
            let kind = guest?.kindCode ?? ""
            try await SignalHub.post(
                #"{"type":"peer","role":"guest","present":true,"admitted":\#(guestIn),"kind":"\#(kind)","guest":"\#(invitation)"}"#,
                to: .officer, call: call.id!, on: db)
            if guestIn, fresh.admittedAt != nil {
                try await SignalHub.post(
                    #"{"type":"peer","role":"guest","present":true,"kind":"\#(kind)","guest":"\#(invitation)"}"#,
                    to: .victim, call: call.id!, on: db)
            }
            return
                #"{"type":"state","peerPresent":\#(recent(fresh.officerSeenAt)),"admitted":\#(guestIn),"recording":\#(fresh.recordingSince != nil)}"#
        }
    }

    static func left(_ role: Signalling.Role, call: VideoCall, guestID: UUID? = nil, on db: any Database) async throws {
        try await seen(role, at: nil, call: call.id!, guestID: guestID, on: db)
        // A guest's leaving names their invitation: a late notice from an old one is not about the guest now.
        let body =
            role == .guest
            ? #"{"type":"peer","role":"guest","present":false,"guest":"\#(guestID?.uuidString.lowercased() ?? "")"}"#
            : #"{"type":"peer","role":"\#(role.rawValue)","present":false}"#
        for other in [Signalling.Role.officer, .victim] where other != role {
            try await SignalHub.post(body, to: other, call: call.id!, on: db)
        }
        if role != .guest { try await VideoGuestService.tell(body, call: call.id!, on: db) }
    }

    /// When a side was last seen in the room (`nil`: it left). The guest by their invitation.
    static func seen(
        _ role: Signalling.Role, at time: Date?, call callID: UUID, guestID: UUID? = nil, on db: any Database
    ) async throws {
        let query = VideoCall.query(on: db).filter(\.$id == callID)
        switch role {
        case .victim: try await query.set(\.$victimSeenAt, to: time).update()
        case .officer: try await query.set(\.$officerSeenAt, to: time).update()
        case .guest:
            guard let guestID else { return }
            try await VideoGuest.query(on: db).filter(\.$id == guestID).set(\.$seenAt, to: time).update()
        }
    }

    /// "Not safe now": the call ends at once; the officer is told not to call back, and asked to follow up
    /// another way.
    static func notSafe(victimID: UUID, ip: String?, on db: any Database) async throws {
        guard let call = try await VideoBookingService.bookedCall(victimID: victimID, on: db) else { return }
        try await db.transaction { tx in
            try await VideoCall.query(on: tx).filter(\.$id == call.id!).filter(\.$stateCode == "booked")
                .set(\.$stateCode, to: VideoCall.State.ended.rawValue).set(\.$endedAt, to: Date())
                .set(\.$endedReason, to: "not_safe_now").update()
            try await VideoSlotHold.query(on: tx).filter(\.$call.$id == call.id!).delete()
            try await SignalHub.post(#"{"type":"bye","reason":"not-safe"}"#, to: .officer, call: call.id!, on: tx)
            try await VideoGuestService.tell(#"{"type":"bye","reason":"ended"}"#, call: call.id!, on: tx)
            try await CaseRequest(
                .notSafeNow, victimID: victimID,
                detail: "Ended the video call: not safe to talk. Do not call back; wait for them to get in touch."
            ).create(on: tx)
            try await AuditLog.recordVictim(
                .update, "video_call", call.id, summary: "ended by the victim: not safe now", ip: ip, on: tx)
        }
    }

    /// The victim, as named in the chain of custody of what they send from a call: by the call, never by name.
    /// Outside the force, like a witness at a viewing: granted nothing by the policy.
    static func victimActor(_ call: VideoCall) -> Actor {
        Actor(
            id: nil, kind: .witness, role: .prosecutor, commandUnitID: nil,
            name: "Victim (video call \(call.id!.uuidString.lowercased().prefix(8)))")
    }

    /// The call's interview, made the first time it is needed: a victim's account taken over video, led by the
    /// call's officer. Two made at once: one is kept.
    static func interview(for call: VideoCall, on db: any Database) async throws -> UUID {
        if let id = call.interviewID { return id }
        if let id = try await VideoCall.find(call.id!, on: db)?.interviewID { return id }
        let interview = Interview()
        interview.id = UUID.random()
        interview.$crime.id = call.$crime.id
        interview.$link.id = call.$victim.id
        interview.kindCode = InterviewKind.victimAccount.rawValue
        interview.placeCode = InterviewPlace.other.rawValue
        interview.placeDetail = "Video call"
        interview.interviewers = call.officerName ?? ""
        interview.consent = false
        interview.startedAt = call.admittedAt ?? Date()
        interview.createdByName = "Video call"
        interview.createdAt = Date()
        do {
            try await db.transaction { tx in
                try await interview.create(on: tx)
                guard let sql = tx as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
                let won = try await sql.raw(
                    """
                    UPDATE video_calls SET interview_id = \(bind: interview.id!)
                    WHERE id = \(bind: call.id!) AND interview_id IS NULL RETURNING id
                    """
                ).all()
                if won.isEmpty { throw DomainError.conflict(field: "interview", message: "made by another request") }
            }
            return interview.id!
        } catch DomainError.conflict {
            guard let id = try await VideoCall.find(call.id!, on: db)?.interviewID else {
                throw DomainError.notFound("interview")
            }
            return id
        }
    }

    /// Files a victim may try to send from one call (counted atomically, failed attempts included).
    static let sendsPerCall = 30

    /// A photo or video the victim sends during the call (issue 16, item 4): stored encrypted in the evidence
    /// store under the call's interview, fixed by its SHA-256, with its chain of custody from the first byte.
    /// Only while the victim is in the call (admitted by the officer); the officer is told at once. The file is
    /// checked (its type and length) before anything is made for it.
    static func victimEvidence<Body: AsyncSequence>(
        call: VideoCall, fileName: String, contentType: String, length: Int64?, body: Body, ip: String?,
        settings: EvidenceConfig, vault: EvidenceVault, on db: any Database
    ) async throws -> EvidenceItem where Body.Element == ByteBuffer {
        guard call.admittedAt != nil else {
            throw DomainError.conflict(field: "call", message: "Files can be sent once the officer has let you in.")
        }
        guard let length, length > 0 else {
            throw UploadService.TusError(status: .lengthRequired, message: "Send the file's length.")
        }
        let largest = min(UploadService.largestFromAVictim, settings.maxBytes)
        guard length <= largest else {
            throw UploadService.TusError(
                status: .payloadTooLarge, message: "Files up to \(largest / 1_048_576) MB are taken.")
        }
        guard UploadService.acceptedTypes.contains(contentType) || UploadService.photoTypes.contains(contentType)
        else { throw UploadService.TusError(status: .unsupportedMediaType, message: "Send a photo or a video.") }
        let attempts = try await RateLimiter.hit(
            "call-evidence:\(call.id!.uuidString)", window: .minutes(24 * 60), on: db)
        guard attempts <= sendsPerCall else { throw DomainError.rateLimited(retryAfterSeconds: 3600) }
        let interviewID = try await interview(for: call, on: db)
        var context = AccessContext(actor: victimActor(call), ip: ip)
        context.uploadPin = interviewID
        let item = try await UploadService.create(
            .init(
                length: length, deferLength: false,
                metadata: ["interview": interviewID.uuidString, "filetype": contentType, "filename": fileName]),
            source: "victim", context: context, settings: settings, vault: vault, on: db)
        let stored = try await UploadService.patch(
            item.id!, .init(offset: 0, contentLength: length, checksum: nil, length: nil), body: body,
            context: context, settings: settings, vault: vault, on: db)
        let kind =
            UploadService.photoTypes.contains(stored.contentType)
            ? "photo" : stored.contentType.hasPrefix("audio/") ? "sound" : "video"
        try await SignalHub.post(
            #"{"type":"evidence","kind":"\#(kind)","interview":"\#(interviewID.uuidString.lowercased())"}"#,
            to: .officer, call: call.id!, on: db)
        try await AuditLog.recordVictim(
            .create, "evidence_item", stored.id, summary: "sent a \(kind) during the video call", ip: ip, on: db)
        return stored
    }

    /// The officer starts or stops recording the call as an interview (issue 16, item 4): only in the call, and
    /// to start only with the victim's agreement, which the interview then records. The victim's page says the
    /// call is being recorded while it is. Returns the interview the recording goes under.
    static func recording(
        victimID: UUID, action: String?, consent: Bool, context: AccessContext, on db: any Database
    ) async throws -> UUID {
        let call = try await VideoBookingService.loadForChange(victimID: victimID, context: context, on: db)
        guard let action, ["start", "stop"].contains(action) else {
            throw DomainError.invalid("action", "Say start or stop.")
        }
        let start = action == "start"
        guard call.admittedAt != nil else {
            throw DomainError.conflict(field: "call", message: "Let the victim in before recording.")
        }
        if start, !consent {
            throw DomainError.invalid("consent", "Ask the victim first, and tick that they agree.")
        }
        let interviewID = try await interview(for: call, on: db)
        try await db.transaction { tx in
            if start {
                try await Interview.query(on: tx).filter(\.$id == interviewID).set(\.$consent, to: true).update()
            }
            try await VideoCall.query(on: tx).filter(\.$id == call.id!)
                .set(\.$recordingSince, to: start ? Date() : nil).update()
            try await SignalHub.post(
                #"{"type":"recording","on":\#(start)}"#, to: .victim, call: call.id!, on: tx)
            try await VideoGuestService.tell(#"{"type":"recording","on":\#(start)}"#, call: call.id!, on: tx)
            try await AuditLog.record(
                .update, "video_call", call.id,
                summary: start ? "recording started, with the victim's agreement" : "recording stopped",
                context: context, on: tx)
        }
        return interviewID
    }

    struct Ending: Sendable {
        var spoke = false
        var identityVerified = false
        var welfareChecked = false
        var safeToSpeak = false
        var offenderAbsent = false
        var notes: String?
    }

    /// The officer ends the call: it becomes a contact by video, successful only if they spoke to the victim,
    /// checked identity and welfare, and the victim could speak freely with the offender absent.
    @discardableResult
    static func end(
        victimID: UUID, _ ending: Ending, context: AccessContext, links: LinkSettings, on db: any Database
    ) async throws -> ContactService.Recorded {
        let call = try await VideoBookingService.loadForChange(victimID: victimID, context: context, on: db)
        if (ending.notes?.count ?? 0) > 2000 {
            throw DomainError.invalid("notes", "Keep the notes to 2,000 characters.")
        }
        // The call is claimed first (two clicks on End: one contact).
        guard let sql = db as? any SQLDatabase else { throw DomainError.conflict(field: "call", message: "") }
        let won = try await sql.raw(
            """
            UPDATE video_calls SET state = 'ended', ended_at = \(bind: Date()),
            ended_reason = \(bind: ending.spoke ? "ended by the officer" : "no answer")
            WHERE id = \(bind: call.id!) AND state = 'booked' RETURNING id
            """
        ).all()
        guard !won.isEmpty else {
            throw DomainError.conflict(field: "call", message: "This call has already ended.")
        }
        let safe = ending.safeToSpeak && ending.offenderAbsent
        let recorded = try await ContactService.record(
            victimID: victimID,
            .init(
                at: Instant.format(Date()), method: ContactMethod.video.rawValue,
                outcome: ending.spoke ? ContactOutcome.spokeToVictim.rawValue : ContactOutcome.noAnswer.rawValue,
                identityVerified: ending.identityVerified ? "true" : "false",
                welfareChecked: ending.welfareChecked ? "true" : "false", safeToSpeak: safe ? "true" : "false",
                notes: ending.notes, snakeCase: false),
            requireConfirmation: false, confirmed: true, context: context, links: links, on: db)
        try await db.transaction { tx in
            try await VideoCall.query(on: tx).filter(\.$id == call.id!).set(\.$contactID, to: recorded.contact.id)
                .update()
            try await VideoSlotHold.query(on: tx).filter(\.$call.$id == call.id!).delete()
            try await SignalHub.post(#"{"type":"bye","reason":"ended"}"#, to: .victim, call: call.id!, on: tx)
            try await VideoGuestService.tell(#"{"type":"bye","reason":"ended"}"#, call: call.id!, on: tx)
            try await AuditLog.record(.update, "video_call", call.id, summary: "ended", context: context, on: tx)
        }
        return recorded
    }
}
