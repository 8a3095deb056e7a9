import Testing
import Vapor
import VaporTesting

@testable import VictimCareServer

@Suite struct OpsControllerTests {
    @Test func healthReadinessAndMetrics() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/healthz") { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            try await app.testing().test(.GET, "/readyz") { res in
                #expect(res.status == .ok)
            }
            try await app.testing().test(.GET, "/metrics") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("http_requests_total"))
                #expect(res.body.string.contains("path=\"/healthz\""))
            }
        }
    }

    @Test func unknownPagesAreFriendly404s() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/no/such/page") { res in
                #expect(res.status == .notFound)
                #expect(res.body.string.contains("Page not found"))
            }
            try await app.testing().test(.GET, "/api/v1/nothing") { res in
                #expect(res.status == .notFound)
                #expect(res.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            }
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/crimes") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/sign-in?next=/crimes")
            }
        }
    }
}
