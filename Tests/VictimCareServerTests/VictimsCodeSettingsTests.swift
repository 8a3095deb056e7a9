import Fluent
import Foundation
import Logging
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct VictimsCodeSettingsTests {
    @Test func aNewLimitFromADateIsAppliedByTheBackgroundRecompute() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.user("root.admin", .administrator)
            let created = try await world.crime("SN/0000001/26")
            let victim = created.victims[0].victimID
            let arrested = Date().addingTimeInterval(-3600)
            _ = try await CaseEventService.record(
                crimeID: created.crime.id!, type: "suspect_arrested", at: Instant.format(arrested), source: "test",
                context: .system, on: app.db)
            let before = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R9")
                    .first())
            var admin = Browser(app)
            try await admin.signIn("root.admin")
            #expect(try await admin.get("/admin/victims-code").status == .ok)
            let bad = try await admin.post(
                "/admin/victims-code/policy",
                [("effectiveFrom", ""), ("note", "x"), ("R9-suspect_arrested-standard", "-1")])
            #expect(bad.status == .unprocessableEntity)
            let yesterday = London.date(of: Date()).adding(days: -1).description
            let saved = try await admin.post(
                "/admin/victims-code/policy",
                [
                    ("effectiveFrom", yesterday), ("note", "Arrest updates within 2 working days"),
                    ("R9-suspect_arrested-standard", "2"),
                    ("updateIntervalDays", "28"), ("persistentThreshold", "3"),
                ])
            #expect(saved.status == .seeOther)
            let job = try #require(try await RecomputeJob.query(on: app.db).first())
            #expect(job.state == "queued")
            let ran = try await RecomputeService.runNext(on: app.db, logger: Logger(label: "test"))
            #expect(ran?.state == "done")
            #expect(ran?.done == 1)
            let after = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R9")
                    .first())
            let expected = WorkingDayCalendar().adding(workingDays: 2, to: London.date(of: arrested)).description
            #expect(after.dueDate == expected)
            #expect(before.dueDate != after.dueDate)
            #expect(try await admin.get("/admin/victims-code").body.string.contains("1 of 1 victims"))
        }
    }

    @Test func aCalendarChangeMovesDeadlines() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let created = try await world.crime("SN/0000001/26")
            let victim = created.victims[0].victimID
            let r16 = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R16")
                    .first())
            // Make the last working day before the deadline a holiday: the deadline moves one working day later.
            let due = LocalDate(r16.dueDate)!
            try await PolicyService.addCalendarOverride(
                date: due.description, holiday: "yes", name: "Extra holiday by proclamation", context: .system,
                on: app.db)
            _ = try await RecomputeService.runNext(on: app.db, logger: Logger(label: "test"))
            let moved = try #require(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(\.$code == "R16")
                    .first())
            #expect(LocalDate(moved.dueDate)! > due)
            await #expect(throws: DomainError.self) {
                try await PolicyService.addCalendarOverride(
                    date: due.description, holiday: "no", name: "again", context: .system, on: app.db)
            }
        }
    }

    @Test func onlyOneNodeClaimsAJob() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            for n in 1...3 { try await world.crime("SN/000000\(n)/26") }
            try await RecomputeService.enqueue(reason: "test", context: .system, on: app.db)
            async let first = RecomputeService.runNext(on: app.db, logger: Logger(label: "a"))
            async let second = RecomputeService.runNext(on: app.db, logger: Logger(label: "b"))
            let results = try await [first, second]
            #expect(results.compactMap { $0 }.count == 1)
            #expect(try await RecomputeJob.query(on: app.db).first()?.done == 3)
        }
    }

    @Test func recomputeNeverChangesWhatIsAlreadyRight() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            for n in 1...5 { try await world.crime("SN/000000\(n)/26") }
            let ids = try await Victim.query(on: app.db).all().compactMap(\.id)
            #expect(try await RecomputeService.recomputeBatch(ids, on: app.db).rows == 0)
            try await (app.db as! any SQLDatabase).raw("DELETE FROM obligations WHERE code = 'R4'").run()
            // Rows changed behind the application's back are not noticed by fingerprint, only when verifying.
            #expect(try await RecomputeService.recomputeBatch(ids, on: app.db).rows == 0)
            #expect(try await RecomputeService.recomputeBatch(ids, verify: true, on: app.db).rows == 5)
            #expect(try await ObligationRecord.query(on: app.db).filter(\.$code == "R4").count() == 5)
        }
    }
}

@Suite struct RecomputeConcurrencyTests {
    @Test func aRecomputeRunningWhileOfficersWorkLeavesEveryObligationRight() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            var victims: [UUID] = []
            for n in 1...24 {
                victims.append(try await world.crime(String(format: "SN/%07d/26", n)).victims[0].victimID)
                _ = try await CaseEventService.record(
                    crimeID: try await Victim.find(victims.last, on: app.db)!.$crime.id, type: "suspect_arrested",
                    at: Instant.format(Date().addingTimeInterval(-3600)), source: "test", context: .system, on: app.db)
            }
            try await RecomputeService.enqueue(reason: "test", context: .system, on: app.db)
            async let job = RecomputeService.runNext(
                on: app.db, lanes: app.databaseLanes, logger: Logger(label: "test"))
            for victim in victims {
                try await world.spokeTo(victim)
            }
            #expect(try await job?.state == "done")
            // Whatever the interleaving, what is stored is what the facts say.
            #expect(try await RecomputeService.recomputeBatch(victims, verify: true, on: app.db).rows == 0)
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$code == "R9").filter(\.$state == "met").count()
                    == 24)
        }
    }
}
