/// Working days for Victims' Code deadlines: Monday to Friday, except the bank holidays of England and
/// Wales (with substitute days), adjusted by administrator overrides.
public struct WorkingDayCalendar: Sendable {
    /// A change to the computed holidays: `holiday == true` adds a non-working day, `false` makes a
    /// computed holiday a working day.
    public struct Override: Sendable, Hashable, Codable {
        public var date: LocalDate
        public var holiday: Bool
        public var name: String

        public init(date: LocalDate, holiday: Bool, name: String) {
            self.date = date
            self.holiday = holiday
            self.name = name
        }
    }

    public let firstYear: Int
    public let lastYear: Int
    private let baseDay: Int
    /// One flag per day from 1 January of `firstYear`: true for a working day.
    private let working: [Bool]
    private let names: [Int: String]
    private let overrides: [Int: Override]

    /// The years held in a table; any other year is worked out when asked, by the same rules. From 1978 (the
    /// first year of today's pattern of bank holidays) to 2199 (the end of the London clock's table).
    public static let tableYears = 1978...2199

    public init(years: ClosedRange<Int> = WorkingDayCalendar.tableYears, overrides: [Override] = []) {
        firstYear = years.lowerBound
        lastYear = years.upperBound
        baseDay = LocalDate(year: years.lowerBound, month: 1, day: 1)!.dayNumber
        let endDay = LocalDate(year: years.upperBound, month: 12, day: 31)!.dayNumber
        var flags = (baseDay...endDay).map { LocalDate(dayNumber: $0).weekday <= 5 }
        var names: [Int: String] = [:]
        for year in years {
            for holiday in BankHolidays.holidays(in: year) {
                flags[holiday.date.dayNumber - baseDay] = false
                names[holiday.date.dayNumber] = holiday.name
            }
        }
        for o in overrides where (baseDay...endDay).contains(o.date.dayNumber) {
            flags[o.date.dayNumber - baseDay] = !o.holiday && o.date.weekday <= 5
            if o.holiday { names[o.date.dayNumber] = o.name } else { names[o.date.dayNumber] = nil }
        }
        working = flags
        self.names = names
        self.overrides = Dictionary(overrides.map { ($0.date.dayNumber, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        isWorkingDay(dayNumber: date.dayNumber)
    }

    @inline(__always)
    func isWorkingDay(dayNumber: Int) -> Bool {
        let index = dayNumber - baseDay
        guard index >= 0, index < working.count else { return workedOut(dayNumber) }
        return working[index]
    }

    /// A day outside the table, by the same rules: bank holidays count there too (2026-11-30, issue 14: days
    /// outside the table were weekdays only, which made deadlines over a holiday a day early).
    private func workedOut(_ dayNumber: Int) -> Bool {
        let date = LocalDate(dayNumber: dayNumber)
        if let o = overrides[dayNumber] { return !o.holiday && date.weekday <= 5 }
        guard date.weekday <= 5 else { return false }
        return !BankHolidays.holidays(in: date.year).contains { $0.date == date }
    }

    /// The holiday's name, if `date` is a bank holiday (or an added non-working day).
    public func holidayName(_ date: LocalDate) -> String? {
        let index = date.dayNumber - baseDay
        if index >= 0, index < working.count { return names[date.dayNumber] }
        if let o = overrides[date.dayNumber] { return o.holiday ? o.name : nil }
        return BankHolidays.holidays(in: date.year).first { $0.date == date }?.name
    }

    /// The `n`-th working day after `date` (n = 0 gives `date` itself).
    @inline(__always)
    public func adding(workingDays n: Int, to date: LocalDate) -> LocalDate {
        var day = date.dayNumber
        var remaining = n
        while remaining > 0 {
            day += 1
            if isWorkingDay(dayNumber: day) { remaining -= 1 }
        }
        return LocalDate(dayNumber: day)
    }

    /// Working days strictly after `from` up to and including `to`.
    public func workingDays(after from: LocalDate, through to: LocalDate) -> Int {
        guard to > from else { return 0 }
        return ((from.dayNumber + 1)...to.dayNumber).reduce(0) { $0 + (isWorkingDay(dayNumber: $1) ? 1 : 0) }
    }
}
