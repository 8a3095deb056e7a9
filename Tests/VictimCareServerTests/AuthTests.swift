import Fluent
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct AuthTests {
    @Test func signInSetsAHardenedSessionCookieAndSignOutEndsIt() async throws {
        try await withTestApp { app in
            // setup
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            // act
            let response = try await browser.signIn("pc.hart")
            // check
            #expect(response.status == .seeOther)
            #expect(response.location == "/")
            let cookie = response.headers[.setCookie].first { $0.hasPrefix("vc_session=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))
            #expect(try await browser.get("/").location == "/worklist", "an officer's day starts at their victims")
            #expect(try await browser.get("/worklist").status == .ok)
            try await browser.post("/sign-out", [])
            let after = try await browser.get("/")
            #expect(after.status == .seeOther)
            #expect(after.location?.hasPrefix("/sign-in") == true)
        }
    }

    @Test func cookieIsSecureBehindATrustedTLSProxy() async throws {
        try await withTestApp({ $0.trustedProxies = .loopback }) { app in
            try await World(app).user("pc.hart", .officer)
            try await LiveServer.run(app) { live in
                let page = try await live.get("/sign-in")
                let form = page.headers.setCookie?["vc_form"]?.string ?? ""
                let response = try await live.postForm(
                    "/sign-in", [("username", "pc.hart"), ("password", World.password), ("_csrf", form)],
                    headers: ["X-Forwarded-Proto": "https", "Cookie": "vc_form=\(form)"])
                let cookie = response.headers[.setCookie].first { $0.hasPrefix("vc_session=") } ?? ""
                #expect(response.status == .seeOther)
                #expect(cookie.contains("Secure"))
            }
        }
    }

    @Test func forwardedHeadersFromAnUntrustedPeerAreIgnored() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            try await LiveServer.run(app) { live in
                let page = try await live.get("/sign-in")
                let form = page.headers.setCookie?["vc_form"]?.string ?? ""
                let response = try await live.postForm(
                    "/sign-in", [("username", "pc.hart"), ("password", World.password), ("_csrf", form)],
                    headers: [
                        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "Cookie": "vc_form=\(form)",
                    ])
                let cookie = response.headers[.setCookie].first { $0.hasPrefix("vc_session=") } ?? ""
                #expect(response.status == .seeOther)
                #expect(!cookie.isEmpty && !cookie.contains("Secure"))
                let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "sign_in").first()
                #expect(entry?.ip == "127.0.0.1")
            }
        }
    }

    @Test func wrongPasswordIsRefusedWithoutSayingWhichPartWasWrong() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            let wrongPassword = try await browser.signIn("pc.hart", password: "not the password")
            var other = Browser(app)
            let unknownUser = try await other.signIn("nobody.here", password: "not the password")
            #expect(wrongPassword.status == .unauthorized)
            #expect(unknownUser.status == .unauthorized)
            #expect(wrongPassword.body.string.contains("The username or password is not right"))
            #expect(unknownUser.body.string.contains("The username or password is not right"))
            #expect(try await World(app).auditCount("sign_in_failed", "user", nil) == 2)
        }
    }

    @Test func repeatedFailuresLockTheAccountEvenForTheRightPassword() async throws {
        try await withTestApp({ $0.signInMaxFailures = 3 }) { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            for _ in 0..<3 { try await browser.signIn("pc.hart", password: "wrong password 1") }
            let locked = try await browser.signIn("pc.hart")
            #expect(locked.status == .unauthorized)
            #expect(locked.body.string.contains("locked"))
            let user = try await User.query(on: app.db).filter(\.$username == "pc.hart").first()
            #expect(user?.lockedUntil != nil)
        }
    }

    @Test func oneNetworkIsThrottledAcrossAccounts() async throws {
        try await withTestApp({ $0.signInIPLimit = 4 }) { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            for n in 0..<4 { try await browser.signIn("guess\(n)", password: "wrong password 1") }
            let throttled = try await browser.signIn("pc.hart")
            #expect(throttled.status == .tooManyRequests)
        }
    }

    @Test func oneTimePasswordMustBeChangedFirst() async throws {
        try await withTestApp { app in
            let created = try await UserService.create(
                .init(username: "new.starter", displayName: "New Starter", role: "officer", commandUnit: "SN"),
                hasher: app.passwordHasher, context: .system, on: app.db)
            let oneTime = try #require(created.oneTimePassword)
            var browser = Browser(app)
            let signIn = try await browser.signIn("new.starter", password: oneTime)
            #expect(signIn.location == "/account/password")
            #expect(try await browser.get("/crimes").location == "/account/password")
            try await browser.get("/account/password")
            let weak = try await browser.post(
                "/account/password", [("current", oneTime), ("new", "short"), ("confirm", "short")])
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.body.string.contains("at least 12 characters"))
            let changed = try await browser.post(
                "/account/password",
                [("current", oneTime), ("new", "a much longer passphrase"), ("confirm", "a much longer passphrase")])
            #expect(changed.location == "/account")
            #expect(try await browser.get("/crimes").status == .ok)
        }
    }

    @Test func formsWithoutTheCSRFTokenAreRefused() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let forged = try await browser.post("/crimes", [("reference", "SN/1/25")], withCSRF: false)
            #expect(forged.status == .forbidden)
            var stranger = Browser(app)
            let noSession = try await stranger.post(
                "/sign-in", [("username", "pc.hart"), ("password", World.password)], withCSRF: false)
            #expect(noSession.status == .forbidden)
        }
    }

    @Test func sessionIdChangesAtSignIn() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.get("/sign-in")
            let before = browser.cookie
            try await browser.post("/sign-in", [("username", "pc.hart"), ("password", World.password)])
            #expect(browser.cookie != nil)
            #expect(browser.cookie != before)
        }
    }

    @Test func nextOnlyLeadsWithinTheSite() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.get("/sign-in")
            let response = try await browser.post(
                "/sign-in", [("username", "pc.hart"), ("password", World.password), ("next", "//evil.example/")])
            #expect(response.location == "/")
        }
    }
}
