import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VictimCareDomain

@testable import VictimCareServer

/// Issue 17: the crime page reads its rows positionally (`PositionalRow`) and writes its audit entries through
/// the group-commit `AuditWriter`. Each model read that way equals, column for column, what Fluent reads; the
/// page shows what it showed; and audit entries written together are each stored before their caller goes on.
@Suite struct PositionalRowsTests {
    /// Each row of `M` read positionally has the cells Fluent's read of the same row has.
    func same<M: PositionalRow>(_: M.Type, _ db: any Database, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let sql = try #require(db as? any SQLDatabase)
        let fluent = try await M.query(on: db).all()
        let positional = try await M.rows(where: "1 = 1", [], on: sql)
        #expect(!fluent.isEmpty, "\(M.schema) has rows to compare", sourceLocation: sourceLocation)
        #expect(fluent.count == positional.count, sourceLocation: sourceLocation)
        let byID = Dictionary(uniqueKeysWithValues: positional.map { ($0.id!, $0) })
        for model in fluent {
            let read = try #require(byID[model.id!], sourceLocation: sourceLocation)
            for (column, (a, b)) in zip(M.bulkColumns, zip(model.bulkCells, read.bulkCells)) {
                #expect("\(a)" == "\(b)", "\(M.schema).\(column)", sourceLocation: sourceLocation)
            }
            #expect(read._$idExists, sourceLocation: sourceLocation)
        }
    }

    @Test func everyPositionalModelReadsWhatFluentReads() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.omega", .officer, rank: "PC")
            officer.email = "omega@example.com"
            officer.collarNumber = "4471"
            officer.lockedUntil = Date(timeIntervalSince1970: 1_900_000_000.125)
            officer.lastSignInAt = Date()
            try await officer.save(on: app.db)
            let created = try await world.crime("SN/0000001/26", victim: ("伟", "张"), officer: officer)
            try await world.crime("SN/0000002/26", victim: ("محمد", "الأحمد"))
            let crime = created.crime
            crime.occurredTo = Date(timeIntervalSince1970: 1_700_000_000.5)
            crime.summary = String(repeating: "Ωμέγα \"quoted\" <b>not markup</b> ", count: 200)
            try await crime.save(on: app.db)
            let item = PropertyItem()
            item.description = "Bicycle — red, 21 gears, 自行车"
            item.imei = nil
            item.frameNumber = "WTU123"
            item.serialNumber = "S-1"
            item.custodyStatusCode = "stolen"
            item.stolenOn = "2026-01-02"
            try await item.create(on: app.db)
            let propertyLink = CrimeProperty()
            propertyLink.$crime.id = crime.id!
            propertyLink.$item.id = item.id!
            propertyLink.roleCode = "stolen"
            try await propertyLink.create(on: app.db)
            let place = Location()
            place.address = "1 Ωmega Street, London"
            place.postcode = "SE1 7PB"
            place.postcodeKey = "SE17PB"
            place.latitude = 51.501_234_5
            place.longitude = -0.118_765_4
            try await place.create(on: app.db)
            let placeLink = CrimeLocation()
            placeLink.$crime.id = crime.id!
            placeLink.$location.id = place.id!
            placeLink.roleCode = "scene"
            try await placeLink.create(on: app.db)
            let event = CaseEvent()
            event.$crime.id = crime.id!
            event.typeCode = "charged"
            event.at = Date(timeIntervalSince1970: 1_750_000_000.75)
            event.note = "at the station — 署"
            event.recordedByID = officer.id
            event.recordedByName = "PC Ωmega"
            event.source = "web"
            try await event.create(on: app.db)

