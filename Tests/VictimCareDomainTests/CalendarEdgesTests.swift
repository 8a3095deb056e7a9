import Foundation
import Testing

@testable import VictimCareDomain

/// Dates at and past the calendar's edges, as a form or an extract can send them. Each of these once stopped the
/// server: a year-1 time took a deadline into year 0, a date before 1582 came back from Foundation as a Julian
/// 29 February, a date told in 9999 went past the calendar when a review's three months were added.
struct CalendarEdgesTests {
    @Test(arguments: [
        "0001-01-01T00:30:00+01:00", "0001-01-01T00:00:00Z", "1500-03-10T12:00:00Z", "1899-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    ])
    func instantsOutsideTheServicesYearsAreRefused(_ text: String) {
        #expect(Instant.parse(text) == nil)
        #expect(Instant.parseAnyYear(text) != nil, "a date, only out of range")
        var v = Validator()
        #expect(v.instant(text, "at", "the time") == nil)
        #expect(v.errors.first?.message == "The time must be between 1900 and 2199")
    }

    @Test func theServicesYearsThemselvesAreAccepted() {
        #expect(Instant.parse("1900-01-01T00:00:00Z") != nil)
        #expect(Instant.parse("2199-12-31T23:59:59Z") != nil)
        #expect(London.parseLocal("1900-01-01T00:00") != nil)
        #expect(London.parseLocal("2199-12-31T23:59") != nil)
    }

    @Test(arguments: ["0001-01-01T00:00", "1500-03-10T12:00", "9999-12-31T23:59"])
    func londonTimesOutsideTheServicesYearsAreRefused(_ text: String) {
        #expect(London.parseLocal(text) == nil)
        var v = Validator()
        #expect(v.time(text, "at", "the time", style: .londonLocal) == nil)
        #expect(v.errors.first?.message == "The time must be between 1900 and 2199")
    }

    @Test(arguments: ["0001-01-01", "1500-02-28", "9999-12-31"])
    func datesOutsideTheServicesYearsAreRefused(_ text: String) {
        var v = Validator()
        #expect(v.date(text, "toldOn", "the date they were told") == nil)
        #expect(v.errors.first?.message == "The date they were told must be between 1900 and 2199")
    }

    /// What stored or computed values can still reach: the arithmetic answers without stopping.
    @Test func theDateArithmeticNeverStopsAtTheEdges() {
        for t in [
            -Double.infinity, -1e300, -62_135_596_801, -62_135_596_800, -1.5e10, 0, 253_402_300_799, 253_402_300_800,
            1e300, .infinity, .nan,
        ] {
            _ = LondonClock.offset(atEpochSeconds: t)
            _ = LondonClock.localDate(epochSeconds: t)
        }
        // Julian 29 February 1500 in Foundation's calendar: the proleptic Gregorian date instead, and every day
        // around it in order, as LondonClock has them.
        let julianLeapDay = Date(timeIntervalSince1970: -14_825_894_400 + 43_200)
        #expect(London.date(of: julianLeapDay).description == "1500-03-10")
        for day in -3...3 {
            let noon = julianLeapDay.addingTimeInterval(Double(day) * 86_400)
            #expect(London.date(of: noon) == LocalDate(year: 1500, month: 3, day: 10)!.adding(days: day))
            #expect(London.date(of: noon) == LondonClock.localDate(epochSeconds: noon.timeIntervalSince1970))
        }
        let cutover = London.gregorianFrom
        #expect(London.date(of: Date(timeIntervalSince1970: cutover - 43_200)).description == "1582-10-14")
        #expect(London.date(of: Date(timeIntervalSince1970: cutover + 43_200)).description == "1582-10-15")
        #expect(London.date(of: Date(timeIntervalSince1970: -1e13)) == LocalDate(year: 1, month: 1, day: 1)!)
        #expect(
            LocalDate(year: 9999, month: 12, day: 31)!.adding(months: 3) == LocalDate(year: 9999, month: 12, day: 31)!)
        #expect(LocalDate(year: 1, month: 2, day: 1)!.adding(months: -3) == LocalDate(year: 1, month: 1, day: 1)!)
        #expect(LocalDate(year: 2024, month: 1, day: 31)!.adding(months: Int.max).year == 9999)
        #expect(LocalDate(year: 2024, month: 1, day: 31)!.adding(months: 1).description == "2024-02-29")
    }

    @Test func aSlotLengthFromAFormIsCheckedBeforeItIsUsed() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let problems = VideoBooking.problems(
            start: start, end: start.addingTimeInterval(3600), minutes: Int.max, now: start.addingTimeInterval(-60))
        #expect(problems.map(\.field) == ["slotMinutes"])
        #expect(VideoBooking.slots(from: start, to: start.addingTimeInterval(3600), minutes: Int.max).isEmpty)
    }
}
