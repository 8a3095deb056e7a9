import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// `victimcare import crimes`: a records system's extract loaded through the services, idempotent on the
/// source's ids, updates raising the Victims' Code triggers, and bad rows reported while good ones are kept.
@Suite struct ImportTests {
    static let header =
        "record,source_id,crime_source_id,reference,offence_code,flags,command_unit,occurred_at,reported_at,channel,"
        + "role,given_name,family_name,date_of_birth,phone,email,preferred_contact,language,vulnerable,"
        + "referral_consent,type,at"

    static func crime(
        _ id: String, _ reference: String, code: String = "049/00", unit: String = "CN",
        occurred: String = "2026-10-01T21:30:00+01:00", reported: String = "2026-10-02T09:15:00+01:00"
    ) -> String {
        "crime,\(id),,\(reference),\(code),,\(unit),\(occurred),\(reported),telephone,,,,,,,,,,,,"
    }

    static func person(
        _ id: String, crime: String, role: String = "victim", given: String, family: String,
        dob: String = "1984-03-02", phone: String = "07700 900501", vulnerable: String = "no", consent: String = "yes"
    ) -> String {
        "person,\(id),\(crime),,,,,,,,\(role),\(given),\(family),\(dob),\(phone),,phone,en,\(vulnerable),\(consent),,"
    }

    static func event(_ id: String, crime: String, type: String, at: String) -> String {
        "event,\(id),\(crime),,,,,,,,,,,,,,,,,,\(type),\(at)"
    }

    static func write(_ lines: [String]) throws -> String {
        try write(Data((lines.joined(separator: "\r\n") + "\r\n").utf8))
    }

