import Fluent
import Foundation
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

    /// Records what each write was given.
    actor Log {
        var batches: [[Int]] = []
        func add(_ batch: [Int]) { batches.append(batch) }
    }

    @Test func callersWhoArriveDuringAWriteShareTheNextAndEachGetsItsOwnResult() async throws {
        try await withTestApp { app in
            let log = Log()
            let group = GroupCommit<Int, String>(maxWeight: 10) { items, _ in
                await log.add(items)
                try await Task.sleep(for: .milliseconds(20))
                return items.map { "item \($0)" }
            }
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for n in 0..<50 {
                    tasks.addTask {
                        let output = try await group.submit(n, on: app.db)
                        #expect(output == "item \(n)")
                    }
                }
                try await tasks.waitForAll()
            }
            let batches = await log.batches
            #expect(batches.flatMap { $0 }.sorted() == Array(0..<50), "each item written once")
            #expect(batches.count < 50, "\(batches.count) writes for 50 callers")
            #expect(batches.allSatisfy { $0.count <= 10 }, "no write over the most weight")
            #expect(await group.writes == batches.count)
        }
    }

    @Test func aBrokenConstraintFailsOnlyItsOwnCallerAndAnyOtherFailureFailsTheWrite() async throws {
        try await withTestApp { app in
            // Item 3 breaks a constraint whenever it is written, alone or with others.
            let group = GroupCommit<Int, Int>(maxWeight: 100) { items, _ in
                try await Task.sleep(for: .milliseconds(20))
                if items.contains(3) { throw Taken() }
                return items.map { $0 * 2 }
            }
            let results = try await withThrowingTaskGroup(of: (Int, Bool).self) { tasks in
                for n in 0..<10 {
                    tasks.addTask { () async throws -> (Int, Bool) in
                        do {
                            #expect(try await group.submit(n, on: app.db) == n * 2)
                            return (n, true)
                        } catch is Taken {
                            return (n, false)
                        }
                    }
                }
                return try await tasks.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(results.count == 10)
            #expect(results.filter { !$0.value }.map(\.key) == [3])

            // Anything else (the database gone) fails every caller of that write, as it would have alone.
            let failing = GroupCommit<Int, Int>(maxWeight: 100) { _, _ in throw Gone() }
            await #expect(throws: Gone.self) { _ = try await failing.submit(1, on: app.db) }
        }
    }

    @Test func crimesRecordedAtOnceAreWrittenTogetherAndATakenReferenceFailsOnlyItsCaller() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.group", .officer)
            let writer = CrimeService.Writer()
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
            // Forty requests at once; two of them (7 and 8) use the same new reference.
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
                            // Both checked before either was written: the second is refused by the constraint.
                            #expect(field == "reference")
                            return (n, nil)
                        } catch DomainError.invalid(let errors) {
                            // The first was written before the second was checked.
                            #expect(errors.map(\.field) == ["reference"])
                            return (n, nil)
                        }
                    }
                }
                return try await tasks.reduce(into: [Int: UUID?]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes.count == 40)
            let refused = outcomes.filter { $0.value == nil }.map(\.key)
            #expect(refused.count == 1 && [7, 8].contains(refused.first ?? -1), "refused: \(refused)")
            #expect(try await Crime.query(on: app.db).count() == 39)
            #expect(try await Victim.query(on: app.db).count() == 39)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$recordType == "crime").count() == 39)
            let transactions = await writer.transactions
            #expect(transactions < 40, "written together: \(transactions) transactions for 40 requests")

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
