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

    public init(years: ClosedRange<Int> = 2000...2040, overrides: [Override] = []) {
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
    }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        isWorkingDay(dayNumber: date.dayNumber)
    }

    @inline(__always)
    func isWorkingDay(dayNumber: Int) -> Bool {
        let index = dayNumber - baseDay
        guard index >= 0, index < working.count else {
            // Outside the table: weekdays only, so a far-future deadline is never earlier than it should be.
            return LocalDate(dayNumber: dayNumber).weekday <= 5
        }
        return working[index]
    }

    /// The holiday's name, if `date` is a bank holiday (or an added non-working day).
    public func holidayName(_ date: LocalDate) -> String? { names[date.dayNumber] }

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