    static func write(_ data: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).csv").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func run(_ app: Application, _ path: String, source: String = "CRIS") async throws -> CrimeImport.Outcome {
        let runID = try await CrimeImport.begin(
            source: source, fileName: "extract.csv", bytes: 0, byName: "test", on: app.db)
        var importer = CrimeImport(source: source, context: .system)
        importer.rowsPerTransaction = 3
        return try await importer.run(path: path, runID: runID, on: app.db)
    }

    static func count(_ app: Application, _ table: String) async throws -> Int {
        struct Row: Decodable { var n: Int }
        return try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(ident: table)")
            .first(decoding: Row.self)?.n ?? -1
    }

    static let tables = [
        "crimes", "persons", "crime_persons", "victims", "case_events", "obligations", "contact_points",
        "needs_assessments", "referrals", "audit_entries",
    ]

    static func snapshot(_ app: Application) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in tables { counts[table] = try await count(app, table) }
        return counts
    }

    static let first = [
        header,
        crime("CR-1", "IMP/0001/26"),
        person("P-1", crime: "CR-1", given: "Ada", family: "Okafor"),
        person("P-9", crime: "CR-1", role: "suspect", given: "Sam", family: "Reyes", dob: "", phone: "", consent: ""),
        crime("CR-2", "IMP/0002/26", code: "105/01", unit: "NA"),
        person("P-2", crime: "CR-2", given: "Priya", family: "Shah", phone: "07700 900502", vulnerable: "yes"),
        event("EV-1", crime: "CR-2", type: "suspect_arrested", at: "2026-10-05T14:00:00+01:00"),
        // The same source person in a second crime is the same person: a repeat victim.
        person("P-1", crime: "CR-2", given: "Ada", family: "Okafor"),
    ]

    @Test func aWellFormedFileLoadsAndTheSameFileAgainChangesNothing() async throws {
        try await withTestApp { app in
            let path = try Self.write(Self.first)
            let outcome = try await Self.run(app, path)
            #expect(outcome.failure == nil)
            #expect(outcome.counts == .init(rows: 7, created: 7, updated: 0, unchanged: 0, rejected: 0))
            #expect(outcome.problems.isEmpty)
            let crimes = try await Crime.query(on: app.db).sort(\.$reference).all()
            #expect(crimes.map(\.reference) == ["IMP/0001/26", "IMP/0002/26"])
            let ada = try await Person.query(on: app.db).filter(\.$familyName == "Okafor").all()
            #expect(ada.count == 1)
            #expect(try await Victim.query(on: app.db).filter(\.$person.$id == ada[0].id!).count() == 2)
            let priya = try #require(try await Person.query(on: app.db).filter(\.$familyName == "Shah").first())
            let priyaVictim = try #require(
                try await Victim.query(on: app.db).filter(\.$person.$id == priya.id!).first())
            #expect(priyaVictim.enhanced)
            // The arrest in the file raised the duty to tell the victim (R9), due a working day later.
            let r9 = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == priyaVictim.id!)
                .filter(\.$code == "R9").all()
            #expect(r9.count == 1)
            // Consent in the file started the referrals: Ada twice (one for each crime) and Priya.
            #expect(try await Referral.query(on: app.db).count() == 3)
            #expect(try await CaseEvent.query(on: app.db).first()?.source == "import:CRIS")

            let before = try await Self.snapshot(app)
            let again = try await Self.run(app, path)
            #expect(again.counts == .init(rows: 7, created: 0, updated: 0, unchanged: 7, rejected: 0))
            #expect(try await Self.snapshot(app) == before)
            // Another system's ids are its own: the same references clash instead of merging silently.
            let other = try await Self.run(app, path, source: "CONNECT")
            #expect(other.counts.created == 0 && other.counts.rejected == 7)
            #expect(other.problems.first?.reason == "reference: Crime reference IMP/0001/26 is already recorded")
        }
    }

    @Test func aLaterFileUpdatesWhatChangedAndRaisesTheTriggers() async throws {
        try await withTestApp { app in
            _ = try await Self.run(app, try Self.write(Self.first))
            let ada = try #require(try await Person.query(on: app.db).filter(\.$familyName == "Okafor").first())
            let adaVictim = try #require(
                try await Victim.query(on: app.db).filter(\.$person.$id == ada.id!).join(
                    Crime.self, on: \Victim.$crime.$id == \Crime.$id
                )
                .filter(Crime.self, \.$reference == "IMP/0001/26").first())
            #expect(
                try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == adaVictim.id!)
                    .filter(\.$code == "R9").count() == 0)
            // An officer in the case allocated in VictimCare: the extract has no such column, so it stays. (An officer
            // of another unit, as records from before that was checked can hold: a later file is not held up by it.)
            let world = try await World(app)
            let officer = try await world.user("pc.hart", .officer, rank: "PC")
            let crime1 = try #require(try await Crime.query(on: app.db).filter(\.$reference == "IMP/0001/26").first())
            crime1.$officerInCase.id = officer.id
            try await crime1.save(on: app.db)
            let later = [
                Self.header,
                // The offence was reclassified; Ada changed her number and is now assessed vulnerable.
                Self.crime("CR-1", "IMP/0001/26", code: "046/00"),
                Self.person(
                    "P-1", crime: "CR-1", given: "Ada", family: "Okafor", phone: "07700 900999", vulnerable: "yes"),
                Self.event("EV-2", crime: "CR-1", type: "suspect_arrested", at: "2026-10-06T10:00:00+01:00"),
                Self.event("EV-1", crime: "CR-2", type: "suspect_arrested", at: "2026-10-05T14:00:00+01:00"),
            ]
            let outcome = try await Self.run(app, try Self.write(later))
            #expect(outcome.counts == .init(rows: 4, created: 1, updated: 2, unchanged: 1, rejected: 0))
            let reclassified = try #require(
                try await Crime.query(on: app.db).filter(\.$reference == "IMP/0001/26").first())
            #expect(reclassified.offenceCode == "046/00" && reclassified.$officerInCase.id == officer.id)
            #expect(reclassified.offenceDescription != crime1.offenceDescription, "the new code's description")
            let phones = try await ContactPoint.query(on: app.db).filter(\.$person.$id == ada.id!).all().map(\.value)
            #expect(Set(phones).count == 2)
            #expect(try await Victim.find(adaVictim.id!, on: app.db)?.enhanced == true)
            #expect(
                try await NeedsAssessmentRecord.query(on: app.db).filter(\.$victim.$id == adaVictim.id!).count() == 2)
            // The newly arrested suspect creates the duty to inform. Ada was assessed vulnerable after the arrest
            // (today, by this file), so the arrest is counted with the 5 working days of the time it happened:
            // Tuesday 6 October 2026 gives the end of Tuesday 13 October.
            let r9 = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == adaVictim.id!)
                .filter(\.$code == "R9").all()
            #expect(r9.map(\.dueDate) == ["2026-10-13"])
        }
    }

    @Test func badRowsAreReportedWithTheirLinesAndGoodRowsAreKept() async throws {
        try await withTestApp { app in
            var bytes = Data()
            func line(_ text: String) { bytes.append(Data((text + "\n").utf8)) }
            line(Self.header)  // 1
            line(Self.crime("CR-1", "BAD/0001/26", occurred: "2026-13-45T25:00:00+01:00"))  // 2: bad date
            line(Self.crime("CR-2", "BAD/0002/26", code: "999/99"))  // 3: unknown offence
            line("")  // 4: empty
            line(Self.crime("CR-3", "GOOD/0003/26"))  // 5: good
            line("crime,CR-4,,\"BAD/0004/26,049/00,,CN,2026-10-01T21:30:00+01:00")  // 6: quote never closed
            line(Self.person("P-1", crime: "CR-3", given: "Ada", family: "Okafor"))  // 7: good
            bytes.append(Data("person,P-2,CR-3,,,,,,,,victim,Zo".utf8))  // 8: Latin-1, not UTF-8
            bytes.append(contentsOf: [0xEB])
            line(",Smith,1990-01-01,,,phone,en,no,yes,,")
            line(
                Self.crime("CR-5", "BIG/0005/26").replacingOccurrences(
                    of: "telephone", with: String(repeating: "x", count: 1_048_576)))  // 9: 1 MB field
            line(Self.crime("CR-3", "GOOD/0003/26"))  // 10: duplicate id
            line(Self.crime("CR-6", "GOOD/0003/26"))  // 11: duplicate reference
            line(Self.person("P-3", crime: "CR-404", given: "No", family: "Crime"))  // 12: unknown crime
            line("event,EV-1,CR-3,,,,,,,,,,,,,,,,,,arrested,2026-10-05")  // 13: unknown type, no offset
            line("crime,CR-7,too,few,fields")  // 14
            line(Self.crime("CR-8", "GOOD/0008/26", unit: "ZZ"))  // 15: unknown unit
            // 16: good
            line(Self.event("EV-2", crime: "CR-3", type: "suspect_arrested", at: "2026-10-05T14:00:00+01:00"))
            let outcome = try await Self.run(app, try Self.write(bytes))
            let byLine = Dictionary(
                outcome.problems.map { ($0.line, $0.reason) }, uniquingKeysWith: { a, b in a + " | " + b })
            #expect(byLine[2]?.contains("occurred_at") == true)
            #expect(byLine[3] == "offence_code: Offence code 999/99 is not a known offence")
            #expect(byLine[4] == nil && byLine[5] == nil && byLine[7] == nil && byLine[16] == nil)
            #expect(byLine[6] == "The row cannot be read: a quoted field is not closed")
            #expect(byLine[8] == "The row cannot be read: field 12 is not valid UTF-8")
            #expect(byLine[9] == "The row cannot be read: the line is longer than 262144 bytes")
            #expect(byLine[10] == "source_id: Crime CR-3 appears more than once in this file (first on line 5)")
            #expect(byLine[11] == "reference: Crime reference GOOD/0003/26 is already recorded")
            #expect(byLine[12]?.hasPrefix("crime_source_id: Crime CR-404 is not in this file") == true)
            #expect(byLine[13]?.contains("type: ") == true && byLine[13]?.contains("at: ") == true)
            #expect(byLine[14] == "The row has 5 fields; the first line names 22")
            #expect(byLine[15] == "command_unit: Command unit ZZ does not exist")
            #expect(outcome.counts.rejected == 11 && outcome.counts.created == 3)
            #expect(try await Crime.query(on: app.db).all().map(\.reference) == ["GOOD/0003/26"])
            #expect(try await CaseEvent.query(on: app.db).count() == 1)
            // The report is kept with the run, for the upload page.
            let stored = try await Self.count(app, "import_problems")
            #expect(stored == 11)
        }
    }

    @Test func aFileWithoutTheRequiredColumnsIsRefusedWhole() async throws {
        try await withTestApp { app in
            let outcome = try await Self.run(app, try Self.write(["reference,offence_code", "X/1,049/00"]))
            #expect(outcome.failure == "Line 1: the first line must name the columns; record and source_id are missing")
            #expect(try await Crime.query(on: app.db).count() == 0)
            let empty = try await Self.run(app, try Self.write(Data()))
            #expect(empty.failure == "The file is empty")
        }
    }

    @Test func administratorsUploadAFileAndFollowItsProgressAndReport() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imports-\(UUID())").path
        try await withTestApp({ $0.importDirectory = directory }) { app in
            let world = try await World(app)
            _ = try await world.user("admin.one", .administrator)
            _ = try await world.user("pc.hart", .officer, rank: "PC")
            var officer = Browser(app)
            try await officer.signIn("pc.hart")
            #expect(try await officer.get("/admin/imports").status == .forbidden)

            var admin = Browser(app)
            try await admin.signIn("admin.one")
            let page = try await admin.get("/admin/imports")
            #expect(page.status == .ok && page.body.string.contains("enctype=\"multipart/form-data\""))
            // Without the form's token, or without a file, nothing is imported.
            let forged = try await admin.upload(
                "/admin/imports", fields: [("source", "CRIS")],
                file: ("file", "x.csv", Data(Self.first.joined(separator: "\n").utf8)), withCSRF: false)
            #expect(forged.status == .forbidden)
            let empty = try await admin.upload("/admin/imports", fields: [("source", "CRIS")], file: nil)
            #expect(empty.status == .unprocessableEntity)
            #expect(
                empty.body.string.contains("error-summary") && empty.body.string.contains("Choose a CSV file to import")
            )
            let badSource = try await admin.upload(
                "/admin/imports", fields: [("source", "CRIS; DROP")],
                file: ("file", "x.csv", Data(Self.first.joined(separator: "\n").utf8)))
            #expect(badSource.status == .unprocessableEntity)
            #expect(try await Crime.query(on: app.db).count() == 0)

            var lines = Self.first
            lines.append(Self.crime("CR-9", "IMP/0009/26", unit: "ZZ"))
            let uploaded = try await admin.upload(
                "/admin/imports", fields: [("source", "CRIS")],
                file: ("file", "nightly.csv", Data(lines.joined(separator: "\n").utf8)))
            #expect(uploaded.status == .seeOther)
            let location = try #require(uploaded.location)
            await app.importWorkers.wait()
            let run = try await admin.get(location)
            #expect(run.status == .ok)
            let html = run.body.string
            #expect(html.contains("Import of nightly.csv") && html.contains("finished"))
            #expect(html.contains("command_unit: Command unit ZZ does not exist"))
            #expect(try await Crime.query(on: app.db).count() == 2)
            let progress = try await admin.get(location + "/progress")
            let json = try JSONSerialization.jsonObject(with: Data(progress.body.string.utf8)) as? [String: Any]
            #expect(
                json?["created"] as? Int == 7 && json?["rejected"] as? Int == 1 && json?["running"] as? Bool == false)
            let csv = try await admin.get(location + "/problems.csv")
            #expect(csv.headers.contentType?.subType == "csv")
            #expect(csv.body.string == "\u{FEFF}line,reason\r\n9,command_unit: Command unit ZZ does not exist\r\n")
            // The uploaded file is removed once read, and the upload is in the audit trail.
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: app.config.importDirectory)) ?? []
            #expect(leftovers.isEmpty)
            #expect(try await AuditEntry.query(on: app.db).filter(\.$recordType == "import_run").count() == 1)
        }
    }

    /// A disk that fills while a file is uploaded: the upload is refused with a page that says why, and the server
    /// goes on. Foundation's `write(_: Data)`, used before, stopped the whole process on the first failed write.
    @Test func anUploadTheDiskCannotHoldIsRefusedAndTheServerGoesOn() async throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let receiver = UploadReceiver(handle: full, path: "/dev/null", expectedToken: "token", maxBytes: 1 << 20)
        var token = ByteBuffer(string: "token")
        receiver.header("Content-Disposition", "form-data; name=\"\(CSRFMiddleware.field)\"")
        receiver.body(&token)
        receiver.partComplete()
        receiver.header("Content-Disposition", "form-data; name=\"file\"; filename=\"nightly.csv\"")
        var chunk = ByteBuffer(string: String(repeating: "crime,CR-1,Zoë Ørsted,Иванова,王小明\n", count: 500))
        receiver.body(&chunk)
        let refusal = try #require(receiver.refusal as? UploadReceiver.NotStored)
        #expect(refusal.noRoom && refusal.posixCode == Int(ENOSPC))
        #expect(throws: UploadReceiver.NotStored.self) { try receiver.finish() }

        // The upload's file cannot even be made (a directory no file can be created in): not a full disk, so the page
        // says the server could not store it (503), not a 500.
        try await withTestApp({ $0.importDirectory = "/proc/self" }) { app in
            let world = try await World(app)
            _ = try await world.user("admin.one", .administrator)
            var admin = Browser(app)
            try await admin.signIn("admin.one")
            let refused = try await admin.upload(
                "/admin/imports", fields: [("source", "CRIS")],
                file: ("file", "nightly.csv", Data(Self.first.joined(separator: "\n").utf8)))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.body.string.contains("error-summary"))
            #expect(refused.body.string.contains("The server could not store this file, so nothing was imported"))
            #expect(try await Crime.query(on: app.db).count() == 0)
            #expect(try await admin.get("/admin/imports").status == .ok)
        }
    }

    /// A log line that cannot be written is dropped; the process goes on.
    @Test func aLogLineThatCannotBeWrittenDoesNotStopTheServer() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, output: full) }
        logger.logLevel = .info
        logger.info("an event", metadata: ["run_id": "\(UUID())"])
        logger.error("another")
    }

    @Test func yesterdaysCrimesAreAnnouncedToTheirVictimsAndHistoryIsNot() async throws {
        try await withTestApp { app in
            let now = Date()
            let yesterday = Instant.format(now.addingTimeInterval(-86_400))
            let dayBefore = Instant.format(now.addingTimeInterval(-2 * 86_400))
            let lines = [
                Self.header,
                Self.crime("CR-1", "NEW/0001/26", occurred: dayBefore, reported: yesterday),
                "person,P-1,CR-1,,,,,,,,victim,Ada,Okafor,1984-03-02,,ada@example.org,email,en,no,yes,,",
                Self.crime("CR-2", "OLD/0002/25"),
                "person,P-2,CR-2,,,,,,,,victim,Ben,Shah,1984-03-02,,ben@example.org,email,en,no,yes,,",
            ]
            let outcome = try await Self.run(app, try Self.write(lines))
            #expect(outcome.counts.created == 4 && outcome.counts.rejected == 0)
            let messages = try await OutboundMessage.query(on: app.db).all()
            #expect(Set(messages.map(\.recipient)) == ["ada@example.org"])
            #expect(messages.map(\.purpose).sorted() == ["confirmation", "leaflet"])
        }
    }
}