            try await same(Crime.self, app.db)
            try await same(CrimeStatusChange.self, app.db)
            try await same(Person.self, app.db)
            try await same(CrimePerson.self, app.db)
            try await same(Victim.self, app.db)
            try await same(CaseEvent.self, app.db)
            try await same(CommandUnit.self, app.db)
            try await same(User.self, app.db)
            try await same(CrimeProperty.self, app.db)
            try await same(PropertyItem.self, app.db)
            try await same(CrimeLocation.self, app.db)
            try await same(Location.self, app.db)
            // The reference data a recorded crime is checked against, and the API token every API request reads.
            try await same(Offence.self, app.db)
            let bearer = try await world.token(.officer)
            let secret = String(try #require(bearer.first(name: "Authorization")).dropFirst("Bearer ".count))
            let token = try #require(try await TokenService.authenticate(secret, on: app.db))
            #expect(token.lastUsedAt != nil)
            #expect(try await APIToken.find(token.id, on: app.db)?.lastUsedAt != nil, "the time of use is stored")
            try await same(APIToken.self, app.db)

            // The page's loader: the same crime, people, property, places and timeline as Fluent's own reads.
            let detail = try await CrimeService.detail(crime.id!, context: world.context(officer), on: app.db)
            #expect(detail.crime.reference == "SN/0000001/26")
            #expect(detail.crime.summary == crime.summary)
            #expect(detail.unit.code == "SN")
            #expect(detail.officer?.id == officer.id)
            #expect(detail.people.map(\.person.fullName) == ["伟 张"])
            #expect(detail.property.map(\.item.description) == [item.description])
            #expect(detail.locations.map(\.location.postcode) == ["SE1 7PB"])
            #expect(detail.events.map(\.note) == [event.note])
            #expect(detail.history.map(\.statusCode) == ["recorded"])
            #expect(detail.victims.map(\.id) == [created.victims.first?.victimID])
            let open = try await ObligationRecord.query(on: app.db).filter(\.$crimeID == crime.id!)
                .filter(\.$state == "open").filter(\.$triggeredAt <= Date()).all()
            let victimID = try #require(created.victims.first?.victimID)
            #expect(detail.openCounts[victimID]?.open == open.count)
            #expect(detail.openCounts[victimID]?.overdue == open.filter { $0.dueAt < Date() }.count)
            // A crime with no officer: none is made up.
            let other = try await Crime.query(on: app.db).filter(\.$reference == "SN/0000002/26").first()!
            #expect(
                try await CrimeService.detail(other.id!, context: world.context(officer), on: app.db).officer == nil)
            // An unknown crime is "not found", not a server error.
            await #expect(throws: DomainError.self) {
                _ = try await CrimeService.detail(UUID(), context: world.context(officer), on: app.db)
            }
        }
    }

    /// Fifty requests' entries at once: each caller returns only when its own entries are stored, and they go in
    /// fewer statements than callers. Fails on the code before (each entry its own statement).
    @Test func auditEntriesWrittenTogetherAreEachStoredBeforeTheirCallerGoesOn() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let writer = try #require(app.auditWriter)
            var context = world.context(officer)
            context.auditWriter = writer
            let shared = context
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<50 {
                    group.addTask {
                        let ids = [UUID(), UUID()]
                        try await AuditLog.recordViews(
                            "person", ids + ids, summary: "request \(n)", context: shared, on: app.db)
                        // Stored by the time the call returns.
                        let stored = try await AuditEntry.query(on: app.db).filter(\.$recordID ~~ ids).count()
                        #expect(stored == 2)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await AuditEntry.query(on: app.db).filter(\.$recordType == "person").count() == 100)
            let statements = await writer.statements
            #expect(statements < 50, "written together: \(statements) statements for 50 callers")

            // One caller's bad entry (an id already used) fails that caller alone.
            let taken = try #require(try await AuditEntry.query(on: app.db).first()?.id)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<10 {
                    group.addTask {
                        var entry = AuditLog.entry(.view, "crime", UUID(), summary: "call \(n)", context: shared)
                        if n == 3 { entry.id = taken }
                        do {
                            try await AuditLog.write([entry], context: shared, on: app.db)
                            return n != 3
                        } catch {
                            return n == 3
                        }
                    }
                }
                for try await outcome in group { #expect(outcome) }
            }
            #expect(try await AuditEntry.query(on: app.db).filter(\.$recordType == "crime").count() == 9)
        }
    }

    /// The crime page through HTTP, eight at once (as many as the client keeps connections open): every view is audited once, the crime and each person named.
    @Test func crimePagesOpenedTogetherAreEachAudited() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer)
            let created = try await world.crime("SN/0000003/26", victim: ("Ada", "Okafor"))
            let crimeID = try #require(created.crime.id)
            let personID = try #require(created.victims.first?.personID)
            var browser = Browser(app)
            try await browser.signIn(officer.username)
            let cookie = try #require(browser.cookie)
            try await LiveServer.run(app) { server in
                try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            try await server.get("/crimes/\(crimeID)", headers: ["Cookie": cookie]).status
                        }
                    }
                    for try await status in group { #expect(status == .ok) }
                }
            }
            #expect(try await world.auditCount("view", "crime", crimeID) == 8)
            #expect(try await world.auditCount("view", "person", personID) == 8)
        }
    }
}

/// Issue 17, twenty-second step: a crime recorded through the API or the form reads its reference data and the
/// Victims' Code settings in one statement (`CrimeLookups.load(_:settings:on:)`). It finds what the separate reads
/// find, for every way a draft names an offence, a unit, an officer and a reference, and nothing they do not.
@Suite struct OneStatementLookupsTests {
    /// The lookups' contents as comparable text.
    func summary(_ l: CrimeLookups) -> [String] {
        l.offences.map { "offence \($0.key) \($0.value.id!) \($0.value.description) \($0.value.mostSerious)" }
            + l.unitsByCode.map { "unit \($0.key) \($0.value.id!) \($0.value.name)" }
            + l.unitsByID.map { "unit id \($0.key) \($0.value.code)" }
            + l.usersByName.map { "user \($0.key) \($0.value.id!) \($0.value.active) \($0.value.$team.id as Any)" }
            + l.usersByID.map { "user id \($0.key) \($0.value.username)" }
            + l.references.map { "reference \($0.key) \($0.value)" }
    }

