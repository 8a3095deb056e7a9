import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct TokenServiceTests {
    @Test func tokensExpireAndTheListSaysWhenAndWhenLastUsed() async throws {
        try await withTestApp { app in
            // setup
            let issued = try await TokenService.issue(
                name: "cris-bridge", role: "administrator", commandUnit: nil, days: "30", context: .system, on: app.db)
            let headers: HTTPHeaders = ["Authorization": "Bearer \(issued.secret)"]
            let expires = try #require(issued.token.expiresAt)
            #expect(abs(expires.timeIntervalSinceNow - 30 * 86_400) < 60)
            // act, check: it works, and its use is noted
            #expect(try await app.testing().sendRequest(.GET, "/api/v1/command-units", headers: headers).status == .ok)
            let used = try #require(try await APIToken.find(issued.token.id, on: app.db))
            #expect(used.lastUsedAt != nil)
            // Past its expiry it is refused like a revoked one.
            used.expiresAt = Date().addingTimeInterval(-1)
            try await used.save(on: app.db)
            #expect(
                try await app.testing().sendRequest(.GET, "/api/v1/command-units", headers: headers).status
                    == .unauthorized)
            // Too long a life is refused.
            await #expect(throws: DomainError.self) {
                _ = try await TokenService.issue(
                    name: "forever", role: "administrator", commandUnit: nil, days: "5000", context: .system,
                    on: app.db)
            }
        }
    }
}
