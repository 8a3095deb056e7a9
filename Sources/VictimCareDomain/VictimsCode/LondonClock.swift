/// Europe/London offsets computed from the rule in force since 1996 (British Summer Time from 01:00 UTC
/// on the last Sunday of March to 01:00 UTC on the last Sunday of October), without Foundation's
/// calendar machinery: the obligation engine converts millions of instants and this is its hot path.
/// Tests check it against the system time zone database for every hour of 2020-2035.
public enum LondonClock {
    /// Seconds since 1970 at which summer time starts and ends in `year`.
    @inline(__always)
    public static func summerTime(in year: Int) -> (start: Int, end: Int) {
        let start = lastSunday(month: 3, year: year).dayNumber * 86_400 + 3600
        let end = lastSunday(month: 10, year: year).dayNumber * 86_400 + 3600
        return (start, end)
    }

    private static func lastSunday(month: Int, year: Int) -> LocalDate {
        // Both months have 31 days; a year outside LocalDate's own range is taken as its nearest end.
        let last = LocalDate(year: min(max(year, 1), 9999), month: month, day: 31)!
        return last.adding(days: -(last.weekday % 7))
    }

    /// An instant in whole seconds since 1970, or nil for one no calendar date holds (not a number, or outside years
    /// 1–9999).
    @inline(__always)
    private static func wholeSeconds(_ t: Double) -> Int? {
        // 0001-01-01T00:00Z to 9999-12-31T23:59:59Z.
        guard t.isFinite, t >= -62_135_596_800, t < 253_402_300_800 else { return nil }
        return Int(t.rounded(.down))
    }

    /// Precomputed transitions for 1970-2199; other years are computed on demand.
    private static let table: [(Int, Int)] = (1970...2199).map { summerTime(in: $0) }

    /// The UTC offset in seconds (0 or 3600) at an instant.
    @inline(__always)
    public static func offset(atEpochSeconds t: Double) -> Int {
        guard let seconds = wholeSeconds(t) else { return 0 }
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let year = LocalDate(dayNumber: day).year
        let (start, end) = (1970...2199).contains(year) ? table[year - 1970] : summerTime(in: year)
        return seconds >= start && seconds < end ? 3600 : 0
    }

    /// The London calendar date of an instant.
    @inline(__always)
    public static func localDate(epochSeconds t: Double) -> LocalDate {
        guard let seconds = wholeSeconds(t) else {
            return t < 0 ? LocalDate(year: 1, month: 1, day: 1)! : LocalDate(year: 9999, month: 12, day: 31)!
        }
        let local = seconds + offset(atEpochSeconds: t)
        return LocalDate(dayNumber: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    /// The instant London midnight begins `date` (clocks never change at midnight).
    @inline(__always)
    public static func startOfDay(_ date: LocalDate) -> Double {
        let local = date.dayNumber * 86_400
        // At local midnight the offset is that of the UTC instant an hour either side; check both.
        let guess = Double(local - 3600)
        return Double(local - offset(atEpochSeconds: guess))
    }

    /// The last millisecond of `date` in London.
    @inline(__always)
    public static func endOfDay(_ date: LocalDate) -> Double {
        startOfDay(date.adding(days: 1)) - 0.001
    }
}

extension LondonClock {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `3 Mar 2025, 14:05` in London time, without Foundation's formatters (it labels millions of rows).
    public static func label(epochSeconds t: Double) -> String {
        let local = Int(t.rounded(.down)) + offset(atEpochSeconds: t)
        let dayNumber = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let date = LocalDate(dayNumber: dayNumber)
        let seconds = local - dayNumber * 86_400
        let hour = seconds / 3600
        let minute = seconds / 60 % 60
        return
            "\(date.day) \(months[date.month - 1]) \(date.year), \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }
}
