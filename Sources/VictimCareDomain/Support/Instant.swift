import Foundation

/// Strict parsing of instants. An instant from outside must say its offset: `2025-03-30T01:30:00+01:00` or `…Z`.
public enum Instant {
    /// The years a date or time from outside may fall in. Nothing the service records happened before 1900 or is due
    /// after 2199, and the date arithmetic (London's clocks, working days, months added) is exact only well inside
    /// the calendar's own range: a year-1 contact time once took a deadline into year 0 and stopped the server.
    public static let years = 1900...2199

    /// Parses ISO 8601 / RFC 3339 date-times that carry an offset, in `years`; `nil` for anything else.
    public static func parse(_ text: String) -> Date? { parse(text, bounded: true) }

    /// `parse` without the bound on years (to tell a date out of range from one that is not a date).
    public static func parseAnyYear(_ text: String) -> Date? { parse(text, bounded: false) }

    private static func parse(_ text: String, bounded: Bool) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116 || b[10] == 32,
            b[13] == 58, b[16] == 58,
            let date = LocalDate(String(decoding: b[0..<10], as: UTF8.self)), !bounded || years.contains(date.year),
            let hour = number(b[11..<13]), let minute = number(b[14..<16]), let second = number(b[17..<19]),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if b[index] == 46 {  // '.'
            var scale = 0.1
            index += 1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                fraction += Double(b[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index - start <= 9 else { return nil }
        }
        guard index < b.count else { return nil }
        var offsetSeconds = 0
        switch b[index] {
        case 90, 122:  // Z z
            guard index + 1 == b.count else { return nil }
        case 43, 45:  // + -
            guard b.count == index + 6, b[index + 3] == 58,
                let oh = number(b[(index + 1)..<(index + 3)]), let om = number(b[(index + 4)..<(index + 6)]),
                oh < 24, om < 60
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[index] == 45 ? -1 : 1)
        default:
            return nil
        }
        let seconds = date.dayNumber * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// RFC 3339 in UTC with milliseconds, as every API response writes instants.
    public static func format(_ date: Date) -> String {
        let ms = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = Int((Double(ms) / 1000).rounded(.down))
        let millis = ms - seconds * 1000
        let day = LocalDate(dayNumber: Int((Double(seconds) / 86_400).rounded(.down)))
        let rest = seconds - day.dayNumber * 86_400
        return Digits.join(
            [
                (day.year, 4), (day.month, 2), (day.day, 2), (rest / 3600, 2), (rest / 60 % 60, 2), (rest % 60, 2),
                (millis, 3),
            ],
            Array("--T::.".utf8), suffix: "Z")
    }

    private static func number(_ slice: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in slice {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }
}
