import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 12: limits counted atomically, lengthening locks, address limits that spare known browsers, and
/// sessions that end when what they were granted on changes.
@Suite struct SignInLimitTests {
    /// Sends `count` sign-ins at once from one browser's form token; returns their statuses.
    static func burst(_ app: Application, _ browser: Browser, usernames: [String], password: String)
        async throws -> [HTTPStatus]
    {
        let cookie = browser.cookie ?? ""
        let token = browser.csrf ?? ""
        return try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
            for username in usernames {
                group.addTask {
                    var headers = HTTPHeaders()
                    headers.replaceOrAdd(name: .cookie, value: cookie)
                    headers.contentType = .urlEncodedForm
                    let body =
                        "username=\(Browser.encode(username))&password=\(Browser.encode(password))&_csrf=\(token)"
                    return try await app.testing().sendRequest(
                        .POST, "/sign-in", headers: headers, body: ByteBuffer(string: body)
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func twoHundredWrongPasswordsAtOnceLockTheAccountAndCheckAtMostFive() async throws {
        try await withTestApp({ $0.signInIPLimit = 10_000 }) { app in
            // setup
            let user = try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.get("/sign-in")
            // act
            let statuses = try await Self.burst(
                app, browser, usernames: Array(repeating: "pc.hart", count: 200), password: "wrong password 1")
            // check
            // (Or busy: a request that waited past the connection pool's limit under a loaded machine was refused whole.)
            #expect(statuses.allSatisfy { $0 == .unauthorized || $0 == .serviceUnavailable })
            #expect(statuses.filter { $0 == .unauthorized }.count >= 5)
            // Only the attempts within the limit reached the password check (each audits a failure).
            let checked = try await AuditEntry.query(on: app.db).filter(\.$action == "sign_in_failed")
                .filter(\.$recordID == user.id).count()
            #expect(checked == 5)
            let right = try await browser.signIn("pc.hart")
            #expect(right.status == .unauthorized)
            #expect(right.body.string.contains("locked"))
        }
    }

    /// A stolen session cannot be used to guess the password behind it: 50 wrong current passwords sent at
    /// once to the change-password form check at most five, and then even the right one waits.
    @Test func fiftyGuessesAtTheCurrentPasswordAtOnceCheckAtMostFive() async throws {
        try await withTestApp { app in
            _ = try await World(app).user("pc.guess", .officer)
            var browser = Browser(app)
            #expect(try await browser.signIn("pc.guess").status == .seeOther)
            try await browser.get("/account/password")
            let cookie = browser.cookie ?? ""
            let token = browser.csrf ?? ""
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for attempt in 0..<50 {
                    group.addTask {
                        var headers = HTTPHeaders()
                        headers.replaceOrAdd(name: .cookie, value: cookie)
                        headers.contentType = .urlEncodedForm
                        let body =
                            "current=guess\(attempt)&new=\(Browser.encode("a brand new passphrase"))"
                            + "&confirm=\(Browser.encode("a brand new passphrase"))&_csrf=\(token)"
                        return try await app.testing().sendRequest(
                            .POST, "/account/password", headers: headers, body: ByteBuffer(string: body)
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unprocessableEntity }.count <= 5, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 45)
            let right = try await browser.post(
                "/account/password",
                [("current", World.password), ("new", "a brand new passphrase"), ("confirm", "a brand new passphrase")])
            #expect(right.status == .tooManyRequests)
        }
    }

    @Test func eachLockLastsLongerThanTheOneBefore() async throws {
        try await withTestApp({ $0.signInMaxFailures = 2 }) { app in
            let user = try await World(app).user("pc.hart", .officer)
            let limits = AuthService.Limits(maxFailures: 2, lockoutMinutes: 15, ipLimit: 1000, ipWindowMinutes: 10)
            var now = Date()
            var locks: [TimeInterval] = []
            for _ in 0..<3 {
                for _ in 0..<2 {
                    _ = try? await AuthService.signIn(
                        username: "pc.hart", password: "wrong password 1", ip: "192.0.2.1", limits: limits,
                        hasher: app.passwordHasher, on: app.db, now: now)
                }
                let locked = try #require(try await User.find(user.id, on: app.db)?.lockedUntil)
                locks.append(locked.timeIntervalSince(now))
                now = locked.addingTimeInterval(1)
            }
            #expect(locks.map { Int(($0 / 60).rounded()) } == [15, 30, 60])
            // The right password after a lock has passed signs in and resets the lengthening.
            let signedIn = try await AuthService.signIn(
                username: "pc.hart", password: World.password, ip: "192.0.2.1", limits: limits,
                hasher: app.passwordHasher, on: app.db, now: now)
            #expect(signedIn.id == user.id)
            #expect(try await User.find(user.id, on: app.db)?.lockCount == 0)
        }
    }

    @Test func anAttackFromASharedAddressSparesOfficersWhoSignedInThereBefore() async throws {
        try await withTestApp({ $0.signInIPLimit = 30 }) { app in
            // setup: an officer who has signed in on this browser before, and one who has not
            try await World(app).user("pc.hart", .officer)
            try await World(app).user("pc.new", .officer)
            var regular = Browser(app)
            #expect(try await regular.signIn("pc.hart").status == .seeOther)
            try await regular.post("/sign-out", [])
            // act: 40 guesses at other accounts from the same (shared) address
            var attacker = Browser(app)
            try await attacker.get("/sign-in")
            let statuses = try await Self.burst(
                app, attacker, usernames: (0..<40).map { "guess.\($0)" }, password: "wrong password 1")
            // check
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 10)
            let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "sign_in_failed").count()
            #expect(audited == 30)
            #expect(try await regular.signIn("pc.hart").status == .seeOther)
            // A browser with no history here waits for the window to pass.
            var stranger = Browser(app)
            #expect(try await stranger.signIn("pc.new").status == .tooManyRequests)
        }
    }

    @Test func aForgedDeviceCookieDoesNotLiftTheAddressLimit() async throws {
        try await withTestApp({ $0.signInIPLimit = 2 }) { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            for n in 0..<2 { try await browser.signIn("guess\(n)", password: "wrong password 1") }
            browser.cookies["vc_device"] = "cGMuaGFydAo5OTk5OTk5OTk5.forged"
            #expect(try await browser.signIn("pc.hart").status == .tooManyRequests)
        }
    }

    @Test func aNewPasswordEndsTheUsersOtherSessionsButNotThisOne() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var laptop = Browser(app)
            var phone = Browser(app)
            try await laptop.signIn("pc.hart")
            try await phone.signIn("pc.hart")
            try await laptop.get("/account/password")
            let changed = try await laptop.post(
                "/account/password",
                [
                    ("current", World.password), ("new", "a much longer passphrase"),
                    ("confirm", "a much longer passphrase"),
                ])
            #expect(changed.status == .seeOther)
            #expect(try await laptop.get("/crimes").status == .ok)
            #expect(try await phone.get("/crimes").location?.hasPrefix("/sign-in") == true)
        }
    }

    @Test(arguments: ["reset", "deactivate", "role", "unit"])
    func anAdministratorsChangeEndsTheUsersSessions(_ change: String) async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            #expect(try await browser.get("/crimes").status == .ok)
            let id = try officer.requireID()
            switch change {
            case "reset":
                _ = try await UserService.resetPassword(id, hasher: app.passwordHasher, context: .system, on: app.db)
            default:
                let draft = UserService.Draft(
                    username: "pc.hart", displayName: "Pc.Hart", role: change == "role" ? "supervisor" : "officer",
                    commandUnit: change == "unit" ? "CE" : "SN", active: change == "deactivate" ? "false" : "true")
                _ = try await UserService.update(id, draft, context: .system, on: app.db)
            }
            #expect(try await browser.get("/crimes").location?.hasPrefix("/sign-in") == true)
        }
    }

    @Test func aVisitWithoutACookieStoresNoSessionAndExpiredOnesArePurged() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            let sql = app.db as! any SQLDatabase
            struct Count: Decodable { var n: Int }
            func sessions() async throws -> Int {
                try await sql.raw("SELECT COUNT(*) AS n FROM web_sessions").first(decoding: Count.self)?.n ?? -1
            }
            for path in ["/", "/sign-in", "/crimes", "/sign-in?next=/people"] {
                _ = try await app.testing().sendRequest(.GET, path)
            }
            // A made-up cookie does not make a row either.
            _ = try await app.testing().sendRequest(.GET, "/", headers: ["Cookie": "vc_session=made-up"])
            #expect(try await sessions() == 0)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            #expect(try await sessions() == 1)
            try await SessionService.purge(now: Date().addingTimeInterval(11 * 3600), on: app.db)
            #expect(try await sessions() == 0)
            #expect(try await browser.get("/crimes").location?.hasPrefix("/sign-in") == true)
        }
    }
}
