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
