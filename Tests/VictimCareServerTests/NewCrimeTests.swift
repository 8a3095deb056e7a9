import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VictimCareDomain

@testable import VictimCareServer

/// Issue 17: a crime recorded with its victims (the web form and the API) is planned in memory and written in one
/// statement per table. It stores exactly what the services store when the same crime is recorded and each victim
/// is then linked to it one at a time: every column of every table, messages, links, trials and audit included.
@Suite struct NewCrimeTests {
    /// One moment for both databases, so each crime is reported at the same instant in each.
    static let now = Date()
    static let summary = String(
        repeating: "Called at 23:10 — \"he said he'd come back\" <b>not markup</b>; 伟 张 saw it; محمد الأحمد; Ωμέγα. ",
        count: 40)

    struct Case {
        var reference: String
        var offence: String
        var flags: [String]
        var victims: [VictimDraft]
    }

    static func cases() -> [Case] {
        func person(
            _ given: String, _ family: String, dob: String = "1985-04-12", phone: String? = nil, email: String? = nil,
            emailSafe: String? = nil, language: String? = nil
        ) -> PersonDraft {
            PersonDraft(
                givenName: given, familyName: family, dateOfBirth: dob, language: language, phone: phone,
                email: email, emailSafe: emailSafe)
        }
        var interpreter = NeedsAssessmentService.Draft()
        interpreter.language = "zh"
        interpreter.interpreterNeeded = "yes"
        interpreter.referralConsent = "yes"
        var intimidated = NeedsAssessmentService.Draft()
        intimidated.intimidated = "yes"
        intimidated.referralConsent = "no"
        var bereaved = NeedsAssessmentService.Draft()
        bereaved.bereaved = "yes"
        bereaved.suspectHasAccess = "yes"
        bereaved.referralConsent = "yes"
        return [
            Case(
                reference: "SN/0100001/26", offence: "049/00", flags: [],
                victims: [
                    VictimDraft(
                        person: person(
                            "Ada", "Okafor", phone: "07700 900001", email: "ada@example.com", emailSafe: "yes")),
                    VictimDraft(
                        person: person("伟", "张", email: "wei@example.com", language: "zh"), needs: interpreter),
                    VictimDraft(person: person("محمد", "الأحمد", dob: "2014-03-02", phone: "07700 900003")),
                ]),
            Case(
                reference: "SN/0100002/26", offence: "008/01", flags: ["domestic_abuse"],
                victims: [
                    VictimDraft(
                        person: person(
                            "Siobhán", "Ní Bhriain", phone: "07700 900004", email: "s@example.com", emailSafe: "no"),
                        needs: bereaved),
                    VictimDraft(
                        person: person("Ωμέγα", "Παπαδοπούλου", email: "o@example.com", emailSafe: "yes"),
                        needs: intimidated),
                    VictimDraft(person: person("Kwame", "Mensah", email: "k@example.com", emailSafe: "yes")),
                ]),
        ]
    }

    static func draft(_ c: Case, officer: String) -> CrimeDraft {
        var draft = CrimeDraft()
        draft.reference = c.reference
        draft.offenceCode = c.offence
        draft.offenceDescription = nil
        draft.occurredFrom = Instant.format(now.addingTimeInterval(-5 * 3600))
        draft.reportedAt = Instant.format(now.addingTimeInterval(-3600))
        draft.channel = "telephone"
        draft.flags = c.flags
        draft.commandUnit = "SN"
        draft.officerInCase = officer
        draft.summary = summary
        return draft
    }

    enum Recording {
        /// Each crime first, then each victim linked to it through the services.
        case services
        /// Each crime with its victims, planned and written in its own transaction.
        case planned
        /// Every crime planned, then all written in one transaction.
        case writtenTogether
    }

