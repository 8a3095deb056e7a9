import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 16, item 2: slots of a rota shift, when a victim's link works, and the calendar invitation.
@Suite struct VideoBookingTests {
    static func at(_ text: String) -> Date { Instant.parse(text)! }

    @Test func slotsFitInsideTheShiftAcrossAClockChange() {
        // 25 October 2026: clocks go back at 02:00 BST. 00:00 BST (23:00Z) to 04:00 GMT is five real hours.
        let slots = VideoBooking.slots(
            from: Self.at("2026-10-24T23:00:00Z"), to: Self.at("2026-10-25T04:00:00Z"), minutes: 60)
        #expect(slots.count == 5)
        #expect(slots.last == Self.at("2026-10-25T03:00:00Z"))
        // A part slot at the end is not offered.
        #expect(
            VideoBooking.slots(from: Self.at("2026-12-01T09:00:00Z"), to: Self.at("2026-12-01T10:10:00Z"), minutes: 30)
                .count == 2)
        #expect(
            VideoBooking.slots(from: Self.at("2026-12-01T09:00:00Z"), to: Self.at("2026-12-01T09:00:00Z"), minutes: 30)
                .isEmpty)
    }

    @Test func theLinkWorksOnlyAroundTheBooking() {
        let slot = Self.at("2026-12-01T10:00:00Z")
        let window = VideoBooking.window(slot: slot, bookedAt: Self.at("2026-11-30T12:00:00Z"))
        #expect(
            VideoBooking.timing(at: Self.at("2026-12-01T09:44:59Z"), window: window)
                == .early(opens: Self.at("2026-12-01T09:45:00Z")))
        #expect(VideoBooking.timing(at: Self.at("2026-12-01T09:45:00Z"), window: window) == .open)
        #expect(VideoBooking.timing(at: Self.at("2026-12-01T10:45:00Z"), window: window) == .open)
        #expect(VideoBooking.timing(at: Self.at("2026-12-01T10:45:01Z"), window: window) == .late)
        #expect(
            VideoBooking.timing(at: Self.at("2026-12-01T10:45:01Z"), window: window, underWay: true) == .open,
            "a call under way runs past its window")
        let asap = VideoBooking.window(slot: nil, bookedAt: Self.at("2026-12-01T10:00:00Z"))
        #expect(asap.upperBound == Self.at("2026-12-01T14:00:00Z"))
    }

    @Test func aShiftIsCheckedField_byField() {
        let now = Self.at("2026-11-30T12:00:00Z")
        #expect(
            Set(VideoBooking.problems(start: nil, end: nil, minutes: 7, now: now).map(\.field))
                == ["startsAt", "endsAt", "slotMinutes"])
        #expect(
            VideoBooking.problems(
                start: Self.at("2026-12-01T10:00:00Z"), end: Self.at("2026-12-01T09:00:00Z"), minutes: 30, now: now
            ).map(\.message) == ["The shift must end after it starts."])
        #expect(
            VideoBooking.problems(
                start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T21:00:00Z"), minutes: 30, now: now
            ).map(\.message) == ["A shift can be at most 12 hours."])
        #expect(
            VideoBooking.problems(
                start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T08:10:00Z"), minutes: 15, now: now
            ).map(\.message) == ["The shift is shorter than one call."])
        #expect(
            VideoBooking.problems(
                start: Self.at("2026-12-01T08:00:00Z"), end: Self.at("2026-12-01T12:00:00Z"), minutes: 20, now: now
            ).isEmpty)
    }

    @Test func theInvitationIsFoldedEscapedAndInUTC() {
        let event = ICalendar.Event(
            uid: "5f0c@victimcare.example", sequence: 2, start: Self.at("2026-12-01T10:00:00Z"),
            end: Self.at("2026-12-01T10:30:00Z"), summary: "Video call with the police",
            description: "Open the link, then: press Start; a second line\nżółć, 警察; done", url: nil,
            organizer: "no-reply@victimcare.example", organizerName: "Police, video team", attendee: "a@example.com")
        let doc = ICalendar.document(event, method: .request, stamp: Self.at("2026-11-30T12:34:56Z"))
        let lines = doc.components(separatedBy: "\r\n")
        #expect(doc.hasSuffix("END:VCALENDAR\r\n"))
        #expect(!doc.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(lines.contains("DTSTART:20261201T100000Z") && lines.contains("DTSTAMP:20261130T123456Z"))
        #expect(lines.contains("SEQUENCE:2") && lines.contains("METHOD:REQUEST"))
        #expect(lines.contains("ORGANIZER;CN=\"Police, video team\":mailto:no-reply@victimcare.example"))
        let unfolded = doc.replacingOccurrences(of: "\r\n ", with: "")
        #expect(
            unfolded.contains("DESCRIPTION:Open the link\\, then: press Start\\; a second line\\nżółć\\, 警察\\; done"))
        let cancel = ICalendar.document(event, method: .cancel, stamp: Self.at("2026-11-30T12:34:56Z"))
        #expect(cancel.contains("METHOD:CANCEL\r\n") && cancel.contains("STATUS:CANCELLED\r\n"))
        // A long line of three-byte characters folds between characters.
        let folded = ICalendar.fold("SUMMARY:" + String(repeating: "警", count: 60))
        #expect(folded.components(separatedBy: "\r\n ").joined() == "SUMMARY:" + String(repeating: "警", count: 60))
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
    }
}
