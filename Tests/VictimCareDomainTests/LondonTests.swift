import Foundation
import Testing

@testable import VictimCareDomain

struct LondonTests {
    @Test func localDateFollowsBritishSummerTime() {
        // 23:30 UTC on 30 June is 00:30 on 1 July in London.
        #expect(London.date(of: Instant.parse("2025-06-30T23:30:00Z")!).description == "2025-07-01")
        // 23:30 UTC on 30 December is still 30 December (GMT).
        #expect(London.date(of: Instant.parse("2025-12-30T23:30:00Z")!).description == "2025-12-30")
    }

    @Test func formTimesAreLondonWallClock() {
        #expect(London.parseLocal("2025-07-01T09:15") == Instant.parse("2025-07-01T08:15:00Z"))
        #expect(London.parseLocal("2025-01-15T09:15:30") == Instant.parse("2025-01-15T09:15:30Z"))
        #expect(London.parseLocal("2025-01-15T25:00") == nil)
        #expect(London.parseLocal("2025-02-30T10:00") == nil)
    }

    @Test func clockChangeDaysHaveTheRightLength() {
        let spring = LocalDate("2025-03-30")!
        let autumn = LocalDate("2025-10-26")!
        #expect(London.startOfDay(spring.adding(days: 1)).timeIntervalSince(London.startOfDay(spring)) == 23 * 3600)
        #expect(London.startOfDay(autumn.adding(days: 1)).timeIntervalSince(London.startOfDay(autumn)) == 25 * 3600)
        #expect(London.endOfDay(spring) < London.startOfDay(spring.adding(days: 1)))
    }

    @Test func formatsForPeople() {
        #expect(London.formatReadable(Instant.parse("2025-07-01T08:05:00Z")!) == "1 Jul 2025, 09:05")
        #expect(London.formatLocal(Instant.parse("2025-07-01T08:05:00Z")!) == "2025-07-01T09:05")
    }
}
