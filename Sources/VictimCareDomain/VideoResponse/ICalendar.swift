import Foundation

/// A calendar invitation as RFC 5545 and iTIP (RFC 5546) want it: CRLF line ends, lines folded at 75 octets
/// without splitting a character, text escaped, times in UTC. A changed booking is the same UID with a higher
/// SEQUENCE; a cancelled one is METHOD:CANCEL with STATUS:CANCELLED.
public enum ICalendar {
    public enum Method: String, Sendable {
        case request = "REQUEST"
        case cancel = "CANCEL"
    }

    public struct Event: Sendable, Equatable {
        public var uid: String
        public var sequence: Int
        public var start: Date
        public var end: Date
        public var summary: String
        public var description: String
        public var url: String?
        public var organizer: String
        public var organizerName: String
        public var attendee: String?

        public init(
            uid: String, sequence: Int, start: Date, end: Date, summary: String, description: String, url: String?,
            organizer: String, organizerName: String, attendee: String?
        ) {
            self.uid = uid
            self.sequence = sequence
            self.start = start
            self.end = end
            self.summary = summary
            self.description = description
            self.url = url
            self.organizer = organizer
            self.organizerName = organizerName
            self.attendee = attendee
        }
    }

    public static func document(_ event: Event, method: Method, stamp: Date) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//VictimCare//Video response//EN", "CALSCALE:GREGORIAN",
            "METHOD:\(method.rawValue)", "BEGIN:VEVENT",
            "UID:\(text(event.uid))", "SEQUENCE:\(event.sequence)", "DTSTAMP:\(utc(stamp))",
            "DTSTART:\(utc(event.start))", "DTEND:\(utc(event.end))",
            "SUMMARY:\(text(event.summary))", "DESCRIPTION:\(text(event.description))",
            "ORGANIZER;CN=\(parameter(event.organizerName)):mailto:\(event.organizer)",
        ]
        if let attendee = event.attendee {
            lines.append("ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:\(attendee)")
        }
        if let url = event.url { lines.append("URL:\(url)") }
        lines += [
            "STATUS:\(method == .cancel ? "CANCELLED" : "CONFIRMED")", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR",
        ]
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261201T093000Z`
    public static func utc(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = LocalDate(dayNumber: Int((Double(seconds) / 86_400).rounded(.down)))
        let rest = seconds - day.dayNumber * 86_400
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", day.year, day.month, day.day, rest / 3600, rest % 3600 / 60,
            rest % 60)
    }

    /// TEXT values: backslash, semicolon and comma escaped, newlines as `\n`.
    public static func text(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            default:
                // Other control characters are not allowed in TEXT.
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A parameter value: quoted when it holds `:`, `;` or `,`; double quotes (which cannot be escaped) dropped.
    static func parameter(_ value: String) -> String {
        let clean = String(value.unicodeScalars.filter { $0 != "\"" && $0.value >= 0x20 && $0.value != 0x7F })
        return clean.contains(where: { [":", ";", ","].contains($0) }) ? "\"\(clean)\"" : clean
    }

    /// Lines longer than 75 octets continue on the next line after a space, never inside a UTF-8 sequence.
    public static func fold(_ line: String) -> String {
        var parts: [String] = []
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            let limit = parts.isEmpty ? 75 : 74
            if octets + size > limit {
                parts.append(current)
                current = ""
                octets = 0
            }
            current.append(character)
            octets += size
        }
        parts.append(current)
        return parts.joined(separator: "\r\n ")
    }
}
