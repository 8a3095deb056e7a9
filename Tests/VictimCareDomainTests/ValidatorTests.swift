import Foundation
import Testing

@testable import VictimCareDomain

struct ValidatorTests {
    @Test func collectsEveryProblemNamingItsField() {
        var v = Validator()
        _ = v.required(nil, "given_name", "the given name")
        _ = v.required(String(repeating: "x", count: 101), "family_name", "the family name", max: 100)
        _ = v.code("telepathy", "channel", "channel", as: ReportingChannel.self)
        _ = v.date("2023-02-29", "date_of_birth", "date of birth")
        _ = v.instant("2025-01-01T10:00:00", "reported_at", "when it was reported")
        _ = v.flag("maybe", "phone_safe", "phone safe")
        #expect(
            v.errors.map(\.field) == [
                "given_name", "family_name", "channel", "date_of_birth", "reported_at", "phone_safe",
            ])
        #expect(v.errors[0].message == "Enter the given name")
        #expect(v.errors[1].message == "The family name must be 100 characters or fewer")
        #expect(throws: DomainError.self) { try v.check() }
    }

    @Test func refusesControlCharactersThatDatabasesReject() {
        var v = Validator()
        _ = v.required("Ada\u{0}Lovelace", "given_name", "the given name")
        #expect(!v.isValid)
    }

    @Test func blankOptionalsAreNil() throws {
        var v = Validator()
        #expect(v.optional("   ", "summary", "the summary") == nil)
        #expect(v.date("", "date_of_birth", "date of birth") == nil)
        #expect(v.flag("yes", "x", "x") == true)
        #expect(v.flag("no", "x", "x") == false)
        try v.check()
    }

    @Test func londonLocalTimesAcceptFormInputs() {
        var v = Validator()
        let date = v.time("2025-07-01T09:15", "reportedAt", "when it was reported", style: .londonLocal)
        #expect(date == Instant.parse("2025-07-01T08:15:00Z"))
        #expect(v.isValid)
    }
}
