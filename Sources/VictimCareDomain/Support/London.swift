import Foundation

/// Europe/London wall-clock time: what officers type and read, and what deadlines are counted in.
public enum London {
    public static let timeZone = TimeZone(identifier: "Europe/London")!

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// The local calendar date of an instant.
    public static func date(of instant: Date) -> LocalDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
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
        guard parts.count == 2, let day = LocalDate(String(parts[0])) else { return nil }
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
