import Fluent
import FluentSQLiteDriver
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 17, SQLite's one writer lane: writers of one process queue in the lane, not inside SQLite (where a
/// waiter holds a pool thread), and transactions begin `IMMEDIATE`, so one that reads before it writes never
/// fails because another committed meanwhile.
@Suite struct WriteLaneTests {
    private static func withFileApp(_ body: (String) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "vc-lane-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try await body(path)
    }

    /// One database per event loop: each loop has its own connection.
    private static func perLoop(_ app: Application) throws -> [any SQLDatabase] {
        try app.eventLoopGroup.makeIterator().map {
            try #require(app.databases.database(.sqlite, logger: app.logger, on: $0) as? any SQLDatabase)
        }
    }

    /// How long every connection of `app`, reading and writing, waits inside SQLite for another's write lock.
    private static func setBusyTimeout(_ app: Application, milliseconds: Int) async throws {
        for sql in try perLoop(app) {
            for connection in (sql as? LanedSQLiteDatabase)?.connections ?? [sql] {
                try await connection.raw("PRAGMA busy_timeout=\(unsafeRaw: String(milliseconds))").run()
            }
        }
    }

    /// Runs `body` while a second app on the same file (another process: an import beside the server) holds
    /// SQLite's write lock in an open transaction; the lock is let go when `body` ends.
    private static func whileAnotherProcessHoldsTheLock(path: String, _ body: () async throws -> Void)
        async throws
    {
        try await withTestApp({ $0.database = .sqlite(path: path) }) { command in
            try await command.asyncBoot()
            let gate = Gate()
            let holding = Task {
                try await command.db.transaction { tx in
                    try await (tx as! any SQLDatabase).raw("UPDATE crimes SET summary = summary WHERE 0").run()
                    try await gate.wait()
                }
            }
            let lane = try #require((command.db as? LanedSQLiteDatabase)?.lane)
            while !lane.isHeld { try await Task.sleep(for: .milliseconds(1)) }
            try await Task.sleep(for: .milliseconds(20))
            do {
                try await body()
            } catch {
                gate.open()
                _ = try? await holding.value
                throw error
            }
            gate.open()
            try await holding.value
        }
    }

