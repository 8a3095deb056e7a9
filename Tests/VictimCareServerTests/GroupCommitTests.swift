import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VictimCareDomain

@testable import VictimCareServer

/// Issue 17: crimes recorded at the same moment through the web form or the API are written together, one
/// transaction for many requests (`GroupCommit`, `CrimeService.Writer`). Each request gets its own crime back, only
/// once it is committed, and a reference taken by another request fails only the request that used it.
@Suite struct GroupCommitTests {
    /// A database error that is a broken constraint, as a driver reports one.
    struct Taken: Error, DatabaseError {
        var isSyntaxError: Bool { false }
        var isConstraintFailure: Bool { true }
        var isConnectionClosed: Bool { false }
    }
    struct Gone: Error, DatabaseError {
        var isSyntaxError: Bool { false }
        var isConstraintFailure: Bool { false }
        var isConnectionClosed: Bool { true }
    }

    /// A value the database refuses (not a broken constraint): one caller's data, not the database's failure.
    struct Refused: Error {}

    /// Records what each write was given.
    actor Log {
        var batches: [[Int]] = []
        func add(_ batch: [Int]) { batches.append(batch) }
    }

    /// Holds writes until the test has every caller queued behind the first.
    actor Gate {
        private var open = false
        private var held: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if open { return }
            await withCheckedContinuation { held.append($0) }
        }
        func release() {
            open = true
            for waiter in held { waiter.resume() }
            held = []
        }
    }

    /// Waits (up to 30 s) until `condition` holds; whether it did.
    @discardableResult
    static func eventually(_ condition: () async -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while !(await condition()) {
            guard Date() < deadline else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Holds every write to the database (SQLite's write lane; PostgreSQL's crimes table locked against inserts)
    /// until `ready`, so the requests made meanwhile queue behind the first.
    static func holdingWrites(_ app: Application, until ready: @escaping @Sendable () async -> Bool) async throws {
        try await app.db.transaction { tx in
            if TestDatabase.isPostgres {
                try await (tx as! any SQLDatabase).raw("LOCK TABLE crimes IN EXCLUSIVE MODE").run()
            }
            let reached = try await eventually(ready)
            #expect(reached, "the callers did not all reach the writer within 30 s")
        }
    }

    /// Submits `count` items at once while the first write is held until every caller has submitted; each caller's
    /// output or error.
    static func submitTogether<Output: Sendable>(
        _ count: Int, to group: GroupCommit<Int, Output>, gate: Gate
    ) async throws -> [Int: Result<Output, any Error>] {
        try await withThrowingTaskGroup(of: (Int, Result<Output, any Error>).self) { tasks in
            for n in 0..<count {
                tasks.addTask {
                    do {
                        return (n, .success(try await group.submit(n)))
                    } catch {
                        return (n, .failure(error))
                    }
                }
            }
            let reached = try await eventually { await group.pending == count }
            #expect(reached, "the callers did not all reach the group within 30 s")
            await gate.release()
            return try await tasks.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    @Test func callersWhoArriveDuringAWriteShareTheNextAndEachGetsItsOwnResult() async throws {
        try await withTestApp { app in
            let log = Log()
            let gate = Gate()
            let group = GroupCommit<Int, String>(maxWeight: 10, database: { app.db }) { items, _ in
                await gate.wait()
                await log.add(items)
                return items.map { "item \($0)" }
            }
            let results = try await Self.submitTogether(50, to: group, gate: gate)
            for n in 0..<50 { #expect(try results[n]?.get() == "item \(n)") }
            let batches = await log.batches
            #expect(batches.flatMap { $0 }.sorted() == Array(0..<50), "each item written once")
            // The first write took whoever had come (it started at once), the rest queued behind it: ten at most to a
            // write, every write but the last full.
            #expect(batches.count <= 6, "\(batches.map(\.count))")
            #expect(batches.allSatisfy { $0.count <= 10 })
            #expect(batches.dropFirst().dropLast().allSatisfy { $0.count == 10 }, "\(batches.map(\.count))")
            #expect(await group.writes == batches.count)
        }
    }

    @Test func oneCallersBadDataFailsOnlyThatCaller() async throws {
        try await withTestApp { app in
            // Item 3 breaks a constraint and item 5 holds a value the database refuses, alone or with others.
            let gate = Gate()
            let group = GroupCommit<Int, Int>(maxWeight: 100, database: { app.db }) { items, _ in
                await gate.wait()
                if items.contains(3) { throw Taken() }
                if items.contains(5) { throw Refused() }
                return items.map { $0 * 2 }
            }
            let results = try await Self.submitTogether(10, to: group, gate: gate)
            for n in 0..<10 {
                switch (n, results[n]) {
                case (3, .failure(let error)): #expect(error is Taken)
                case (5, .failure(let error)): #expect(error is Refused)
                case (_, .success(let output)): #expect(output == n * 2 && n != 3 && n != 5)
                default: Issue.record("item \(n): \(String(describing: results[n]))")
                }
            }
        }
    }

    @Test func aFailureOfTheDatabaseFailsEveryCallerWaitingWithoutTryingEachAgain() async throws {
        try await withTestApp { app in
            let log = Log()
            let gate = Gate()
            let group = GroupCommit<Int, Int>(maxWeight: 4, database: { app.db }) { items, _ in
                await gate.wait()
                await log.add(items)
                throw Gone()
            }
            let results = try await Self.submitTogether(10, to: group, gate: gate)
            #expect(results.count == 10)
            for n in 0..<10 {
                if case .failure(let error) = results[n] { #expect(error is Gone) } else { Issue.record("item \(n)") }
            }
            // One attempt: the nine queued behind it fail with it rather than each waiting for the same answer.
            #expect((await log.batches).count == 1)
            #expect(await group.writes == 0)

            // The next caller starts afresh.
            let fine = GroupCommit<Int, Int>(maxWeight: 4, database: { app.db }) { items, _ in items }
            #expect(try await fine.submit(7) == 7)
        }
    }

    @Test func crimesRecordedAtOnceAreWrittenTogetherAndATakenReferenceFailsOnlyItsCaller() async throws {
        // The held write and the held first crime each keep a connection: the tests' pool of two an event loop
        // would leave the others' reads none on that loop.
        try await withTestApp({ $0.postgresPoolSize = 8 }) { app in
            let world = try await World(app)
            let officer = try await world.user("pc.group", .officer)
            let writer = CrimeService.Writer(database: { app.db })
            var context = world.context(officer)
            context.crimeWriter = writer
            let shared = context
            let reported = Date().addingTimeInterval(-3600)
            func draft(_ reference: String) -> CrimeDraft {
                var draft = CrimeDraft()
                draft.reference = reference
                draft.offenceCode = "049/00"
                draft.occurredFrom = Instant.format(reported.addingTimeInterval(-600))
                draft.reportedAt = Instant.format(reported)
                draft.channel = "online"
                draft.commandUnit = "SN"
                return draft
            }
            // Forty requests at once; two of them (7 and 8) use the same new reference. The database's writes are
            // held until all forty are with the writer, so both 7 and 8 pass the check for a reference already used,
            // and the one written second is refused by the database's constraint, in a write with others.
            let outcomes = try await withThrowingTaskGroup(of: (Int, UUID?).self) { tasks in
                for n in 0..<40 {
                    tasks.addTask { () async throws -> (Int, UUID?) in
                        let reference = n == 7 || n == 8 ? "SN/7799999/26" : "SN/77\(String(format: "%05d", n))/26"
                        let person = PersonDraft(
                            givenName: n.isMultiple(of: 2) ? "伟" : "محمد", familyName: "Group\(n)",
                            dateOfBirth: "1990-01-0\(n % 9 + 1)", email: "group\(n)@example.com", emailSafe: "yes")
                        do {
                            let created = try await CrimeService.create(
                                draft(reference), victims: [VictimDraft(person: person)], context: shared,
                                on: app.db)
                            // Committed, with the victim and what they are owed, by the time the call returns.
                            let victimID = try #require(created.victims.first?.victimID)
                            #expect(try await Crime.find(created.crime.id, on: app.db)?.reference == reference)
                            #expect(
                                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victimID).count()
                                    > 5)
                            return (n, created.crime.id)
                        } catch DomainError.conflict(let field, _) {
                            #expect(field == "reference")
                            return (n, nil)
                        }
                    }
                }
                try await Self.holdingWrites(app) { await writer.pending == 40 }
                return try await tasks.reduce(into: [Int: UUID?]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.count == 40)
            let refused = outcomes.filter { $0.value == nil }.map(\.key)
            #expect(refused.count == 1 && [7, 8].contains(refused.first ?? -1), "refused: \(refused)")
            #expect(try await Crime.query(on: app.db).count() == 39)
            #expect(try await Victim.query(on: app.db).count() == 39)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$recordType == "crime").count() == 39)

            // Two plans for one reference written together: the database reports a broken constraint (which is
            // what sends each request of a write to be tried again alone), and nothing of either is kept.
            let checked = try await CrimeService.check(draft("SN/7788888/26"), on: app.db)
            let settings = try await VictimsCodeConfig.currentAndOptOut(on: app.db)
            func plan() throws -> CrimeService.NewCrime {
                try CrimeService.NewCrime(
                    checked, victims: [], officerTeamID: nil, config: settings.config, optOutFrom: nil,
                    context: shared)
            }
            let twins = [try plan(), try plan()]
            do {
                _ = try await app.db.transaction { tx in try await CrimeService.NewCrime.write(twins, on: tx) }
                Issue.record("two crimes with one reference were written")
            } catch let error as any DatabaseError {
                #expect(error.isConstraintFailure, "\(error)")
            }
            #expect(try await Crime.query(on: app.db).filter(\.$reference == "SN/7788888/26").count() == 0)
            #expect(try await Crime.query(on: app.db).count() == 39)
        }
    }
}
