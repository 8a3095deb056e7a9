/// The bank holidays of England and Wales, computed for any year from the standing rules (today's pattern
/// since 1978; earlier years are worked out by the same rules), with the one-off changes made by proclamation
/// since then. Future one-offs are added by an administrator as calendar
/// overrides, not here.
public enum BankHolidays {
    public struct Holiday: Sendable, Hashable {
        public let date: LocalDate
        public let name: String
    }

    /// One-off changes: holidays moved or added by proclamation.
    static let moved: [Int: (remove: [String], add: [(String, String)])] = [
        1981: ([], [("1981-07-29", "Royal wedding")]),
        1995: (["1995-05-01"], [("1995-05-08", "Early May bank holiday (VE day)")]),
        1999: ([], [("1999-12-31", "Millennium holiday")]),
        2002: (["2002-05-27"], [("2002-06-03", "Spring bank holiday"), ("2002-06-04", "Golden Jubilee bank holiday")]),
        2011: ([], [("2011-04-29", "Royal wedding")]),
        2012: (
            ["2012-05-28"], [("2012-06-04", "Spring bank holiday"), ("2012-06-05", "Diamond Jubilee bank holiday")]
        ),
        2020: (["2020-05-04"], [("2020-05-08", "Early May bank holiday (VE day)")]),
        2022: (
            ["2022-05-30"],
            [
                ("2022-06-02", "Spring bank holiday"), ("2022-06-03", "Platinum Jubilee bank holiday"),
                ("2022-09-19", "State funeral of Queen Elizabeth II"),
            ]
        ),
        2023: ([], [("2023-05-08", "Coronation of King Charles III")]),
    ]

    public static func holidays(in year: Int) -> [Holiday] {
        var days: [Holiday] = []
        func add(_ date: LocalDate, _ name: String) { days.append(Holiday(date: date, name: name)) }

        // New Year's Day, or the Monday after when it falls at a weekend.
        let newYear = LocalDate(year: year, month: 1, day: 1)!
        add(newYear.weekday >= 6 ? newYear.adding(days: 8 - newYear.weekday) : newYear, "New Year's Day")

        let easter = easterSunday(year)
        add(easter.adding(days: -2), "Good Friday")
        add(easter.adding(days: 1), "Easter Monday")
        add(firstMonday(month: 5, year: year), "Early May bank holiday")
        add(lastMonday(month: 5, year: year), "Spring bank holiday")
        add(lastMonday(month: 8, year: year), "Summer bank holiday")

        // Christmas and Boxing Day, with substitute days when either falls at a weekend.
        let christmas = LocalDate(year: year, month: 12, day: 25)!
        switch christmas.weekday {
        case 5:  // Friday: Boxing Day (Saturday) moves to Monday 28th
            add(christmas, "Christmas Day")
            add(christmas.adding(days: 3), "Boxing Day (substitute day)")
        case 6:  // Saturday: Christmas to Monday 27th, Boxing Day to Tuesday 28th
            add(christmas.adding(days: 2), "Christmas Day (substitute day)")
            add(christmas.adding(days: 3), "Boxing Day (substitute day)")
        case 7:  // Sunday: Boxing Day on Monday 26th, Christmas to Tuesday 27th
            add(christmas.adding(days: 1), "Boxing Day")
            add(christmas.adding(days: 2), "Christmas Day (substitute day)")
        default:
            add(christmas, "Christmas Day")
            add(christmas.adding(days: 1), "Boxing Day")
        }

        if let change = moved[year] {
            let removed = Set(change.remove.compactMap(LocalDate.init))
            days.removeAll { removed.contains($0.date) }
            for (date, name) in change.add { add(LocalDate(date)!, name) }
        }
        return days.sorted { $0.date < $1.date }
    }

    /// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    public static func easterSunday(_ year: Int) -> LocalDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year: year, month: month, day: day)!
    }

    private static func firstMonday(month: Int, year: Int) -> LocalDate {
        let first = LocalDate(year: year, month: month, day: 1)!
        return first.adding(days: (8 - first.weekday) % 7)
    }

    private static func lastMonday(month: Int, year: Int) -> LocalDate {
        let last = LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))!
        return last.adding(days: -((last.weekday + 6) % 7))
    }
}
