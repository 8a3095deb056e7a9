import Foundation
import Testing

@testable import VictimCareDomain

struct WorkingDayCalendarTests {
    static let calendar = WorkingDayCalendar()

    static let holidaysByYear: [(Int, [String])] = [
        (
            2020,
            [
                "2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25",
                "2020-12-28",
            ]
        ),
        (
            2021,
            [
                "2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27",
                "2021-12-28",
            ]
        ),
        (
            2022,
            [
                "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
                "2022-09-19", "2022-12-26", "2022-12-27",
            ]
        ),
        (
            2023,
            [
                "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
                "2023-12-25", "2023-12-26",
            ]
        ),
        (
            2024,
            [
                "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25",
                "2024-12-26",
            ]
        ),
        (
            2025,
            [
                "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25",
                "2025-12-26",
            ]
        ),
        (
            2026,
            [
                "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
                "2026-12-28",
            ]
        ),
        (
            2027,
            [
                "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
                "2027-12-28",
            ]
        ),
        (
            2028,
            [
                "2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25",
                "2028-12-26",
            ]
        ),
        (
            2033,
            [
                "2033-01-03", "2033-04-15", "2033-04-18", "2033-05-02", "2033-05-30", "2033-08-29", "2033-12-26",
                "2033-12-27",
            ]
        ),
        (
            2035,
            [
                "2035-01-01", "2035-03-23", "2035-03-26", "2035-05-07", "2035-05-28", "2035-08-27", "2035-12-25",
                "2035-12-26",
            ]
        ),
    ]

    @Test(arguments: holidaysByYear)
    func bankHolidaysOfEnglandAndWales(_ year: Int, _ expected: [String]) {
        #expect(BankHolidays.holidays(in: year).map(\.date.description) == expected)
    }

    @Test(arguments: [
        (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"), (2029, "2029-04-01"),
        (2030, "2030-04-21"), (2031, "2031-04-13"), (2032, "2032-03-28"), (2034, "2034-04-09"), (2035, "2035-03-25"),
    ])
    func easter(_ year: Int, _ sunday: String) {
        #expect(BankHolidays.easterSunday(year).description == sunday)
    }

    @Test func everyYearThrough2035HasItsEightHolidays() {
        for year in 2000...2035 {
            let days = BankHolidays.holidays(in: year)
            #expect(days.count >= 8, "\(year)")
            #expect(days.allSatisfy { $0.date.weekday <= 5 }, "\(year): a holiday on a weekend")
            #expect(Set(days.map(\.date)).count == days.count, "\(year): duplicates")
        }
    }

    // (triggered on, working days, due by the end of)
    static let deadlines: [(String, Int, String)] = [
        ("2025-06-02", 5, "2025-06-09"),  // Monday + 5 = next Monday
        ("2025-06-06", 1, "2025-06-09"),  // Friday + 1 skips the weekend
        ("2025-06-07", 1, "2025-06-09"),  // triggered on a Saturday
        ("2025-12-19", 5, "2025-12-30"),  // over Christmas and Boxing Day
        ("2025-12-24", 1, "2025-12-29"),
        ("2026-12-24", 1, "2026-12-29"),  // Boxing Day substitute on Monday 28th
        ("2027-12-24", 1, "2027-12-29"),  // Christmas and Boxing Day substitutes on 27th and 28th
        ("2026-04-02", 1, "2026-04-07"),  // Good Friday and Easter Monday
        ("2025-04-17", 2, "2025-04-23"),
        ("2026-04-30", 1, "2026-05-01"),
        ("2026-05-01", 1, "2026-05-05"),  // early May bank holiday
        ("2026-05-22", 1, "2026-05-26"),  // spring bank holiday
        ("2026-08-28", 1, "2026-09-01"),  // summer bank holiday
        ("2022-06-01", 1, "2022-06-06"),  // the Platinum Jubilee weekend
        ("2022-09-16", 1, "2022-09-20"),  // the state funeral
        ("2025-12-31", 1, "2026-01-02"),  // New Year's Day
        ("2027-12-31", 1, "2028-01-04"),  // New Year's Day substitute (1 January 2028 is a Saturday)
        ("2025-06-02", 10, "2025-06-16"),
        ("2025-06-02", 30, "2025-07-14"),
    ]

    @Test(arguments: deadlines)
    func deadlineIsTheEndOfTheNthWorkingDayAfter(_ triggered: String, _ n: Int, _ due: String) {
        #expect(Self.calendar.adding(workingDays: n, to: LocalDate(triggered)!).description == due)
    }

    @Test func overridesAddAndRemoveHolidays() {
        let calendar = WorkingDayCalendar(overrides: [
            .init(date: LocalDate("2026-06-15")!, holiday: true, name: "Extra day by proclamation"),
            .init(date: LocalDate("2026-05-25")!, holiday: false, name: "Spring bank holiday moved"),
        ])
        #expect(!calendar.isWorkingDay(LocalDate("2026-06-15")!))
        #expect(calendar.holidayName(LocalDate("2026-06-15")!) == "Extra day by proclamation")
        #expect(calendar.isWorkingDay(LocalDate("2026-05-25")!))
        #expect(calendar.adding(workingDays: 1, to: LocalDate("2026-06-12")!).description == "2026-06-16")
    }

    @Test func countsWorkingDaysBetween() {
        #expect(Self.calendar.workingDays(after: LocalDate("2025-12-19")!, through: LocalDate("2025-12-31")!) == 6)
        #expect(Self.calendar.workingDays(after: LocalDate("2025-12-19")!, through: LocalDate("2025-12-19")!) == 0)
    }
}

struct LondonClockTests {
    @Test func agreesWithTheTimeZoneDatabaseEveryHourFrom2020To2035() {
        let start = Instant.parse("2020-01-01T00:30:00Z")!.timeIntervalSince1970
        let end = Instant.parse("2035-12-31T23:30:00Z")!.timeIntervalSince1970
        var t = start
        var mismatches = 0
        while t <= end {
            let date = Date(timeIntervalSince1970: t)
            if LondonClock.localDate(epochSeconds: t) != London.date(of: date) { mismatches += 1 }
            if LondonClock.offset(atEpochSeconds: t) != London.timeZone.secondsFromGMT(for: date) { mismatches += 1 }
            t += 3600
        }
        #expect(mismatches == 0)
    }

