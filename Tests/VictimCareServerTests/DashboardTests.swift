import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// The compliance dashboard against known data whose every figure was worked out by hand (in the comments), on
/// SQLite and on PostgreSQL: working-day deadlines that cross a month end, a report at 00:30 BST that belongs to
/// the next month, met exactly at the deadline and one second after, open and not yet due, waived.
@Suite struct DashboardTests {
    static let window = YearMonth.window(endingWith: YearMonth(year: 2025, month: 12), count: 24)
    static let asOf = Instant.parse("2025-12-15T12:00:00Z")!
    static let nov25 = YearMonth(year: 2025, month: 11)
    static let oct25 = YearMonth(year: 2025, month: 10)
    static let nov24 = YearMonth(year: 2024, month: 11)

    static func sql(_ app: Application) -> any SQLDatabase { app.db as! any SQLDatabase }

    /// The R6 (needs assessment) obligation of the victim of `crime`.
    static func r6(_ app: Application, _ created: CrimeService.CreatedCrime) async throws -> ObligationRecord {
        try #require(
            try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == created.victims[0].victimID)
                .filter(\.$code == "R6").first())
    }

    static func set(_ app: Application, _ o: ObligationRecord, state: String, metAt: Date? = nil) async throws {
        try await sql(app).raw(
            "UPDATE obligations SET state = \(bind: state), met_at = \(bind: metAt) WHERE id = \(bind: o.id!)"
        ).run()
    }

    struct Data {
        var a, b, c, d, e, f, g, h: CrimeService.CreatedCrime
    }

    /// The known force. Everything not named here is removed, so each figure below is countable by hand.
    static func build(_ app: Application) async throws -> (World, Data) {
        let world = try await World(app)
        let s = { (ref: String, unit: CommandUnit?, at: String, who: String) in
            try await world.crime(ref, unit: unit, victim: (who, "Test"), reported: at)
        }
        let data = Data(
            // Friday 31 Oct 2025 (GMT): the next working day is Monday 3 Nov, so R6 falls due in November.
            a: try await s("SN/0000001/25", nil, "2025-10-31T17:00:00Z", "Ava"),
            b: try await s("SN/0000002/25", nil, "2025-10-31T10:00:00Z", "Ben"),
            c: try await s("SN/0000003/25", nil, "2025-11-10T10:00:00Z", "Cal"),
            // Monday 15 Dec 09:00: due Tuesday 16 Dec, after the as-of moment; open, so not counted yet.
            d: try await s("SN/0000004/25", nil, "2025-12-15T09:00:00Z", "Dee"),
            e: try await s("CE/0000005/25", world.ce, "2025-11-05T10:00:00Z", "Eve"),
            f: try await s("SN/0000006/24", nil, "2024-11-12T10:00:00Z", "Fay"),
            g: try await s("SN/0000007/25", nil, "2025-11-20T10:00:00Z", "Gus"),
            // 23:30 UTC on 30 September is 00:30 BST on 1 October: an October report.
            h: try await s("SN/0000008/25", nil, "2025-09-30T23:30:00Z", "Hal"))
        let db = sql(app)
        try await db.raw("DELETE FROM obligations WHERE code <> 'R6'").run()
        try await db.raw("DELETE FROM victim_actions").run()
        try await db.raw("DELETE FROM contacts").run()
        // A met exactly at its deadline (on time), B one second after (late), C open and overdue, D open and not
        // yet due, E (CE) and F (a year earlier) on time, G waived, H (R6 due 1 Oct) on time.
        for (created, state, offset) in [
            (data.a, "met", 0.0), (data.b, "met", 1), (data.e, "met", -3600), (data.f, "met", -60),
            (data.h, "met", -10),
        ] {
            let o = try await r6(app, created)
            try await set(app, o, state: state, metAt: o.dueAt.addingTimeInterval(offset))
        }
        for created in [data.c, data.d] { try await set(app, try await r6(app, created), state: "open") }
        try await set(app, try await r6(app, data.g), state: "waived")
        // Enhanced rights: A only; referral consent asked: H only.
        try await db.raw("UPDATE victims SET enhanced = \(bind: false), referral_consent = 'not_asked'").run()
        try await db.raw("UPDATE victims SET enhanced = \(bind: true) WHERE id = \(bind: data.a.victims[0].victimID)")
            .run()
        try await db.raw("UPDATE victims SET referral_consent = 'yes' WHERE id = \(bind: data.h.victims[0].victimID)")
            .run()
        // The leaflet: A by email and by QR code, B printed; H by email twice (counted once).
        for (created, method) in [
            (data.a, "email"), (data.a, "QR code"), (data.b, "Printed copy"), (data.h, "email"), (data.h, "Email"),
        ] {
            try await VictimAction(
                victimID: created.victims[0].victimID, kind: "information_leaflet",
                at: Instant.parse("2025-11-01T10:00:00Z")!, method: method, note: nil, byUserID: nil, byName: "Test"
            ).create(on: app.db)
        }
        // Contacts in November for A: a call that counted, a voicemail, and an email (not an attempt to speak).
        for (method, outcome, ok) in [
            ("phone", "spoke_to_victim", true), ("phone", "voicemail_left", false),
            ("email", "written_update_sent", false),
        ] {
            try await db.raw(
                """
                INSERT INTO contacts (id, victim_id, at, direction, method, outcome, identity_verified, welfare_checked,
                  safe_to_speak, preferred_method_used, successful, counts_as_update, reasons, warnings, by_name)
                VALUES (\(bind: UUID()), \(bind: data.a.victims[0].victimID), \(bind: Instant.parse("2025-11-12T10:00:00Z")!),
                  'outbound', \(bind: method), \(bind: outcome), \(bind: ok), \(bind: ok), \(bind: ok), \(bind: ok), \(bind: ok),
                  \(bind: ok), '', '', 'Test')
                """
            ).run()
        }
        // Feedback in November: 5, 4 and 2 for SN; one survey answer (3, informed yes, fair no).
        for (score, source, informed, fair) in [
            (5, "contact", "yes", "yes"), (4, "contact", "no", "yes"), (2, "contact", "no", "no"),
            (3, "survey", "yes", "no"),
        ] {
            let invitation = FeedbackInvitation()
            invitation.$victim.id = data.c.victims[0].victimID
            invitation.sourceCode = source
            invitation.sourceID = UUID()
            invitation.officerName = "PC Test"
            invitation.commandUnitID = world.sn.id!
            invitation.channelCode = "email"
            invitation.createdAt = Instant.parse("2025-11-11T10:00:00Z")!
            invitation.expiresAt = Instant.parse("2025-12-11T10:00:00Z")!
            try await invitation.create(on: app.db)
            let response = FeedbackResponse()
            response.$invitation.id = invitation.id!
            response.submittedAt = Instant.parse("2025-11-12T10:00:00Z")!
            response.satisfaction = score
            response.fairAndRespectful = fair
            response.keptInformed = informed
            response.understoodNext = "yes"
            response.language = "en"
            try await response.create(on: app.db)
        }
        return (world, data)
    }

    @Test func everyMetricMatchesTheFiguresWorkedOutByHand() async throws {
        try await withTestApp { app in
            let (world, _) = try await Self.build(app)
            let counts = try await ComplianceQuery.load(months: Self.window, asOf: Self.asOf, on: app.db)
            let sn: Set<UUID> = [world.sn.id!]
            func t(_ id: String, _ units: Set<UUID>?, _ months: [YearMonth]) throws -> Tally {
                counts.tally(try MetricCatalogue.find(id), units: units, months: months)
            }
            // R6 in November 2025, SN: A on time; B late; C overdue. D not yet due, G waived: left out.
            #expect(try t("needs-assessment", sn, [Self.nov25]) == Tally(numerator: 1, denominator: 3))
            // The force adds E (CE).
            #expect(try t("needs-assessment", nil, [Self.nov25]) == Tally(numerator: 2, denominator: 4))
            // H's R6 fell due on 1 October (it was reported on 1 October, London time): on time.
            #expect(try t("needs-assessment", sn, [Self.oct25]) == Tally(numerator: 1, denominator: 1))
            #expect(try t("needs-assessment", sn, [YearMonth(year: 2025, month: 12)]) == Tally())
            // A year before: F.
            #expect(try t("needs-assessment", sn, [Self.nov24]) == Tally(numerator: 1, denominator: 1))
            // Latest 12 months (Jan–Dec 2025) and the 12 before.
            #expect(try t("needs-assessment", sn, Array(Self.window.suffix(12))) == Tally(numerator: 2, denominator: 4))
            #expect(try t("needs-assessment", sn, Array(Self.window.prefix(12))) == Tally(numerator: 1, denominator: 1))
            // Victims by month reported: October has A, B and H (H at 00:30 BST on 1 Oct), not D or C.
            #expect(try t("enhanced-identified", sn, [Self.oct25]) == Tally(numerator: 1, denominator: 3))
            #expect(try t("referral-offered", sn, [Self.oct25]) == Tally(numerator: 1, denominator: 3))
            #expect(try t("enhanced-identified", sn, [Self.nov25]) == Tally(numerator: 0, denominator: 2))
            #expect(try t("enhanced-identified", sn, [YearMonth(year: 2025, month: 9)]) == Tally())
            #expect(try t("leaflet-email", sn, [Self.oct25]) == Tally(numerator: 2, denominator: 3))
            #expect(try t("leaflet-qr", sn, [Self.oct25]) == Tally(numerator: 1, denominator: 3))
            #expect(try t("leaflet-print", sn, [Self.oct25]) == Tally(numerator: 1, denominator: 3))
            // Contacts: one of two attempts to speak; the email is not an attempt.
            #expect(try t("contact-successful", sn, [Self.nov25]) == Tally(numerator: 1, denominator: 2))
            // Open now: C (overdue) and D (not yet due).
            #expect(try t("overdue-now", sn, []) == Tally(numerator: 1, denominator: 2))
            #expect(try t("overdue-now", [world.ce.id!], []) == Tally())
            // Feedback 5, 4, 2: two satisfied of three; the survey's one answer kept apart.
            #expect(try t("feedback-satisfied", sn, [Self.nov25]) == Tally(numerator: 2, denominator: 3))
            #expect(try t("survey-overall", sn, [Self.nov25]) == Tally(numerator: 0, denominator: 1))
            #expect(try t("survey-informed", sn, [Self.nov25]) == Tally(numerator: 1, denominator: 1))
            #expect(try t("survey-fair", sn, [Self.nov25]) == Tally(numerator: 0, denominator: 1))
            // Nothing else: no other rule's obligations are left.
            #expect(try t("confirmation", nil, Self.window) == Tally())
            #expect(try t("updates", nil, Self.window) == Tally())

            // The figures as the dashboard shows them: latest 12 months against the 12 before.
            let window = DashboardService.Window(months: Self.window, asOf: Self.asOf)
            let figures = DashboardService.figures(
                counts, window: window, unit: world.sn.id, targets: ["needs-assessment": 0.55])
            let vna = try #require(figures.first { $0.metric.id == "needs-assessment" })
            #expect(vna.current.rate == 0.5 && vna.previous?.rate == 1.0)
            #expect(Format.change(vna.change, higherIsBetter: true) == "50.0 points worse")
            // 50% against a 55% target: within 5 points, amber; a 56% target would be red.
            #expect(vna.rag == .amber && RAG.of(rate: 0.5, target: 0.56, higherIsBetter: true) == .red)
            #expect(RAG.of(rate: 0.1, target: 0.2, higherIsBetter: false) == .green)
            let series = DashboardService.series(counts, window: window, metric: vna.metric, unit: world.sn.id)
            #expect(
                series.count == 24 && series[22].month == Self.nov25
                    && series[22].yearBefore == Tally(numerator: 1, denominator: 1))
            #expect(series[22].force == Tally(numerator: 2, denominator: 4) && series[10].yearBefore == nil)

            // The victims behind November's needs-assessment figure for SN: B (late) and C (overdue) missed, A counted.
            let lead = try await world.user("lead.sn", .commandUnitLead)
            let r6 = try MetricCatalogue.find("needs-assessment")
            let missed = try await DrillDown.victims(
                metric: r6, unit: world.sn.id!, months: [Self.nov25], part: .missed, asOf: Self.asOf, page: nil,
                context: world.context(lead), on: app.db)
            #expect(missed.lines.map(\.victimName).sorted() == ["Ben Test", "Cal Test"])
            // The late one says when it was met; the missed list is never a row "met" with no date.
            #expect(missed.lines.contains { $0.victimName == "Ben Test" && $0.state.hasPrefix("Met late, on ") })
            #expect(missed.counted == 1 && missed.missed == 2)
            let counted = try await DrillDown.victims(
                metric: r6, unit: world.sn.id!, months: [Self.nov25], part: .counted, asOf: Self.asOf, page: nil,
                context: world.context(lead), on: app.db)
            #expect(counted.lines.map(\.victimName) == ["Ava Test"] && counted.lines[0].due == "2025-11-03")
            // A metric of one trigger (its filter bound as parameters) lists nobody here: no R9 is left.
            #expect(
                try await DrillDown.victims(
                    metric: try MetricCatalogue.find("update-suspect-arrested"), unit: world.sn.id!,
                    months: Self.window, part: .missed, asOf: Self.asOf, page: 1, context: world.context(lead),
                    on: app.db
                ).lines.isEmpty)
            await #expect(throws: DomainError.self) {
                try await DrillDown.victims(
                    metric: r6, unit: world.ce.id!, months: [Self.nov25], part: .missed, asOf: Self.asOf, page: 1,
                    context: world.context(lead), on: app.db)
            }
        }
    }

    @Test func snapshotsGiveTheSameFiguresAndOnlyOneNodeMakesEach() async throws {
        try await withTestApp { app in
            _ = try await Self.build(app)
            let live = try await ComplianceQuery.load(months: Self.window, asOf: Self.asOf, on: app.db)
            let made = try #require(
                try await ComplianceSnapshots.make(months: Self.window, asOf: Self.asOf, slot: 7, by: "one", on: app.db)
            )
            // The same slot again (another node at the same moment): nothing is computed.
            #expect(
                try await ComplianceSnapshots.make(months: Self.window, asOf: Self.asOf, slot: 7, by: "two", on: app.db)
                    == nil)
            let read = try #require(try await ComplianceSnapshots.latest(months: Self.window, on: app.db))
            #expect(read.id == made.id && read.counts.tallies == live.tallies.filter { $0.value != Tally() })
            // A later snapshot replaces the earlier one.
            _ = try await ComplianceSnapshots.make(
                months: Self.window, asOf: Self.asOf.addingTimeInterval(60), slot: 8, by: "one", on: app.db)
            let rows = try await Self.sql(app).raw("SELECT COUNT(*) AS n FROM compliance_snapshots").first()
            #expect(try rows?.decode(column: "n", as: Int.self) == 1)
        }
    }

    @Test func breakdownsByCharacteristicSuppressSmallGroupsAndCompareWithTheLargest() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let db = Self.sql(app)
            // 30 White (15 enhanced), 25 Asian (15), 3 Black (1), 4 Mixed (0): reported 20 days ago.
            let reported = Instant.format(Date().addingTimeInterval(-20 * 86_400))
            var n = 0
            for (ethnicity, count, enhanced) in [
                ("white_british", 30, 15), ("indian", 25, 15), ("african", 3, 1), ("white_asian", 4, 0),
            ] {
                for i in 0..<count {
                    n += 1
                    let created = try await world.crime(
                        String(format: "SN/%07d/26", n), victim: ("V\(n)", "Test"), reported: reported)
                    try await db.raw(
                        "UPDATE persons SET ethnicity = \(bind: ethnicity), sex = \(bind: i % 2 == 0 ? "female" : "male") WHERE id = \(bind: created.victims[0].personID)"
                    ).run()
                    try await db.raw(
                        "UPDATE victims SET enhanced = \(bind: i < enhanced) WHERE id = \(bind: created.victims[0].victimID)"
                    ).run()
                }
            }
            let analyst = try await world.user("analyst", .forceAnalyst)
            let breakdowns = try await Fairness.breakdowns(
                metric: try MetricCatalogue.find("enhanced-identified"), unit: nil,
                window: .current(), context: world.context(analyst), on: app.db)
            let ethnic = try #require(breakdowns.first { $0.dimension == .ethnicity })
            func group(_ prefix: String) throws -> Fairness.Group {
                try #require(ethnic.groups.first { $0.name.hasPrefix(prefix) })
            }
            let white = try group("White")
            let asian = try group("Asian")
            #expect(ethnic.referenceName?.hasPrefix("White") == true)
            #expect(white.tally == Tally(numerator: 15, denominator: 30) && white.reference && !white.suppressed)
            #expect(asian.tally == Tally(numerator: 15, denominator: 25) && !asian.suppressed)
            // 0.6 / 0.5 = 1.2; Katz's interval from SciPy: 0.74247 to 1.93947 — includes 1, not significant.
            let ratio = try #require(asian.ratio)
            #expect(abs(ratio.ratio - 1.2) < 1e-9 && !ratio.significant)
            #expect(abs(ratio.interval.low - 0.742472) < 1e-5 && abs(ratio.interval.high - 1.939466) < 1e-5)
            // Three and four people: both suppressed; two hidden cannot be worked out from the total, so no more.
            let black = try group("Black")
            let mixed = try group("Mixed")
            #expect(black.suppressed && mixed.suppressed && black.ratio == nil)
            #expect(ethnic.groups.filter(\.suppressed).count == 2)
            // Sex, alternating: 32 female (17 enhanced) and 30 male (14), both shown, female the reference.
            let sex = try #require(breakdowns.first { $0.dimension == .sex })
            #expect(sex.groups.map(\.name) == ["Female", "Male"])
            #expect(
                sex.groups.map(\.tally) == [
                    Tally(numerator: 17, denominator: 32), Tally(numerator: 14, denominator: 30),
                ])
            #expect(sex.groups.allSatisfy { !$0.suppressed } && sex.referenceName == "Female")
        }
    }

    @Test func ageAtReportingUsesTheLondonDateOfTheReport() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let db = Self.sql(app)
            // 23:30 UTC on 15 July 2026 is 00:30 BST on 16 July: whoever was born on 16 July 2008 is 18 that day
            // (by the UTC date they would still be 17); born on 17 July 2008, 17.
            for (n, sex, dob) in [(1, "female", "2008-07-16"), (2, "male", "2008-07-17")] {
                let created = try await world.crime(
                    "SN/000000\(n)/26", victim: ("V\(n)", "Test"), reported: "2026-07-15T23:30:00Z")
                try await db.raw(
                    "UPDATE persons SET sex = \(bind: sex), date_of_birth = \(bind: dob) WHERE id = \(bind: created.victims[0].personID)"
                ).run()
            }
            let months = YearMonth.window(endingWith: YearMonth(year: 2026, month: 11), count: 12)
            let rows = try await Fairness.combinations(
                metric: try MetricCatalogue.find("enhanced-identified"), unit: nil, months: months, asOf: Date(), on: db
            )
            #expect(rows.first { $0.sex == "female" }?.age == 18 && rows.first { $0.sex == "male" }?.age == 17)
            #expect(AgeBand.of(age: 18) == .from18to24 && AgeBand.of(age: 17) == .under18)
            #expect(rows.map(\.people).reduce(0, +) == 2)
        }
    }
}

