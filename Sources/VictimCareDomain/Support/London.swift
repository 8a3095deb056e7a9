import Foundation

/// Europe/London wall-clock time: what officers type and read, and what deadlines are counted in.
public enum London {
    public static let timeZone = TimeZone(identifier: "Europe/London")!

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// 1582-10-15T00:00Z, when Foundation's calendar turns Gregorian.
    static let gregorianFrom: Double = -12_219_292_800

    /// The local calendar date of an instant.
    public static func date(of instant: Date) -> LocalDate {
        // Before 15 October 1582 Foundation's calendar is Julian (ten days off, and 1500-02-29 exists there, not
        // here); before the year 1 its years count back, and outside years 1–9999 there is no `LocalDate`. Such
        // instants never come from input (`Instant.years`); if one is stored, its proleptic Gregorian date is given,
        // as everywhere else in the service, rather than the server stopped.
        guard instant.timeIntervalSince1970 >= gregorianFrom else {
            return LondonClock.localDate(epochSeconds: instant.timeIntervalSince1970)
        }
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        if let year = parts.year, let month = parts.month, let day = parts.day,
            let date = LocalDate(year: year, month: month, day: day)
        {
            return date
        }
        return LondonClock.localDate(epochSeconds: instant.timeIntervalSince1970)
    }

    /// The instant local midnight starts `date`.
    public static func startOfDay(_ date: LocalDate) -> Date {
        calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
    }

    /// The last instant of `date` in London (23:59:59.999 local), whatever the clocks did that day.
    public static func endOfDay(_ date: LocalDate) -> Date {
        startOfDay(date.adding(days: 1)).addingTimeInterval(-0.001)
    }

    /// Parses a `datetime-local` value (`2025-03-27T14:30`, seconds optional) as London time.
    /// In the autumn hour that happens twice, the first is meant; in the spring gap, the time is moved forward.
    public static func parseLocal(_ text: String) -> Date? {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, let day = LocalDate(String(parts[0])), Instant.years.contains(day.year) else {
            return nil
        }
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 2 || clock.count == 3, clock.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), hour < 24, minute < 60
        else { return nil }
        let second = clock.count == 3 ? Int(clock[2]) ?? 99 : 0
        guard second < 60 else { return nil }
        return calendar.date(
            from: DateComponents(
                year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: second))
    }

    /// `2025-03-27T14:30` for a `datetime-local` input.
    public static func formatLocal(_ instant: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        return String(format: "%04d-%02d-%02dT%02d:%02d", p.year!, p.month!, p.day!, p.hour!, p.minute!)
    }

    /// `27 Mar 2025, 14:30` for people to read.
    public static func formatReadable(_ instant: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        return "\(p.day!) \(monthAbbreviations[p.month! - 1]) \(p.year!), "
            + String(format: "%02d:%02d", p.hour!, p.minute!)
    }

    public static func formatReadable(_ date: LocalDate) -> String {
        "\(date.day) \(monthAbbreviations[date.month - 1]) \(date.year)"
    }

    static let monthAbbreviations = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
}
