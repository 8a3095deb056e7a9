import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// The survey's sample rules, workload against staffing, and who may see and change what on the dashboard.
@Suite struct SurveyWorkloadTests {
    static func sql(_ app: Application) -> any SQLDatabase { app.db as! any SQLDatabase }

    static func daysAgo(_ days: Int) -> String { Instant.format(Date().addingTimeInterval(-Double(days) * 86_400)) }

    @Test func theSampleKeepsEveryRuleAndTakesTheSameNumberFromEachStratum() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let db = Self.sql(app)
            var n = 0
            func victim(_ unit: CommandUnit? = nil, days: Int = 50, dob: String? = "1985-04-12") async throws -> UUID {
                n += 1
                let created = try await world.crime(
                    String(format: "SN/%07d/26", n), unit: unit, victim: ("V\(n)", "Test"), reported: Self.daysAgo(days)
                )
                try await db.raw(
                    "UPDATE persons SET date_of_birth = \(bind: dob) WHERE id = \(bind: created.victims[0].personID)"
                ).run()
                try await db.raw(
                    "UPDATE contact_points SET safe = \(bind: true) WHERE person_id = \(bind: created.victims[0].personID)"
                ).run()
                return created.victims[0].victimID
            }
            // Three in SN and one in CE reported 50 days (7 weeks) ago: eligible.
            let sn = [try await victim(), try await victim(), try await victim()]
            let ce = try await victim(world.ce)
            // Not eligible: too recent (3 weeks), too old (13 weeks), under 16, age unknown, opted out.
            let recent = try await victim(days: 21)
            let old = try await victim(days: 91)
            let child = try await victim(
                dob: Instant.format(Date().addingTimeInterval(-15 * 365 * 86_400)).prefix(10).description)
            let unknown = try await victim(dob: nil)
            let optedOut = try await victim()
            try await db.raw(
                "UPDATE persons SET messages_opt_out = \(bind: true) WHERE id = (SELECT person_id FROM victims WHERE id = \(bind: optedOut))"
            ).run()
            // No safe channel: eligible by date, passed over.
            let unsafe = try await victim()
            try await db.raw(
                "UPDATE contact_points SET safe = \(bind: false) WHERE person_id = (SELECT person_id FROM victims WHERE id = \(bind: unsafe))"
            ).run()
            let analyst = try await world.user("analyst", .forceAnalyst)
            let week = SurveyService.weekOf(London.date(of: Date()))
            // Two per stratum: two of SN's three (and never the unsafe one), CE's one.
            let wave = try #require(
                try await SurveyService.sample(
                    weekOf: week, perStratum: 2, links: .init(), context: world.context(analyst), on: app.db))
            #expect(wave.eligible == 5 && wave.invited == 3)
            let invited = try await FeedbackInvitation.query(on: app.db).filter(\.$sourceCode == "survey").all()
            let ids = Set(invited.map(\.$victim.id))
            #expect(ids.count == 3 && ids.contains(ce) && ids.subtracting(Set(sn)).count == 1)
            for excluded in [recent, old, child, unknown, optedOut, unsafe] { #expect(!ids.contains(excluded)) }
            // Each invitation is a message in the outbox, asked for by the system.
            let messages = try await OutboundMessage.query(on: app.db).filter(\.$purpose == "feedback")
                .filter(\.$victim.$id ~~ Array(ids)).all()
            #expect(messages.count == 3 && messages.allSatisfy { $0.statusCode == "queued" })
            // Once a week: the same week again takes nothing.
            #expect(
                try await SurveyService.sample(
                    weekOf: week, perStratum: 2, links: .init(), context: world.context(analyst), on: app.db) == nil)
            // Next week, those surveyed are left out for 12 months: only SN's third victim is left to invite.
            let next = try #require(
                try await SurveyService.sample(
                    weekOf: week.adding(days: 7), perStratum: 2, links: .init(), context: world.context(analyst),
                    on: app.db))
            #expect(next.eligible == 2 && next.invited == 1)
            // Bad sizes and the wrong role are refused.
            await #expect(throws: DomainError.self) {
                try await SurveyService.sample(
                    weekOf: week.adding(days: 14), perStratum: 0, links: .init(), context: world.context(analyst),
                    on: app.db)
            }
            let officer = try await world.user("pc.survey", .officer)
            await #expect(throws: DomainError.self) {
                try await SurveyService.sample(
                    weekOf: week.adding(days: 14), perStratum: 2, links: .init(), context: world.context(officer),
                    on: app.db)
            }
            // The answers page shows the response rate: none answered yet.
            let results = try await SurveyService.results(
                months: DashboardService.Window.current().latest, context: world.context(analyst), on: app.db)
            #expect(results.force.invited == 4 && results.force.answered == 0)
        }
    }

    /// A person who was the victim of two crimes in the survey's window is asked once, about the later crime,
    /// whichever of the two was recorded first (record ids are made in time order).
    @Test func aVictimOfTwoCrimesInTheWindowIsAskedAboutTheLaterOne() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let db = Self.sql(app)
            let earlier = try await world.crime(
                "SN/0000801/26", victim: ("Zainab", "Twice"), reported: Self.daysAgo(60))
            let later = try await world.crime("SN/0000802/26", victim: ("Zainab", "Twice"), reported: Self.daysAgo(45))
            let person = earlier.victims[0].personID
            try await db.raw(
                "UPDATE victims SET person_id = \(bind: person) WHERE id = \(bind: later.victims[0].victimID)"
            ).run()
            try await db.raw("UPDATE contact_points SET safe = \(bind: true) WHERE person_id = \(bind: person)").run()
            let analyst = try await world.user("analyst", .forceAnalyst)
            let wave = try #require(
                try await SurveyService.sample(
                    weekOf: SurveyService.weekOf(London.date(of: Date())), perStratum: 2, links: .init(),
                    context: world.context(analyst), on: app.db))
            #expect(wave.eligible == 1 && wave.invited == 1)
            let invited = try await FeedbackInvitation.query(on: app.db).filter(\.$sourceCode == "survey").all()
            #expect(invited.map(\.$victim.id) == [later.victims[0].victimID])
        }
    }

    @Test func workloadCountsTheTeamsCasesBesideTheStaffingItsLeadRecords() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let team = Team()
            team.$commandUnit.id = world.sn.id!
            team.name = "Community Safety Unit"
            team.kind = "csu"
            try await team.create(on: app.db)
            let officer = try await world.user("pc.csu", .officer)
            officer.$team.id = team.id
            try await officer.save(on: app.db)
            for i in 1...3 {
                try await world.crime(String(format: "SN/%07d/26", i), reported: Self.daysAgo(5), officer: officer)
            }
            let lead = try await world.user("lead.sn", .commandUnitLead)
            let month = YearMonth(London.date(of: Date()))
            try await WorkloadService.recordStaffing(
                team: team.id!, month: month.description, officers: "1.5", note: nil, context: world.context(lead),
                on: app.db)
            // Again for the same month: replaced, not added.
            try await WorkloadService.recordStaffing(
                team: team.id!, month: month.description, officers: "2", note: "one on leave",
                context: world.context(lead),
                on: app.db)
            #expect(try await TeamStaffing.query(on: app.db).count() == 1)
            let report = try await WorkloadService.report(
                unit: world.sn.id!, months: DashboardService.Window.current().latest, asOf: Date(),
                context: world.context(lead), on: app.db)
            let now = try #require(report.teams.first { $0.team.id == team.id })
            #expect(now.openCases == 3 && now.staffing == 2 && now.accounts == 1 && now.openObligations > 0)
            let thisMonth = try #require(report.months.first { $0.team.id == team.id && $0.month == month })
            #expect(thisMonth.openCases == 3 && thisMonth.staffing == 2)
            // Bad input is refused field by field; another unit's lead may not record for this team or see it.
            do {
                try await WorkloadService.recordStaffing(
                    team: team.id!, month: "March", officers: "-1", note: nil, context: world.context(lead), on: app.db)
                Issue.record("bad staffing was accepted")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["month", "officers"])
            }
            let otherLead = try await world.user("lead.ce", .commandUnitLead, unit: world.ce)
            await #expect(throws: DomainError.self) {
                try await WorkloadService.recordStaffing(
                    team: team.id!, month: month.description, officers: "3", note: nil,
                    context: world.context(otherLead), on: app.db)
            }
            await #expect(throws: DomainError.self) {
                try await WorkloadService.report(
                    unit: world.sn.id!, months: [month], asOf: Date(), context: world.context(otherLead), on: app.db)
            }
        }
    }

    @Test func theDashboardIsForThoseWhoLeadAndTheVictimsBehindAFigureStayInScope() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.crime("SN/0000001/26")
            try await world.user("pc.plain", .officer)
            try await world.user("lead.sn", .commandUnitLead)
            var officer = Browser(app)
            try await officer.signIn("pc.plain")
            #expect(try await officer.get("/dashboard").status == .forbidden)
            var lead = Browser(app)
            try await lead.signIn("lead.sn")
            let page = try await lead.get("/dashboard")
            #expect(page.status == .ok && page.body.string.contains("South"))
            // Every unit's figures, but the victims only for their own unit.
            #expect(try await lead.get("/dashboard/metrics/needs-assessment?unit=CE").status == .ok)
            #expect(try await lead.get("/dashboard/metrics/needs-assessment/victims?unit=SN&part=missed").status == .ok)
            #expect(try await lead.get("/dashboard/metrics/needs-assessment/victims?unit=CE").status == .forbidden)
            // Not traced back to victims: feedback answers.
            #expect(try await lead.get("/dashboard/metrics/feedback-satisfied/victims?unit=SN").status == .forbidden)
            // Bad input: a clear 4xx.
            #expect(try await lead.get("/dashboard/metrics/no-such-metric").status == .notFound)
            #expect(try await lead.get("/dashboard?unit=ZZ").status == .badRequest)
            #expect(
                try await lead.get("/dashboard/metrics/updates/victims?unit=SN&month=1999-01").status == .badRequest)
            #expect(try await lead.get("/dashboard?csv=no-such-table").status == .notFound)
            // Their own unit's target; not another unit's.
            _ = try await lead.get("/dashboard/metrics/needs-assessment?unit=SN")
            _ = try await lead.post("/dashboard/metrics/needs-assessment/target", [("unit", "SN"), ("target", "90")])
            #expect(try await MetricTarget.query(on: app.db).first()?.target == 0.9)
            _ = try await lead.post("/dashboard/metrics/needs-assessment/target", [("unit", "SN"), ("target", "150")])
            #expect(try await MetricTarget.query(on: app.db).first()?.target == 0.9)
            let refused = try await lead.post(
                "/dashboard/metrics/needs-assessment/target", [("unit", "CE"), ("target", "50")])
            let targets = try await MetricTarget.query(on: app.db).count()
            #expect(refused.status == .forbidden && targets == 1)
            // The target shows with its status in words.
            let detail = try await lead.get("/dashboard/metrics/needs-assessment?unit=SN")
            #expect(detail.body.string.contains("90.0%") && detail.body.string.contains("Off target"))
            // Each victim listed behind a figure is audited as seen, by the service that listed them.
            let seen = try await AuditEntry.query(on: app.db).filter(\.$action == "view")
                .filter(\.$recordType == "person").all().filter { $0.summary.hasPrefix("behind dashboard figure") }
            #expect(!seen.isEmpty && seen.allSatisfy { $0.summary.contains("unit \(world.sn.id!)") })
        }
    }

    @Test func aTrialAllocatesNewEligibleVictimsAtRandomAndComparesTheArms() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let analyst = try await world.user("analyst", .forceAnalyst)
            let group = try #require(try await Offence.query(on: app.db).filter(\.$code == "049/00").first()).group
            // Bad input is refused field by field.
            do {
                _ = try await TrialService.create(
                    .init(
                        name: "", practice: "Call back", offenceGroup: "No such group", unit: "ZZ", practiceShare: "0",
                        usualShare: "x"),
                    context: world.context(analyst), on: app.db)
                Issue.record("a bad trial was accepted")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["name", "offenceGroup", "unit", "practiceShare", "usualShare"])
            }
            let trial = try await TrialService.create(
                .init(
                    name: "Call-back", practice: "A call-back within 2 working days", offenceGroup: group, unit: "SN",
                    practiceShare: "1", usualShare: "1"), context: world.context(analyst), on: app.db)
            var eligible: [UUID] = []
            for i in 1...30 {
                eligible.append(
                    try await world.crime(String(format: "SN/%07d/26", i), victim: ("V\(i)", "Test")).victims[0]
                        .victimID)
            }
            // Another unit, and another offence group: not in the trial.
            let elsewhere = try await world.crime("CE/0000099/26", unit: world.ce).victims[0].victimID
            let otherGroup = try #require(try await Offence.query(on: app.db).filter(\.$group != group).first())
            let otherOffence = try await world.crime("SN/0000098/26", offence: otherGroup.code).victims[0].victimID
            let allocations = try await TrialAllocation.query(on: app.db).all()
            #expect(Set(allocations.map(\.$victim.id)) == Set(eligible))
            #expect(!allocations.contains { [elsewhere, otherOffence].contains($0.$victim.id) })
            let practice = allocations.filter { $0.arm == "practice" }.map(\.$victim.id)
            let usual = allocations.filter { $0.arm == "usual" }.map(\.$victim.id)
            #expect(!practice.isEmpty && !usual.isEmpty)
            // The practice arm all satisfied and none withdrew; usual care all dissatisfied and all withdrew.
            let officer = try await world.user("pc.trial", .officer)
            for (victims, score) in [(practice, 5), (usual, 2)] {
                for victim in victims {
                    let invitation = FeedbackInvitation()
                    invitation.$victim.id = victim
                    invitation.sourceCode = "contact"
                    invitation.sourceID = UUID()
                    invitation.officerName = "PC Trial"
                    invitation.commandUnitID = world.sn.id!
                    invitation.channelCode = "qr"
                    invitation.createdAt = Date()
                    invitation.expiresAt = Date().addingTimeInterval(86_400)
                    try await invitation.create(on: app.db)
                    let response = FeedbackResponse()
                    response.$invitation.id = invitation.id!
                    response.submittedAt = Date()
                    response.satisfaction = score
                    response.fairAndRespectful = "yes"
                    response.keptInformed = "yes"
                    response.understoodNext = "yes"
                    response.language = "en"
                    try await response.create(on: app.db)
                }
            }
            for victim in usual {
                _ = try await VictimService.recordAction(
                    victimID: victim, kind: "withdrew_support", context: world.context(officer), on: app.db)
            }
            let report = try await TrialService.report(trial, context: world.context(analyst), on: app.db)
            #expect(report.arms[0].allocated == practice.count && report.arms[1].allocated == usual.count)
            #expect(report.arms[0].satisfaction == Tally(numerator: practice.count, denominator: practice.count))
            #expect(report.arms[1].satisfaction == Tally(numerator: 0, denominator: usual.count))
            #expect(report.arms[1].withdrawals == Tally(numerator: usual.count, denominator: usual.count))
            #expect(report.satisfactionDifference?.difference == 1 && report.withdrawalDifference?.difference == -1)
            // The ratio decides the arm: 3 to 1, draws 0–2 are the practice and 3 usual care.
            let ratio = try await TrialService.create(
                .init(
                    name: "Three to one", practice: "Visit", offenceGroup: nil, unit: nil, practiceShare: "3",
                    usualShare: "1"),
                context: world.context(analyst), on: app.db)
            try await TrialService.close(trial.id!, context: world.context(analyst), on: app.db)
            let crime = try #require(try await Crime.query(on: app.db).first())
            for (draw, arm) in [(2, "practice"), (3, "usual")] {
                let victim = try await world.crime("SN/00001\(draw)0/26").victims[0].victimID
                try await TrialAllocation.query(on: app.db).filter(\.$victim.$id == victim).delete()
                try await TrialService.allocate(victimID: victim, crime: crime, on: app.db, random: { _ in draw })
                let made = try await TrialAllocation.query(on: app.db).filter(\.$victim.$id == victim).all()
                #expect(made.count == 1 && made[0].arm == arm && made[0].$trial.id == ratio.id)
            }
            // The closed trial took nobody new; an officer may not start one.
            #expect(try await TrialAllocation.query(on: app.db).filter(\.$trial.$id == trial.id!).count() == 30)
            await #expect(throws: DomainError.self) {
                _ = try await TrialService.create(
                    .init(
                        name: "No", practice: "No", offenceGroup: nil, unit: nil, practiceShare: "1", usualShare: "1"),
                    context: world.context(officer), on: app.db)
            }
        }
    }
}