/// Issue 13: the victims behind every figure are exactly the ones it counts.
@Suite struct DrillDownExactTests {
    @Test func everyDrillDownHoldsExactlyTheRowsItsFigureCounts() async throws {
        try await withTestApp { app in
            // setup: a demo force of 400 crimes, with its obligations worked out
            let seed: UInt64 = 13
            var random = DemoRandom(seed: seed)
            var ids = SequentialIDs(seed: seed)
            let force = try await DemoForce.create(passwordHash: "x", random: &random, ids: &ids, on: app.db)
            let asOf = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            var generator = DemoCrimes(
                force: force, profiles: DemoCrimes.profiles(from: try await Offence.query(on: app.db).all()),
                asOf: asOf, config: try await VictimsCodeConfig.current(on: app.db), random: random, ids: ids)
            var tables = DemoCrimes.Tables()
            generator.generate(400, into: &tables)
            try await tables.flush(on: app.db)
            try await DemoDataCommand.computeObligations(on: app.db, lanes: [])
            let world = try await World(app)
            let analyst = try await world.user("analyst.exact", .forceAnalyst)
            let window = DashboardService.Window.current(asOf: asOf)
            let counts = try await ComplianceQuery.load(months: window.months, asOf: asOf, on: app.db)
            // act, check: every drillable metric, every unit, the latest 12 months and each month of them
            var compared = 0
            for metric in MetricCatalogue.all where metric.drillable {
                // Three units and the latest three months on their own keep the test quick on PostgreSQL too.
                for unit in try await CommandUnit.query(on: app.db).sort(\.$code).range(0..<3).all() {
                    for months in [window.latest] + window.latest.suffix(3).map({ [$0] }) {
                        let tally = counts.tally(metric, units: [unit.id!], months: months)
                        let page = try await DrillDown.victims(
                            metric: metric, unit: unit.id!, months: months, part: .counted, asOf: asOf, page: nil,
                            context: world.context(analyst), on: app.db)
                        let missed = try await DrillDown.victims(
                            metric: metric, unit: unit.id!, months: months, part: .missed, asOf: asOf, page: nil,
                            context: world.context(analyst), on: app.db)
                        #expect(
                            page.lines.count == tally.numerator
                                && missed.lines.count == tally.denominator - tally.numerator,
                            "\(metric.id) \(unit.code) \(months.first!)-\(months.last!): \(tally) vs \(page.lines.count)+\(missed.lines.count)"
                        )
                        #expect(page.counted == tally.numerator && page.missed == tally.denominator - tally.numerator)
                        #expect(!missed.lines.contains { $0.state == "met" || $0.state.isEmpty })
                        compared += tally.denominator
                    }
                }
            }
            #expect(compared > 300, "the comparison covered real figures")
        }
    }
}