    @Test func oneStatementFindsWhatTheSeparateReadsFind() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let officer = try await world.user("PC.Omega", .officer, rank: "PC")
            let gone = try await world.user("pc.gone", .officer)
            gone.active = false
            try await gone.save(on: app.db)
            let recorded = try await world.crime("SN/0000001/26", victim: ("伟", "张"))
            let retired = try #require(try await Offence.query(on: app.db).filter(\.$code != "049/00").first())
            retired.active = false
            try await retired.save(on: app.db)
            let offences = [nil, "", "049/00", retired.code, "999/99", "  049/00  "]
            let units = [nil, "SN", "sn", " ce ", world.sn.id!.uuidString, UUID().uuidString, "NOWHERE"]
            let officers = [
                nil, "pc.omega", "PC.OMEGA", " pc.omega ", officer.id!.uuidString, "pc.gone", "nobody",
                UUID().uuidString,
            ]
            let references = [
                nil, "SN/0000001/26", "sn/0000001/26", "SN/0000002/26", "!", String(repeating: "9", count: 200),
            ]
            var drafts: [CrimeDraft] = []
            // Every value of each field at least once, with the others varied alongside.
            for i in 0..<max(offences.count, units.count, officers.count, references.count) {
                for shift in 0..<3 {
                    var draft = CrimeDraft()
                    draft.offenceCode = offences[(i + shift) % offences.count]
                    draft.commandUnit = units[(i + 2 * shift) % units.count]
                    draft.officerInCase = officers[(i + 3 * shift) % officers.count]
                    draft.reference = references[(i + shift) % references.count]
                    drafts.append(draft)
                }
            }
            drafts.append(CrimeDraft())
            var found = 0
            for draft in drafts {
                let (one, settings) = try await CrimeLookups.load(
                    draft, settings: VictimsCodeConfig.settingKeys, on: app.db)
                let separate = try await CrimeLookups.loadSeparately(for: [draft], on: app.db)
                #expect(summary(one).sorted() == summary(separate).sorted(), "\(draft)")
                found += summary(one).count
                let fromOne = try await VictimsCodeConfig.currentAndOptOut(settings: settings, on: app.db)
                let read = try await VictimsCodeConfig.currentAndOptOut(on: app.db)
                #expect(fromOne.config.version == read.config.version)
                #expect(fromOne.optOutFrom == read.optOutFrom)
            }
            #expect(found > drafts.count, "the drafts found something to compare")
            // The crime recorded above is found by its reference; a retired offence and an inactive officer are
            // found as the checks expect (not at all, and as inactive).
            var draft = CrimeDraft()
            draft.reference = "sn/0000001/26"
            draft.offenceCode = retired.code
            draft.officerInCase = "pc.gone"
            let (one, _) = try await CrimeLookups.load(draft, settings: [], on: app.db)
            #expect(one.references["SN/0000001/26"] == recorded.crime.id)
            #expect(one.offences.isEmpty)
            #expect(one.user("pc.gone")?.active == false)
        }
    }

    @Test func settingsAbsentOrPresentAreReadAlike() async throws {
        try await withTestApp { app in
            let sql = try #require(app.db as? any SQLDatabase)
            for value in [nil, "2026-01-01T00:00:00Z", "not a date"] as [String?] {
                try await sql.raw("DELETE FROM settings WHERE key = \(bind: ReferralService.optOutKey)").run()
                if let value {
                    try await sql.raw(
                        "INSERT INTO settings (key, value) VALUES (\(bind: ReferralService.optOutKey), \(bind: value))"
                    ).run()
                }
                let (_, settings) = try await CrimeLookups.load(
                    CrimeDraft(), settings: VictimsCodeConfig.settingKeys, on: app.db)
                #expect(settings[ReferralService.optOutKey] == value)
                let fromOne = try await VictimsCodeConfig.currentAndOptOut(settings: settings, on: app.db)
                let read = try await VictimsCodeConfig.currentAndOptOut(on: app.db)
                #expect(fromOne.config.version == read.config.version)
                #expect(fromOne.optOutFrom == read.optOutFrom)
                #expect((fromOne.optOutFrom != nil) == (value?.hasPrefix("2026") ?? false))
            }
        }
    }
}
