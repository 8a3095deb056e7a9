import Foundation
import Testing

@testable import VictimCareDomain

struct LocalDateTests {
    @Test(arguments: ["2024-02-29", "2000-02-29", "1999-12-31", "2035-01-01"])
    func acceptsRealDates(_ text: String) {
        #expect(LocalDate(text)?.description == text)
    }

    @Test(arguments: [
        "2023-02-29", "1900-02-29", "2024-13-01", "2024-04-31", "2024-00-10", "24-01-01", "2024-1-01", "2024/01/01", "",
        "2024-01-01T00:00",
    ])
    func rejectsEverythingElse(_ text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test func dayNumbersRoundTripAcrossCenturies() {
        for day in stride(from: -80_000, through: 80_000, by: 37) {
            #expect(LocalDate(dayNumber: day).dayNumber == day)
        }
        #expect(LocalDate("1970-01-01")!.dayNumber == 0)
        #expect(LocalDate("2000-03-01")!.dayNumber == 11_017)
    }

    @Test func weekdaysAreISO() {
        #expect(LocalDate("2026-11-22")!.weekday == 7)  // a Sunday
        #expect(LocalDate("2026-11-23")!.weekday == 1)
        #expect(LocalDate("2024-02-29")!.weekday == 4)
    }

    @Test func ageCountsBirthdays() {
        let dob = LocalDate("2008-06-15")!
        #expect(dob.age(on: LocalDate("2026-06-14")!) == 17)
        #expect(dob.age(on: LocalDate("2026-06-15")!) == 18)
        #expect(LocalDate("2004-02-29")!.age(on: LocalDate("2022-02-28")!) == 17)
    }
}

/// Dates and instants are written without `String(format:)`; the text must be what it always was (stored
/// fingerprints hash it).
@Suite struct DigitsTests {
    @Test func datesAndInstantsAreWrittenAsPrintfWould() {
        var state: UInt64 = 7
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double(state >> 35) / 1000 - 1_000_000_000  // about 1938 to 2128, with milliseconds
            let date = Date(timeIntervalSince1970: seconds.rounded(.down))
            let day = LocalDate(dayNumber: Int((seconds / 86_400).rounded(.down)))
            #expect(day.description == String(format: "%04d-%02d-%02d", day.year, day.month, day.day))
            let ms = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
            let whole = Int((Double(ms) / 1000).rounded(.down))
            let rest = whole - LocalDate(dayNumber: Int((Double(whole) / 86_400).rounded(.down))).dayNumber * 86_400
            let expected =
                LocalDate(dayNumber: Int((Double(whole) / 86_400).rounded(.down))).description
                + String(format: "T%02d:%02d:%02d.%03dZ", rest / 3600, rest / 60 % 60, rest % 60, ms - whole * 1000)
            #expect(Instant.format(date) == expected)
        }
        #expect(LocalDate(year: 7, month: 1, day: 2)?.description == "0007-01-02")
        #expect(Instant.format(Date(timeIntervalSince1970: 0.25)) == "1970-01-01T00:00:00.250Z")
    }
}
