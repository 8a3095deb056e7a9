import Foundation
import Testing

@testable import VictimCareDomain

struct InstantTests {
    @Test func parsesOffsetsAndZulu() {
        #expect(Instant.parse("2025-03-30T01:30:00+01:00")?.timeIntervalSince1970 == 1_743_294_600)
        #expect(Instant.parse("2025-03-30T00:30:00Z")?.timeIntervalSince1970 == 1_743_294_600)
        #expect(Instant.parse("2025-03-29T19:30:00-05:00")?.timeIntervalSince1970 == 1_743_294_600)
        #expect(Instant.parse("2025-03-30T00:30:00.250Z")?.timeIntervalSince1970 == 1_743_294_600.25)
    }

    @Test(arguments: [
        "2025-03-30T01:30:00", "2025-03-30 01:30", "2025-03-30", "2025-02-30T01:30:00Z", "2025-03-30T24:00:00Z",
        "2025-03-30T01:30:00+1:00", "2025-03-30T01:30:00+01:00junk", "2025-03-30T01:30:00.Z", "not a time",
    ])
    func rejectsTimesWithoutAProperOffset(_ text: String) {
        #expect(Instant.parse(text) == nil)
    }

    @Test func formatsInUTCWithMilliseconds() {
        #expect(Instant.format(Date(timeIntervalSince1970: 1_743_294_600.25)) == "2025-03-30T00:30:00.250Z")
        #expect(Instant.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }
}
