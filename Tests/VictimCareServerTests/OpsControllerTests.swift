import Testing
import Vapor
import VaporTesting

@testable import VictimCareServer

@Suite struct OpsControllerTests {
    @Test func healthReadinessAndMetrics() async throws {
        try await withTestApp({ $0.metricsToken = "metrics-token-for-tests" }) { app in
            try await app.testing().test(.GET, "/healthz") { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            try await app.testing().test(.GET, "/readyz") { res in
                #expect(res.status == .ok)
            }
            try await app.testing().test(.GET, "/metrics") { res in
                #expect(res.status == .unauthorized, "metrics are not for anyone who asks")
            }
            try await app.testing().test(.GET, "/metrics", headers: ["Authorization": "Bearer wrong"]) { res in
                #expect(res.status == .unauthorized)
            }
            try await app.testing().test(
                .GET, "/metrics", headers: ["Authorization": "Bearer metrics-token-for-tests"]
            ) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("http_requests_total"))
                #expect(res.body.string.contains("path=\"/healthz\""))
                #if os(Linux)
                    // The process allocates through jemalloc: its count of the application's bytes is the heap, not
                    // only jemalloc's own bookkeeping (with glibc's malloc in front it would hold almost nothing).
                    #expect(res.body.string.contains("victimcare_allocator_info{name=\"jemalloc\",version=\"5."))
                    let allocated = res.body.string.split(separator: "\n")
                        .first { $0.hasPrefix("victimcare_heap_allocated_bytes ") }
                        .flatMap { Int($0.split(separator: " ")[1]) }
                    #expect((allocated ?? 0) > 4 << 20, "allocated: \(allocated.map(String.init) ?? "none")")
                #endif
            }
        }
    }

    @Test func errorPagesCarryTheSecurityHeadersToo() async throws {
        try await withTestApp { app in
            for path in ["/no/such/page", "/api/v1/nothing", "/crimes/not-a-uuid"] {
                let res = try await app.testing().sendRequest(.GET, path)
                #expect(
                    res.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true,
                    "\(path)")
                #expect(res.headers.first(name: "X-Frame-Options") == "DENY")
                #expect(res.headers.first(name: .cacheControl) == "no-store")
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
