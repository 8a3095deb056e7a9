import Fluent
import Foundation
import VictimCareDomain

extension VideoBookingService.Telling {
    init?(purpose: MessagePurpose) {
        switch purpose {
        case .videoBooked: self = .booked
        case .videoChanged: self = .changed
        case .videoReminder: self = .reminder
        case .videoCancelled: self = .cancelled
        case .videoMissed: self = .missed
        default: return nil
        }
    }
}

extension VideoCall {
    /// The call as a calendar entry, in the victim's words. Neutral, because calendars are shared and synced:
    /// no police, no offence, no link. `nil` for "as soon as possible" (no time to put in a calendar).
    func calendarEvent(_ text: LeafletText, sequence: Int, organizer: String, attendee: String?) -> ICalendar.Event? {
        guard let start = slotStart, let id else { return nil }
        return ICalendar.Event(
            uid: "\(id.uuidString.lowercased())@victimcare", sequence: sequence, start: start,
            end: start.addingTimeInterval(Double(slotMinutes) * 60), summary: text.t("video.calendar.summary"),
            description: text.t("video.calendar.description"), url: nil, organizer: organizer,
            organizerName: text.t("video.calendar.organizer"), attendee: attendee)
    }
}

extension MessageComposer {
    /// A message about a video call, in the victim's language: when (London time), and the case page link where
    /// they can see, cancel or swap it for a visit. Booked and moved calls carry a calendar invitation (the
    /// same UID, a higher SEQUENCE); a cancelled one withdraws it. The invitation is neutral, because calendars
    /// are shared and synced: no police, no offence, and no link (the secret stays in the email). Text messages
    /// never reach here: they are the gate's fixed lines.
    func videoCall(
        _ message: OutboundMessage, _ kind: VideoBookingService.Telling, person: Person, text: LeafletText,
        link: String?, secrets: [String], on db: any Database
    ) async throws -> Composed {
        guard let record = try await VideoCallMessage.query(on: db).filter(\.$messageID == message.id!).first(),
            let call = try await VideoCall.find(record.$call.id, on: db)
        else { throw ProviderError.permanent("the message's video call is gone") }
        let when = call.slotStart.map { London.formatReadable($0) } ?? text.t("video.asap_when")
        let subject = text.t("video.\(kind.rawValue).subject")
        let paragraph = text.t("video.\(kind.rawValue).text", ["when": when])
        let context = ShortContext(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", subject: subject,
            greeting: text.t("greeting", ["name": person.givenName]),
            paragraphs: [paragraph, text.t("video.safety")], link: link,
            linkText: link.map { _ in text.t("video.button") },
            footer: text.t("footer"), version: text.version)
        var composed = try await render(context, subject: subject, language: text.language.code, secrets: secrets)
        if [.booked, .changed, .cancelled].contains(kind),
            let event = call.calendarEvent(
                text, sequence: record.version, organizer: mailFrom, attendee: message.recipient.nilIfEmpty)
        {
            let method: ICalendar.Method = kind == .cancelled ? .cancel : .request
            composed.attachments = [
                .init(
                    filename: "video-call.ics", contentType: "text/calendar; method=\(method.rawValue)",
                    data: ICalendar.document(event, method: method, stamp: Date()))
            ]
        }
        return composed
    }
}