    /// Records every case in a fresh database in one of the ways; what every table holds.
    static func record(_ way: Recording) async throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let analyst = try await world.user("analyst", .forceAnalyst)
            let group = try #require(try await Offence.query(on: app.db).filter(\.$code == "049/00").first()).group
            _ = try await TrialService.create(
                .init(
                    name: "Call-back", practice: "A call-back", offenceGroup: group, unit: "SN", practiceShare: "1",
                    usualShare: "1"), context: world.context(analyst), on: app.db)
            let context = world.context(officer)
            switch way {
            case .services:
                for c in cases() {
                    let crime = try await CrimeService.create(
                        draft(c, officer: "pc.hart"), context: context, on: app.db)
                    for victim in c.victims {
                        var v = Validator()
                        let needs = victim.needs.map { NeedsAssessmentService.check($0, validator: &v).assessment }
                        try v.check()
                        _ = try await CrimeService.linkPerson(
                            crimeID: crime.crime.id!, personID: nil, draft: victim.person, role: "victim",
                            needs: needs, context: context, on: app.db)
                    }
                }
            case .planned:
                for c in cases() {
                    _ = try await CrimeService.create(
                        draft(c, officer: "pc.hart"), victims: c.victims, context: context, on: app.db)
                }
            case .writtenTogether:
                // Every case planned first, then written in one transaction, as the group-commit writer writes the
                // crimes of requests that arrive together (`GroupCommitTests` has the writer itself).
                var plans: [CrimeService.NewCrime] = []
                for c in cases() {
                    plans.append(
                        try await CrimeService.plan(
                            draft(c, officer: "pc.hart"), victims: c.victims, context: context, on: app.db))
                }
                let together = plans
                let created = try await app.db.transaction { tx in
                    try await CrimeService.NewCrime.write(together, on: tx)
                }
                #expect(created.map(\.victims.count) == cases().map(\.victims.count))
            }
            if way != .services { try await expectFactsInHandAreTheStoredFacts(app) }
            tables = try await dump(app)
        }
        return tables
    }

    /// The obligations worked out from the facts in hand are what the stored facts give: read back and worked out
    /// again (enhanced rights reassessed, every stored row compared), nothing changes, and each victim's stored
    /// fingerprint and computed version are current.
    static func expectFactsInHandAreTheStoredFacts(_ app: Application) async throws {
        let ids = try await Victim.query(on: app.db).all().map { $0.id! }
        #expect(ids.count == 6)
        let plan = try await ObligationService.plan(ids, reassess: true, verify: false, on: app.db)
        for victim in plan.victims {
            #expect(victim.obligations == nil, "the stored fingerprint of \(victim.id) is not the stored facts'")
            #expect(victim.decision == nil && victim.history == nil)
            #expect(!victim.markComputed)
        }
        let changed = try await app.db.transaction { tx in
            try await ObligationService.recompute(ids, reassess: true, verify: true, on: tx)
        }
        #expect(changed == 0)
    }

    static let tables = [
        "crimes", "crime_status_changes", "persons", "contact_points", "crime_persons", "victims", "needs_assessments",
        "enhanced_changes", "referral_consents", "referrals", "obligations", "messages", "victim_links",
        "trial_allocations", "audit_entries",
    ]
    /// When a row was written, not what it records; a link's secret hash; a trial's random arm.
    static let timing: Set<String> = [
        "created_at", "updated_at", "recorded_at", "recording_decision_at", "facts_version", "computed_version",
        "status_at", "next_attempt_at", "obligations_hash", "token_hash", "expires_at", "allocated_at", "arm",
    ]

    /// Every row of the tables, ids named by what they belong to (the same in both databases), sorted.
    static func dump(_ app: Application) async throws -> [String: [String]] {
        let sql = app.db as! any SQLDatabase
        var names: [UUID: String] = [:]
        func name(_ query: String, _ prefix: String) async throws {
            for row in try await sql.raw(SQLQueryString(query)).all() {
                names[try row.decode(column: "id", as: UUID.self)] =
                    prefix + (try row.decode(column: "n", as: String.self))
            }
        }
        try await name("SELECT id, reference AS n FROM crimes", "crime:")
        try await name("SELECT id, family_name AS n FROM persons", "person:")
        try await name(
            "SELECT cp.id, p.family_name AS n FROM crime_persons cp JOIN persons p ON p.id = cp.person_id", "victim:")
        try await name(
            "SELECT c.id, c.kind || ':' || p.family_name AS n FROM contact_points c JOIN persons p ON p.id = c.person_id",
            "point:")
        try await name(
            """
            SELECT m.id, m.purpose || ':' || p.family_name AS n FROM messages m JOIN crime_persons cp ON cp.id = m.victim_id
            JOIN persons p ON p.id = cp.person_id
            """, "message:")
        try await name(
            """
            SELECT l.id, l.purpose || ':' || p.family_name AS n FROM victim_links l
            JOIN crime_persons cp ON cp.id = l.victim_id JOIN persons p ON p.id = cp.person_id
            """, "link:")
        try await name("SELECT id, code AS n FROM command_units", "unit:")
        try await name("SELECT id, username AS n FROM users", "user:")
        try await name("SELECT id, name AS n FROM trials", "trial:")
        var result: [String: [String]] = [:]
        for table in tables {
            var rows: [String] = []
            for row in try await sql.raw("SELECT * FROM \(ident: table)").all() {
                var cells: [String] = []
                let fromRecording =
                    table == "obligations" && ImportPlanTests.text(row, "trigger", names) == "crime_recorded"
                let r2 = table == "obligations" && ImportPlanTests.text(row, "obligation_key", names) == "R2:crime"
                for column in row.allColumns.sorted() where !timing.contains(column) {
                    if table == "audit_entries", column == "at" { continue }
                    if table == "obligations", column == "id" { continue }
                    if table == "obligations", column == "row_hash" {
                        cells.append("row_hash=\(ImportPlanTests.rowHashCheck(row))")
                        continue
                    }
                    // Counted from the recording decision: the moment each was recorded.
                    if fromRecording, column == "triggered_at" || column == "due_at" { continue }
                    // Met by the recording itself, labelled with its clock time.
                    if r2, column == "met_at" || column == "met_by" { continue }
                    cells.append("\(column)=\(ImportPlanTests.text(row, column, names))")
                }
                rows.append(cells.joined(separator: " "))
            }
            result[table] = rows.sorted()
        }
        return result
    }

    @Test func aCrimeRecordedWithItsVictimsStoresWhatLinkingEachVictimThroughTheServicesStores() async throws {
        let services = try await Self.record(.services)
        let planned = try await Self.record(.planned)
        // Written together in one transaction (as the group-commit writer writes requests' crimes): the same rows.
        let grouped = try await Self.record(.writtenTogether)
        // The cases did what they say: messages to safe addresses only, consents, referrals, an interpreter, a
        // trial, enhanced rights for a child and for an intimidated victim.
        #expect(services["crime_persons"]!.count == 6)
        #expect(services["messages"]!.count == 10, "\(services["messages"]!)")
        #expect(services["messages"]!.filter { $0.contains("status=queued") }.count >= 4)
        #expect(services["trial_allocations"]!.count == 3)
        #expect(services["referral_consents"]!.count == 3)
        #expect(services["victims"]!.filter { $0.contains("enhanced=true") || $0.contains("enhanced=1 ") }.count >= 2)
        #expect(services["obligations"]!.count > 40)
        for (way, stored) in [("planned", planned), ("written together", grouped)] {
            for table in Self.tables {
                let want = services[table] ?? []
                let have = stored[table] ?? []
                let difference = zip(want, have).first { $0 != $1 }.map {
                    "\($0.0.prefix(600))\n  vs\n\($0.1.prefix(600))"
                }
                let same = want == have
                #expect(
                    same,
                    "\(way) \(table): \(want.count) rows against \(have.count); first difference: \(difference ?? "")")
            }
        }
    }
}