    @Test func daysStartAtLocalMidnight() {
        for day in ["2025-03-30", "2025-03-31", "2025-10-26", "2025-10-27", "2025-07-01", "2025-01-15"] {
            let date = LocalDate(day)!
            #expect(LondonClock.startOfDay(date) == London.startOfDay(date).timeIntervalSince1970, "\(day)")
        }
        #expect(
            Instant.format(Date(timeIntervalSince1970: LondonClock.endOfDay(LocalDate("2025-03-31")!)))
                == "2025-03-31T22:59:59.999Z")
        #expect(
            Instant.format(Date(timeIntervalSince1970: LondonClock.endOfDay(LocalDate("2025-10-27")!)))
                == "2025-10-27T23:59:59.999Z")
    }

    // (instant, the London date it falls on)
    @Test(arguments: [
        ("2025-06-30T22:59:00Z", "2025-06-30"),  // 23:59 BST
        ("2025-06-30T23:01:00Z", "2025-07-01"),  // 00:01 BST
        ("2025-01-06T23:59:00Z", "2025-01-06"),  // 23:59 GMT
        ("2025-01-07T00:00:00Z", "2025-01-07"),
        ("2025-03-30T00:59:59Z", "2025-03-30"),  // just before the clocks go forward
        ("2025-03-30T01:00:00Z", "2025-03-30"),  // 02:00 BST
        ("2025-10-25T23:30:00Z", "2025-10-26"),  // 00:30 BST, the night the clocks go back
        ("2025-10-26T00:30:00Z", "2025-10-26"),  // the first 01:30
        ("2025-10-26T01:30:00Z", "2025-10-26"),  // the second 01:30
    ])
    func instantsNearMidnightAndClockChanges(_ instant: String, _ day: String) {
        #expect(LondonClock.localDate(epochSeconds: Instant.parse(instant)!.timeIntervalSince1970).description == day)
    }
}