    /// A booted app on a file of its own, and its SQLite database on one event loop.
    private static func onOneLoop(_ body: (LanedSQLiteDatabase) async throws -> Void) async throws {
        try await withFileApp { path in
            try await withTestApp({ $0.database = .sqlite(path: path) }) { app in
                try await app.asyncBoot()
                try await body(
                    try #require(
                        app.databases.database(.sqlite, logger: app.logger, on: app.eventLoopGroup.next())
                            as? LanedSQLiteDatabase))
            }
        }
    }

    private static func count(_ sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT count(*) AS n FROM lane_probe").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    /// With SQLite told not to wait at all (`busy_timeout` 0: a second writer inside SQLite fails at once with
    /// "database is locked"), a slow transaction on one connection and writes of every kind on the other all
    /// succeed, in turn. Before the lane the first write on the other connection failed.
    @Test func writersWaitInTheLaneNotInSQLite() async throws {
        guard !TestDatabase.isPostgres else { return }
        try await Self.withFileApp { path in
            try await withTestApp({ $0.database = .sqlite(path: path) }) { app in
                try await app.asyncBoot()
                let loops = try Self.perLoop(app)
                try #require(loops.count >= 2, "two event loops, two connections")
                try await Self.setBusyTimeout(app, milliseconds: 0)
                let (first, second) = (loops[0], loops[1])
                try await first.raw("CREATE TABLE lane_probe (n INTEGER NOT NULL, note TEXT)").run()

                let slow = Task {
                    try await (first as! any Database).transaction { tx in
                        let sql = tx as! any SQLDatabase
                        try await sql.raw("INSERT INTO lane_probe (n) VALUES (1)").run()
                        try await Task.sleep(for: .milliseconds(300))
                        try await sql.raw("INSERT INTO lane_probe (n) VALUES (2)").run()
                    }
                }
                try await Task.sleep(for: .milliseconds(60))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<6 {
                        // Single statements: raw SQL, SQLKit's builder, and the driver's own query.
                        group.addTask {
                            switch i % 3 {
                            case 0: try await second.raw("INSERT INTO lane_probe (n) VALUES (\(bind: 10 + i))").run()
                            case 1:
                                try await second.insert(into: "lane_probe").columns("n").values(SQLBind(10 + i)).run()
                            default:
                                _ = try await (second as! any SQLiteDatabase).query(
                                    "INSERT INTO lane_probe (n) VALUES (?)", [.integer(10 + i)])
                            }
                        }
                    }
                    for i in 0..<4 {
                        // Transactions that read first, then write what they read.
                        group.addTask {
                            try await (second as! any Database).transaction { tx in
                                let sql = tx as! any SQLDatabase
                                let seen = try await Self.count(sql)
                                try await sql.raw(
                                    "INSERT INTO lane_probe (n, note) VALUES (\(bind: 100 + i), \(bind: "saw \(seen)"))"
                                ).run()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                try await slow.value
                #expect(try await Self.count(second) == 12)
                let lane = try #require((first as? LanedSQLiteDatabase)?.lane)
                #expect(lane.queuedHighWater >= 1, "the writers queued in the lane")
            }
        }
    }

    /// Two processes on one file (two apps, two lanes) meet only in SQLite's own busy handler: twenty
    /// transactions that each read a counter and write it plus one leave it at twenty. A deferred transaction
    /// that read before the other committed could not write (`SQLITE_BUSY_SNAPSHOT`).
    @Test func transactionsThatReadFirstSerializeAcrossProcesses() async throws {
        guard !TestDatabase.isPostgres else { return }
        try await Self.withFileApp { path in
            try await withTestApp({ $0.database = .sqlite(path: path) }) { one in
                try await one.asyncBoot()
                try await withTestApp({ $0.database = .sqlite(path: path) }) { two in
                    try await two.asyncBoot()
                    let setup = one.db as! any SQLDatabase
                    try await setup.raw("CREATE TABLE lane_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)").run()
                    try await setup.raw("INSERT INTO lane_counter (id, n) VALUES (1, 0)").run()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for i in 0..<20 {
                            let app = i % 2 == 0 ? one : two
                            group.addTask {
                                try await app.db.transaction { tx in
                                    let sql = tx as! any SQLDatabase
                                    let n =
                                        try await sql.raw("SELECT n FROM lane_counter WHERE id = 1").first()?
                                        .decode(column: "n", as: Int.self) ?? 0
                                    try await Task.sleep(for: .milliseconds(5))
                                    try await sql.raw("UPDATE lane_counter SET n = \(bind: n + 1) WHERE id = 1").run()
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let n = try await setup.raw("SELECT n FROM lane_counter WHERE id = 1").first()?
                        .decode(column: "n", as: Int.self)
                    #expect(n == 20)
                }
            }
        }
    }

    /// Another process holding SQLite's write lock past the busy timeout (an import run beside the server): the
    /// request is told 503 "busy, try again" with nothing saved (not 500), and the same request sent again once
    /// the lock is free is recorded, once.
    @Test func anotherProcessHoldingTheLockIsAnsweredBusyAndTheRetryWorks() async throws {
        guard !TestDatabase.isPostgres else { return }
        try await Self.withFileApp { path in
            try await withTestApp({ $0.database = .sqlite(path: path) }) { server in
                try await server.asyncBoot()
                let headers = try await World(server).token()
                try await Self.setBusyTimeout(server, milliseconds: 100)
                try await Self.whileAnotherProcessHoldsTheLock(path: path) {
                    try await server.testing().test(
                        .POST, "/api/v1/crimes", headers: headers, body: CrimesAPIControllerTests.body()
                    ) { res in
                        #expect(res.status == .serviceUnavailable)
                        #expect(res.headers.first(name: "Retry-After") == "2")
                        #expect(res.body.string.contains("Nothing was saved"))
                    }
                }
                #expect(try await Crime.query(on: server.db).count() == 0)
                try await server.testing().test(
                    .POST, "/api/v1/crimes", headers: headers, body: CrimesAPIControllerTests.body()
                ) { res in
                    #expect(res.status == .created)
                }
                #expect(try await Crime.query(on: server.db).count() == 1)
            }
        }
    }

    /// The same on the web: the officer's form comes back on the busy page, every field as typed (long text in
    /// several scripts, quotes and angle brackets included), with a button to send it again; sending it again once
    /// the lock is free records the crime once, as typed.
    @Test func aBusyWebFormIsKeptToSendAgain() async throws {
        guard !TestDatabase.isPostgres else { return }
        try await Self.withFileApp { path in
            try await withTestApp({ $0.database = .sqlite(path: path) }) { server in
                try await server.asyncBoot()
                try await World(server).user("pc.hart", .officer)
                var browser = Browser(server)
                try await browser.signIn("pc.hart")
                try await browser.get("/crimes/new")
                let summary =
                    String(
                        repeating: "Fatima Begum — فاطمة بيغوم — 王秀英 — Ольга; \"quoted\" <b>not bold</b> & more. ",
                        count: 40)
                let form = CrimesControllerTests.validForm.map { $0.0 == "summary" ? ($0.0, summary) : $0 }
                try await Self.setBusyTimeout(server, milliseconds: 100)
                var page = ""
                try await Self.whileAnotherProcessHoldsTheLock(path: path) {
                    let refused = try await browser.post("/crimes", form)
                    #expect(refused.status == .serviceUnavailable)
                    page = refused.body.string
                }
                #expect(page.contains("Nothing was saved"))
                #expect(page.contains("<form method=\"post\" action=\"/crimes\">"))
                #expect(!page.contains("<b>not bold</b>"), "typed text is escaped, not markup")
                // The resend form's own fields (the page's other forms, such as signing out, are not part of it).
                let resendForm = try #require(
                    page.firstRange(of: "<form method=\"post\" action=\"/crimes\">").map {
                        String(page[$0.lowerBound...])
                    }
                    .flatMap { form in form.firstRange(of: "</form>").map { String(form[..<$0.upperBound]) } })
                let kept = Self.hiddenFields(resendForm)
                #expect(kept.filter { $0.0 != "_csrf" }.map { "\($0.0)=\($0.1)" } == form.map { "\($0.0)=\($0.1)" })
                #expect(try await Crime.query(on: server.db).count() == 0)
                let sent = try await browser.post("/crimes", kept, withCSRF: false)
                #expect(sent.status == .seeOther)
                let crimes = try await Crime.query(on: server.db).all()
                #expect(crimes.count == 1)
                #expect(crimes.first?.summary == summary.trimmingCharacters(in: .whitespaces))
            }
        }
    }

    /// What the busy page keeps: a URL-encoded form's fields in order, repeated names and encoded text decoded;
    /// never a form carrying a password, a multipart upload, or anything but a POST.
    @Test func onlyPlainFormsWithoutPasswordsAreKept() async throws {
        try await withTestApp { app in
            func request(_ method: HTTPMethod, _ body: String, type: HTTPMediaType = .urlEncodedForm) -> Request {
                var headers = HTTPHeaders()
                headers.contentType = type
                return Request(
                    application: app, method: method, url: "/crimes", headers: headers,
                    collectedBody: ByteBuffer(string: body), on: app.eventLoopGroup.next())
            }
            let kept = AppErrorMiddleware.formFields(
                of: request(
                    .POST, "flags%5B%5D=a&flags%5B%5D=b&summary=two+words%20%26%20%D0%9E%D0%BB%D1%8C%D0%B3%D0%B0&empty="
                ))
            #expect(kept?.map(\.name) == ["flags[]", "flags[]", "summary", "empty"])
            #expect(kept?.map(\.value) == ["a", "b", "two words & Ольга", ""])
            #expect(AppErrorMiddleware.formFields(of: request(.POST, "username=a&password=secret")) == nil)
            #expect(AppErrorMiddleware.formFields(of: request(.POST, "newPassphrase=secret")) == nil)
            #expect(AppErrorMiddleware.formFields(of: request(.GET, "summary=x")) == nil)
            #expect(AppErrorMiddleware.formFields(of: request(.POST, "summary=x", type: .formData)) == nil)
            #expect(AppErrorMiddleware.formFields(of: request(.POST, "summary=%E0%A4%A")) == nil, "malformed: not kept")
        }
    }

    /// A page's hidden inputs, in order, with Leaf's escaping undone.
    static func hiddenFields(_ html: String) -> [(String, String)] {
        func unescape(_ text: String) -> String {
            text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
        let pattern = #/<input type="hidden" name="([^"]*)" value="([^"]*)">/#
        return html.matches(of: pattern).map { (unescape(String($0.output.1)), unescape(String($0.output.2))) }
    }

    /// PostgreSQL ends a deadlock by rolling one transaction back: that request is told 503 "busy, try again"
    /// (not 500); the other goes on.
    @Test func aDeadlockOnPostgreSQLIsAnsweredBusy() async throws {
        guard TestDatabase.isPostgres else { return }
        try await withTestApp { app in
            let sql = app.db as! any SQLDatabase
            try await sql.raw("CREATE TABLE lane_pair (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)").run()
            try await sql.raw("INSERT INTO lane_pair (id, n) VALUES (1, 0), (2, 0)").run()
            let locked = (Gate(), Gate())
            @Sendable func crossing(_ first: Int, _ mine: Gate, _ theirs: Gate) async -> (any Error)? {
                do {
                    try await app.db.transaction { tx in
                        let sql = tx as! any SQLDatabase
                        try await sql.raw("UPDATE lane_pair SET n = n + 1 WHERE id = \(bind: first)").run()
                        mine.open()
                        try await theirs.wait()
                        try await sql.raw("UPDATE lane_pair SET n = n + 1 WHERE id = \(bind: 3 - first)").run()
                    }
                    return nil
                } catch {
                    return error
                }
            }
            async let one = crossing(1, locked.0, locked.1)
            async let two = crossing(2, locked.1, locked.0)
            let failures = [await one, await two].compactMap { $0 }
            try #require(failures.count == 1, "PostgreSQL rolled back exactly one of the two")
            let mapped = AppErrorMiddleware.map(failures[0])
            #expect(mapped.status == .serviceUnavailable)
            #expect(mapped.headers.first(name: "Retry-After") == "1")
        }
    }

    /// A writer that waits longer than the lane's timeout gets 503 "busy", and the lane still serves the next.
    @Test func aWriterWaitingPastTheTimeoutIsToldBusy() async throws {
        let lane = WriteLane(timeout: .milliseconds(50))
        let gate = Gate()
        let holder = Task { try await lane.run { try await gate.wait() } }
        while !lane.isHeld { try await Task.sleep(for: .milliseconds(1)) }
        await #expect(throws: WriteLaneBusy.self) { try await lane.run {} }
        gate.open()
        try await holder.value
        let after = try await lane.run { 7 }
        #expect(after == 7)
        #expect(WriteLaneBusy().status == .serviceUnavailable)
        #expect(lane.isHeld == false)
    }

    /// Waiters are served in the order they came, each alone.
    @Test func theLaneIsFirstComeFirstServedAndExclusive() async throws {
        let lane = WriteLane(timeout: .seconds(60))
        let log = Log()
        let gate = Gate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await lane.run { try await gate.wait() } }
            while !lane.isHeld { try await Task.sleep(for: .milliseconds(1)) }
            for i in 0..<10 {
                group.addTask {
                    try await lane.run {
                        log.enter(i)
                        try await Task.sleep(for: .milliseconds(2))
                        log.leave()
                    }
                }
                while lane.waiting < i + 1 { try await Task.sleep(for: .milliseconds(1)) }
            }
            gate.open()
            try await group.waitForAll()
        }
        #expect(log.order == Array(0..<10))
        #expect(log.overlapped == false)
        #expect(lane.queuedHighWater == 10)
    }

    /// A writer cancelled while it waits leaves the queue and never runs; the lane goes on to the next.
    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let lane = WriteLane(timeout: .seconds(60))
        let gate = Gate()
        let ran = Log()
        let holder = Task { try await lane.run { try await gate.wait() } }
        while !lane.isHeld { try await Task.sleep(for: .milliseconds(1)) }
        let cancelled = Task { try await lane.run { ran.enter(1) } }
        while lane.waiting < 1 { try await Task.sleep(for: .milliseconds(1)) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(lane.waiting == 0)
        gate.open()
        try await holder.value
        try await lane.run { ran.enter(2) }
        #expect(ran.order == [2])
    }

    /// A write on an event loop whose reading connection is taken (a long read) does not wait for it: writes have
    /// connections of their own. (With one connection per loop, the write queued for it until the read ended.)
    @Test func aWriteDoesNotWaitForTheReadingConnection() async throws {
        guard !TestDatabase.isPostgres else { return }
        try await Self.onOneLoop { laned in
            try await laned.raw("CREATE TABLE lane_probe (n INTEGER NOT NULL, note TEXT)").run()
            let gate = Gate()
            let finished = Log()
            let reading = Task {
                try await laned.readingConnection { _ in
                    try await gate.wait()
                    finished.enter(1)
                }
            }
            try await Task.sleep(for: .milliseconds(20))
            let write = Task {
                try await laned.raw("INSERT INTO lane_probe (n) VALUES (1)").run()
                finished.enter(2)
            }
            // Up to ten seconds for the write, with the reading connection still taken.
            for _ in 0..<1000 where finished.order.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            gate.open()
            try await write.value
            try await reading.value
            #expect(finished.order == [2, 1], "the write finished while the reading connection was taken")
        }
    }

    /// The dashboard's aggregation reads on the loop's reports connection, not on its reading connection. On a
    /// database of 100,000 crimes that aggregation runs for about ten seconds; on the one reading connection every
    /// other read of its loop queued behind it, and the server's workers failed at boot with
    /// `ConnectionPoolTimeoutError`. Here the reports connection is held: the snapshot waits for it, and an
    /// ordinary read on the same loop finishes meanwhile. (With the snapshot reading on the reading connection, it
    /// finished while the reports connection was held.)
    @Test func aReportReadsOnAConnectionOfItsOwn() async throws {
        guard !TestDatabase.isPostgres else { return }
        try await Self.onOneLoop { laned in
            #expect(laned.connections.count == 3)
            let gate = Gate()
            let finished = Log()
            let holding = Task { try await laned.longReads.readingConnection { _ in try await gate.wait() } }
            try await Task.sleep(for: .milliseconds(20))
            let months = YearMonth.window(endingWith: YearMonth(year: 2025, month: 12), count: 24)
            let snapshot = Task {
                _ = try await ComplianceSnapshots.make(months: months, slot: 1, by: "test", on: laned)
                finished.enter(1)
            }
            let read = Task {
                _ = try await laned.raw("SELECT count(*) AS n FROM crimes").all()
                finished.enter(2)
            }
            for _ in 0..<1000 where finished.order.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            // Time for a snapshot that did not need the reports connection to finish.
            try await Task.sleep(for: .milliseconds(300))
            #expect(finished.order == [2], "the read finished, the snapshot waits for the reports connection")
            gate.open()
            try await holding.value
            try await snapshot.value
            try await read.value
            #expect(finished.order == [2, 1])
            // A transaction's reads stay on its own connection, where its writes are.
            try await laned.transaction { tx in
                let inside = try #require(tx as? LanedSQLiteDatabase)
                #expect(inside.longReads.holdsLane && inside.longReads.reports == nil)
            }
        }
    }

    @Test func statementsAreToldApart() {
        for read in [
            "SELECT 1", "  select * from x", "(SELECT 1) UNION (SELECT 2)", "EXPLAIN QUERY PLAN SELECT 1",
            "PRAGMA busy_timeout", "WITH t AS (SELECT 1) SELECT * FROM t", "VALUES (1)",
        ] {
            #expect(StatementKind.isRead(read), "\(read)")
        }
        for write in [
            "INSERT INTO x VALUES (1)", "UPDATE x SET a = 1", "DELETE FROM x", "PRAGMA busy_timeout=0",
            "WITH t AS (SELECT 1) UPDATE x SET a = 1", "CREATE TABLE x (a)", "BEGIN", "REPLACE INTO x VALUES (1)",
            "", "ANALYZE", "-- note\nINSERT INTO x VALUES (1)", "PRAGMA user_version(5)", "PRAGMA journal_mode(WAL)",
            "PRAGMA optimize", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA incremental_vacuum",
        ] {
            #expect(!StatementKind.isRead(write), "\(write)")
        }
    }
}

private final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var inside = 0
    private(set) var order: [Int] = []
    private(set) var overlapped = false

    func enter(_ i: Int) {
        lock.withLock {
            inside += 1
            if inside > 1 { overlapped = true }
            order.append(i)
        }
    }

    func leave() { lock.withLock { inside -= 1 } }
}

private final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false

    func open() { lock.withLock { isOpen = true } }

    func wait() async throws {
        while !lock.withLock({ isOpen }) { try await Task.sleep(for: .milliseconds(2)) }
    }
}
