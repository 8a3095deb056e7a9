import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 12: the case page's second factor is counted atomically per link and per address, its locks
/// lengthen, and the officer is told when a victim's link locks again and again.
@Suite struct CaseAccessLimitTests {
    static func trackLink(_ app: Application, _ victimID: UUID) async throws -> String {
        try await VictimLinkService.issue(
            victimID: victimID, purpose: .track, channel: .email, createdBy: "test", lifetime: 86_400, on: app.db
        ).secret
    }

    static let wrong = "method=dob&dobDay=1&dobMonth=1&dobYear=1990"
    static let right = [("method", "dob"), ("dobDay", "12"), ("dobMonth", "4"), ("dobYear", "1985")]

    /// Posts `bodies` to their paths all at once; returns the statuses.
    static func burst(_ app: Application, _ requests: [(String, String)]) async throws -> [HTTPStatus] {
        try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
            for (path, body) in requests {
                group.addTask {
                    try await app.testing().sendRequest(
                        .POST, path, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                        body: ByteBuffer(string: body)
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func twoHundredWrongAnswersAtOnceLockTheLinkAndTheRightAnswerWaits() async throws {
        try await withTestApp({ $0.links.maxAttemptsPerAddress = 10_000 }) { app in
            // setup
            let victimID = try await World(app).crime("SN/0000101/26").victims[0].victimID
            let secret = try await Self.trackLink(app, victimID)
            // act
            let statuses = try await Self.burst(
                app, Array(repeating: ("/track/\(secret)/verify", Self.wrong), count: 200))
            // check
            // (Or busy: a request that waited past the connection pool's limit under a loaded machine was refused whole.)
            let answers: Set<HTTPResponseStatus> = [.unprocessableEntity, .tooManyRequests, .serviceUnavailable]
            #expect(statuses.allSatisfy(answers.contains))
            let checked = try await AuditEntry.query(on: app.db).filter(\.$action == "sign_in_failed")
                .filter(\.$recordID == victimID).count()
            #expect(checked == 5)
            var victim = Browser(app)
            let answer = try await victim.post("/track/\(secret)/verify", Self.right, withCSRF: false)
            #expect(answer.status == .tooManyRequests)
        }
    }

    @Test func oneAddressGuessingAcrossManyLinksIsStopped() async throws {
        try await withTestApp({ $0.links.maxAttemptsPerAddress = 20 }) { app in
            var secrets: [String] = []
            for n in 0..<10 {
                let victimID = try await World(app).crime("SN/00002\(n)0/26").victims[0].victimID
                secrets.append(try await Self.trackLink(app, victimID))
            }
            // Four wrong answers at each of ten links: under every link's own limit, over the address's.
            let statuses = try await Self.burst(
                app, secrets.flatMap { Array(repeating: ("/track/\($0)/verify", Self.wrong), count: 4) })
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 20)
            #expect(statuses.filter { $0 == .unprocessableEntity }.count == 20)
        }
    }

    @Test func locksLengthenAndTheOfficerIsToldWhenTheyRepeat() async throws {
        try await withTestApp { app in
            let victimID = try await World(app).crime("SN/0000301/26").victims[0].victimID
            let secret = try await Self.trackLink(app, victimID)
            let settings = app.config.links
            var now = Date()
            var locks: [Int] = []
            for _ in 0..<3 {
                for _ in 0..<settings.maxAttempts {
                    guard
                        case .valid(let link) = try await VictimLinkService.find(
                            secret: secret, purposes: [.track], on: app.db)
                    else { Issue.record("link not found"); return }
                    _ = try? await CaseAccess.verify(
                        link, .dateOfBirth("1990-01-01"), settings: settings, ip: "192.0.2.\(locks.count)", on: app.db,
                        now: now)
                }
                guard
                    case .valid(let link) = try await VictimLinkService.find(
                        secret: secret, purposes: [.track], on: app.db)
                else { Issue.record("link not found"); return }
                let until = try #require(link.lockedUntil)
                locks.append(Int((until.timeIntervalSince(now) / 60).rounded()))
                now = until.addingTimeInterval(1)
            }
            #expect(locks == [15, 30, 60])
            let told = try await CaseRequest.query(on: app.db).filter(\.$victim.$id == victimID)
                .filter(\.$kindCode == "link_locked").count()
            #expect(told == 2)
        }
    }
}
