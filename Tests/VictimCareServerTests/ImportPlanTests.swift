import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 17: an import chunk planned in memory and written in sets stores exactly what the services store a row
/// at a time, and the same whether the chunk holds one row or the whole file.
@Suite struct ImportPlanTests {
    /// An extract with what real ones carry: crimes of many kinds loaded from history, victims assessed
    /// vulnerable or not, consenting or not, a repeat victim whose crimes come out of order, suspects and
    /// witnesses, names in other scripts, arrests and charges (one entered late, before a later change), cases
    /// closed and reopened, rows the rules refuse, and a crime recent enough that its victim is told now.
    /// One moment for every load of the file, so "yesterday" is the same instant in each.
    static let now = Date()

    static func extract() -> [String] {
        var lines = [ImportTests.header]
        let codes = [
            "049/00", "105/01", "008/01", "019/07", "034/01", "046/00", "058/01", "001/00", "005/01", "036/00",
        ]
        let names = [
            ("Ada", "Okafor"), ("伟", "张"), ("Ωμέγα", "Παπαδοπούλου"), ("محمد", "الأحمد"), ("Siobhán", "Ní Bhriain"),
            ("Priya", "Shah"), ("Олег", "Иванов"), ("Kwame", "Mensah"),
        ]
        for n in 0..<24 {
            let crime = "CR-\(n)"
            /// An event of this crime in November 2026, on the given day at the given time (UTC).
            func event(_ id: String, _ type: String, day: Int, at time: String) -> String {
                ImportTests.event(
                    "\(id)-\(n)", crime: crime, type: type,
                    at: "2026-11-\(String(format: "%02d", day))T\(time):00+00:00")
            }
            let day = 1 + n % 27
            let month = n % 2 == 0 ? "09" : "10"
            let occurred = "2026-\(month)-\(String(format: "%02d", day))T21:30:00+01:00"
            let reported = "2026-\(month)-\(String(format: "%02d", day))T23:15:00+01:00"
            lines.append(
                ImportTests.crime(
                    crime, "PLAN/\(String(format: "%04d", n))/26", code: codes[n % codes.count],
                    unit: n % 3 == 0 ? "NA" : "CN", occurred: occurred, reported: reported))
            let (given, family) = names[n % names.count]
            lines.append(
                ImportTests.person(
                    "V-\(n)", crime: crime, given: given, family: "\(family) \(n)",
                    dob: n % 5 == 0 ? "2012-04-0\(1 + n % 9)" : "1980-01-1\(n % 9)",
                    phone: "07700 900\(String(format: "%03d", n))", vulnerable: n % 4 == 0 ? "yes" : "no",
                    consent: ["yes", "no", ""][n % 3]))
            if n % 3 == 1 {
                lines.append(
                    ImportTests.person(
                        "S-\(n)", crime: crime, role: "suspect", given: "Sam", family: "Reyes \(n)", dob: "",
                        phone: "", consent: ""))
            }
            if n % 4 == 2 {
                lines.append(
                    ImportTests.person(
                        "W-\(n)", crime: crime, role: "witness", given: "Wen", family: "Li \(n)", dob: "1990-02-02",
                        phone: "", consent: ""))
            }
            if n % 2 == 0 {
                lines.append(event("EA", "suspect_arrested", day: 1 + n % 20, at: "10:00"))
            }
            if n % 6 == 0 {
                lines.append(event("EC", "charged", day: 2 + n % 20, at: "10:00"))
                // Entered after the charge, dated before it: it joins the history without reopening the case.
                lines.append(event("EL", "suspect_interviewed", day: 1 + n % 20, at: "12:00"))
            }
            if n % 8 == 3 {
                // Closed and reopened: the victim's duties are paused in between (their facts hold both changes).
                lines.append(event("EX", "case_closed", day: 2 + n % 10, at: "09:00"))
                lines.append(event("EO", "case_reopened", day: 16 + n % 10, at: "09:00"))
            }
        }
        // A repeat victim: the later crime comes first in the file, the earlier one after it.
        lines.append(ImportTests.person("V-R", crime: "CR-9", given: "Ada", family: "Repeat", vulnerable: "no"))
        lines.append(ImportTests.person("V-R", crime: "CR-3", given: "Ada", family: "Repeat", vulnerable: "no"))
        lines.append(ImportTests.person("V-R", crime: "CR-15", given: "Ada", family: "Repeat", vulnerable: "no"))
        // Rows the rules refuse: an unknown offence, an event before its offence, a repeated id, a person twice.
        lines.append(ImportTests.crime("CR-BAD", "PLAN/BAD1/26", code: "999/99"))
        lines.append(
            ImportTests.event("EB-1", crime: "CR-1", type: "suspect_arrested", at: "2026-01-01T10:00:00+00:00"))
        lines.append(ImportTests.crime("CR-2", "PLAN/DUP2/26"))
        lines.append(ImportTests.person("V-R", crime: "CR-9", given: "Ada", family: "Repeat", vulnerable: "no"))
        // A crime reported yesterday: its victim is told now, through the services, in the middle of the file.
        let yesterday = Instant.format(Self.now.addingTimeInterval(-86_400))
        let before = Instant.format(Self.now.addingTimeInterval(-90_000))
        lines.append(ImportTests.crime("CR-NEW", "PLAN/NEW1/26", occurred: before, reported: yesterday))
        lines.append(
            ImportTests.person("V-NEW", crime: "CR-NEW", given: "Nia", family: "Jones", consent: "yes")
                .replacingOccurrences(of: "07700 900501,,", with: "07700 900501,nia.jones@example.com,"))
        lines.append(ImportTests.person("V-2", crime: "CR-NEW", given: "Priya", family: "Shah 2", consent: "no"))
        lines.append(ImportTests.event("EA-NEW", crime: "CR-NEW", type: "suspect_arrested", at: yesterday))
        // Rows after it still planned, one of them a victim already in the file in another crime.
        lines.append(ImportTests.person("V-1", crime: "CR-0", given: "伟", family: "张 1", vulnerable: "yes"))
        lines.append(
            ImportTests.event("EA-1", crime: "CR-1", type: "suspect_arrested", at: "2026-11-03T10:00:00+00:00"))
        return lines
    }

    /// A later file: every row again, a crime reclassified, a person's new number, new events and a new victim.
    static func later() -> [String] {
        var lines = extract()
        lines.append(ImportTests.crime("CR-4", "PLAN/0004/26", code: "046/00", occurred: "2026-09-05T21:30:00+01:00"))
        lines.append(
            ImportTests.person("V-5", crime: "CR-5", given: "Priya", family: "Shah 5", phone: "07700 900777"))
        lines.append(
            ImportTests.event("EA-3", crime: "CR-3", type: "suspect_arrested", at: "2026-11-04T10:00:00+00:00"))
        lines.append(ImportTests.person("V-X", crime: "CR-7", given: "Kofi", family: "Annan", vulnerable: "yes"))
        return lines
    }

    struct Run: Equatable {
        var counts: CrimeImport.Counts
        var problems: [CrimeImport.Problem]
        var tables: [String: [String]]
    }

    static func importFile(
        _ app: Application, _ lines: [String], rows: Int, planned: Bool, bulk: Bool = false, pipelined: Bool = true
    ) async throws -> CrimeImport.Outcome {
        let runID = try await CrimeImport.begin(
            source: "CRIS", fileName: "extract.csv", bytes: 0, byName: "test", on: app.db)
        var importer = CrimeImport(source: "CRIS", context: .system)
        importer.rowsPerTransaction = rows
        importer.planned = planned
        importer.bulk = bulk
        importer.pipelined = pipelined
        return try await importer.run(path: try ImportTests.write(lines), runID: runID, on: app.db)
    }

    static let tables = [
        "crimes", "crime_status_changes", "persons", "contact_points", "crime_persons", "victims", "needs_assessments",
        "enhanced_changes", "referral_consents", "referrals", "case_events", "obligations", "audit_entries",
        "import_keys", "messages",
    ]
    /// Columns that say when a row was written or how many times it was rewritten, not what it records.
    static let timing: Set<String> = [
        "created_at", "updated_at", "recorded_at", "recording_decision_at", "facts_version", "computed_version",
        "status_at", "run_id", "next_attempt_at",
        // A fingerprint of the obligations, which are compared row by row (their keys name event ids).
        "obligations_hash",
    ]

    /// Every row of every table the import writes, as text, with each imported record's id replaced by its
    /// source id and every other id by a placeholder; sorted, so two databases compare row for row.
    static func dump(_ app: Application) async throws -> [String: [String]] {
        let sql = app.db as! any SQLDatabase
        struct Key: Decodable {
            var kind: String
            var source_id: String
            var target_id: UUID
        }
        let keys = try await sql.select().columns("kind", "source_id", "target_id").from("import_keys")
            .all(decoding: Key.self)
        var names: [UUID: String] = [:]
        for key in keys { names[key.target_id] = "\(key.kind):\(key.source_id)" }
        var result: [String: [String]] = [:]
        for table in tables {
            var rows: [String] = []
            for row in try await sql.raw("SELECT * FROM \(ident: table)").all() {
                var cells: [String] = []
                // R2 is met, and duties counted from the recording decision start, when the crime is recorded
                // here: when the import ran.
                let recordedHere = table == "obligations" && text(row, "obligation_key", names) == "R2:crime"
                let fromRecording = table == "obligations" && text(row, "trigger", names) == "crime_recorded"
                for column in row.allColumns.sorted() where !timing.contains(column) {
                    if table == "audit_entries", column == "at" { continue }
                    if recordedHere, column == "met_at" || column == "met_by" { continue }
                    if fromRecording, column == "triggered_at" { continue }
                    if table == "obligations", column == "id" { continue }
                    if table == "obligations", column == "row_hash" {
                        cells.append("row_hash=\(rowHashCheck(row))")
                        continue
                    }
                    if table == "referrals", column == "created_at" { continue }
                    cells.append("\(column)=\(text(row, column, names))")
                }
                rows.append(cells.joined(separator: " "))
            }
            result[table] = rows.sorted()
        }
        return result
    }

    /// "ok" when an obligation row keeps the hash of what it says (`Obligation.contentHash`), otherwise what is
    /// wrong. Times read back from PostgreSQL are to the microsecond, so each may be a microsecond off the one the
    /// hash was made from.
    static func rowHashCheck(_ row: any SQLRow) -> String {
        func time(_ column: String) throws -> [Double?] {
            guard let t = try row.decode(column: column, as: Date?.self)?.timeIntervalSince1970 else { return [nil] }
            return [t, t - 0.000_001, t + 0.000_001]
        }
        do {
            let stored = try row.decode(column: "row_hash", as: Int64?.self)
            let trigger = try #require(ObligationTrigger(rawValue: try row.decode(column: "trigger", as: String.self)))
            let state = try #require(Obligation.State(rawValue: try row.decode(column: "state", as: String.self)))
            let due = try #require(LocalDate(try row.decode(column: "due_date", as: String.self)))
            let (code, key) = (
                try row.decode(column: "code", as: String.self),
                try row.decode(column: "obligation_key", as: String.self)
            )
            let (metBy, reason) = (
                try row.decode(column: "met_by", as: String?.self), try row.decode(column: "reason", as: String?.self)
            )
            var hashes: [Int64] = []
            for dueAt in try time("due_at") {
                for triggeredAt in try time("triggered_at") {
                    for metAt in try time("met_at") {
                        hashes.append(
                            Obligation(
                                code: code, key: key, trigger: trigger, right: 0, duty: "", triggeredAt: triggeredAt!,
                                dueDate: due, dueAt: dueAt!, state: state, metAt: metAt, metBy: metBy, reason: reason
                            ).contentHash)
                    }
                }
            }
            return stored.map(hashes.contains) == true
                ? "ok" : "stored \(stored.map(String.init) ?? "NULL"), the row says \(hashes[0])"
        } catch {
            return "unreadable: \(error)"
        }
    }

    static func text(_ row: any SQLRow, _ column: String, _ names: [UUID: String]) -> String {
        if (try? row.decodeNil(column: column)) == true { return "NULL" }
        if let id = try? row.decode(column: column, as: UUID.self) { return names[id] ?? "#" }
        // PostgreSQL hands any column over as text (its binary form): ask for the typed values first.
        if TestDatabase.isPostgres {
            if let value = try? row.decode(column: column, as: Bool.self) { return "\(value)" }
            if let value = try? row.decode(column: column, as: Int.self) { return "\(value)" }
            if let value = try? row.decode(column: column, as: Double.self) { return String(format: "%.3f", value) }
            if let value = try? row.decode(column: column, as: Date.self) {
                return String(format: "%.3f", value.timeIntervalSince1970)
            }
        }
        if let value = try? row.decode(column: column, as: String.self) {
            // SQLite keeps an instant as seconds in a REAL: the same instant reached two ways (parsed, or read back
            // through Foundation's 2001-based Date) can differ in the last bit; compare to the millisecond.
            if value.contains("."), value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }),
                let seconds = Double(value)
            {
                return String(format: "%.3f", seconds)
            }
            return normalised(value, names)
        }
        if let value = try? row.decode(column: column, as: Int.self) { return "\(value)" }
        if let value = try? row.decode(column: column, as: Double.self) { return String(format: "%.3f", value) }
        if let value = try? row.decode(column: column, as: Bool.self) { return "\(value)" }
        if let value = try? row.decode(column: column, as: Date.self) {
            return String(format: "%.3f", value.timeIntervalSince1970)
        }
        return "?"
    }

    /// Text with the ids inside it named (an obligation's key names its event, an audit summary its crime), and
    /// JSON with its keys in order.
    private static func normalised(_ text: String, _ names: [UUID: String]) -> String {
        if text.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
            let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        {
            return String(decoding: sorted, as: UTF8.self)
        }
        var result = text
        let pattern = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/
        for match in text.matches(of: pattern).reversed() {
            let id = UUID(uuidString: String(match.output))
            result.replaceSubrange(match.range, with: id.flatMap { names[$0] } ?? "#")
        }
        return result
    }

    /// Imports the extract, then the later file, in a fresh database; what every table holds after each.
    static func load(rows: Int, planned: Bool, bulk: Bool = false, pipelined: Bool = true) async throws -> [Run] {
        var runs: [Run] = []
        try await withTestApp { app in
            let indexes = try await BulkLoadTests.indexes(app)
            for lines in [extract(), later()] {
                let outcome = try await importFile(
                    app, lines, rows: rows, planned: planned, bulk: bulk, pipelined: pipelined)
                #expect(outcome.failure == nil)
                #expect(try await BulkLoadTests.indexes(app) == indexes, "every index is there after the import")
                // Every victim's stored fingerprint is that of what they are owed: a recompute would leave them alone.
                let victims = try await Victim.query(on: app.db).all().map { $0.id! }
                let stale = try await ObligationService.plan(victims, reassess: false, verify: false, on: app.db)
                    .victims.filter { $0.obligations != nil }.map(\.id)
                #expect(stale.isEmpty, "\(stale.count) of \(victims.count) victims stored with another fingerprint")
                runs.append(
                    Run(counts: outcome.counts, problems: outcome.problems, tables: try await dump(app)))
            }
        }
        return runs
    }

    @Test func aChunkOfOneWritesWhatAChunkOfThousandsAndTheServicesWrite() async throws {
        let services = try await Self.load(rows: 1000, planned: false)
        let one = try await Self.load(rows: 1, planned: true)
        let many = try await Self.load(rows: 5000, planned: true)
        let sizes = try await Self.load(rows: 7, planned: true)
        // A first load at cut-over (`import crimes --bulk`): indexes dropped and built again, chunks of 40; each
        // chunk planned while the one before it is written, and in chunks of 7 a crime's people and events often
        // in the chunk after it.
        let bulk = try await Self.load(rows: 40, planned: true, bulk: true)
        let bulkSevens = try await Self.load(rows: 7, planned: true, bulk: true)
        // … and a chunk planned only once the one before it is written.
        let bulkInTurn = try await Self.load(rows: 7, planned: true, bulk: true, pipelined: false)
        #expect(services.count == 2)
        // The file did what it says: records of every kind, obligations, the bad rows refused.
        let first = try #require(services.first)
        #expect(first.counts.rejected == 4 && first.counts.created > 90, "\(first.counts) \(first.problems)")
        #expect(first.tables["obligations"]!.count > 100)
        #expect(first.tables["referrals"]!.count > 3)
        #expect(first.tables["messages"]!.count > 0, "the victim of yesterday's crime is told now")
        let enhanced = first.tables["enhanced_changes"]!.map {
            $0.contains("enhanced=true") || $0.contains("enhanced=1 ")
        }
        #expect(enhanced.contains(true) && enhanced.contains(false), "\(first.tables["enhanced_changes"]!.prefix(2))")
        for (label, other) in [
            ("a chunk of one", one), ("a chunk of the whole file", many), ("chunks of 7", sizes), ("a bulk load", bulk),
            ("a bulk load in chunks of 7", bulkSevens), ("a bulk load a chunk at a time", bulkInTurn),
        ] {
            for (step, (expected, got)) in zip(services, other).enumerated() {
                #expect(got.counts == expected.counts, "\(label), file \(step + 1)")
                #expect(got.problems == expected.problems, "\(label), file \(step + 1)")
                for table in Self.tables {
                    let want = expected.tables[table] ?? []
                    let have = got.tables[table] ?? []
                    let same = want == have
                    #expect(
                        same,
                        """
                        \(label), file \(step + 1), \(table): \(want.count) rows against \(have.count); \
                        first difference: \(zip(want, have).first { $0 != $1 }.map { "\($0.0)\n  vs\n\($0.1)" } ?? "counts")
                        """)
                }
            }
        }
    }

    /// Rows of a file as the import reads them.
    static func rows(_ lines: [String]) -> [ImportRow] {
        var reader = CSVReader()
        reader.feed(Data(lines.joined(separator: "\n").utf8))
        reader.finish()
        var header: [String: Int]?
        var rows: [ImportRow] = []
        while let item = reader.next() {
            guard case .record(let line, let fields) = item else { continue }
            guard let columns = header else {
                header = Dictionary(fields.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                continue
            }
            rows.append(ImportRow(line: line, fields: fields, columns: columns))
        }
        return rows
    }

    /// A bulk load plans a chunk while the one before it is written, outside any transaction: if an officer
    /// changes a crime it found in between (here: closes it after the charge the chunk records), the chunk is
    /// planned again in its transaction, as the services would have it, and never written from the older reading.
    @Test func aChunkPlannedAheadIsPlannedAgainWhenACrimeItFoundChangedMeanwhile() async throws {
        try await withTestApp { app in
            let first = [
                ImportTests.header, ImportTests.crime("CR-A", "AHEAD/0001/26"),
                ImportTests.person("V-A", crime: "CR-A", given: "Zoë", family: "Ó Briain"),
            ]
            #expect(try await Self.importFile(app, first, rows: 100, planned: true, bulk: true).failure == nil)
            let crimeID = try #require(
                try await ImportKey.find(source: "CRIS", kind: "crime", sourceID: "CR-A", on: app.db)?.targetID)
            let runID = try await CrimeImport.begin(
                source: "CRIS", fileName: "later.csv", bytes: 0, byName: "test", bulk: true, on: app.db)
            var importer = CrimeImport(source: "CRIS", context: .system)
            importer.bulk = true
            let rows = Self.rows([
                ImportTests.header,
                ImportTests.event("EC-A", crime: "CR-A", type: "charged", at: "2026-11-02T10:00:00+00:00"),
                ImportTests.person("W-A", crime: "CR-A", role: "witness", given: "Wen", family: "李"),
            ])
            let ahead = try #require(try await importer.planAhead(rows, runID: runID, carry: nil, on: app.db))
            try await CrimeService.changeStatus(
                crimeID, to: CrimeStatus.closed.rawValue, note: "No further action", context: .system, on: app.db)
            let written = try await importer.write(rows, ahead: ahead, runID: runID, on: app.db)
            #expect(!written.fromAhead, "the plan found the crime open")
            #expect(written.counts.created == 2 && written.problems.isEmpty, "\(written)")
            let crime = try #require(try await Crime.find(crimeID, on: app.db))
            #expect(crime.status == .closed, "the officer's closure, later than the charge, stands")
            let changes = try await CrimeStatusChange.query(on: app.db).filter(\.$crime.$id == crimeID).all()
            #expect(
                changes.map(\.statusCode).sorted()
                    == [CrimeStatus.closed, .recorded, .suspectCharged].map(\.rawValue).sorted())

            // Nothing changed in between: the plan made ahead is written as it stands.
            let more = Self.rows([
                ImportTests.header,
                ImportTests.person("S-A", crime: "CR-A", role: "suspect", given: "Sam", family: "Reyes"),
            ])
            let unchanged = try #require(try await importer.planAhead(more, runID: runID, carry: nil, on: app.db))
            let kept = try await importer.write(more, ahead: unchanged, runID: runID, on: app.db)
            #expect(kept.fromAhead && kept.counts.created == 1)
        }
    }

    /// The chunk after one still being written is planned on what that one made (its carry): a crime and a
    /// victim it made are found, and the plan is written as made. If an officer changes the crime or the person
    /// it relies on in between, it is planned again in its transaction instead.
    @Test func aChunkIsPlannedOnTheCarryOfTheOneBeingWritten() async throws {
        try await withTestApp { app in
            for change in ["nothing", "the crime", "the person"] {
                let n = change.count
                let first = [
                    ImportTests.header, ImportTests.crime("CR-P\(n)", "CARRY/P\(n)/26"),
                    ImportTests.person("V-P\(n)", crime: "CR-P\(n)", given: "Zoë", family: "Ó Briain"),
                ]
                #expect(try await Self.importFile(app, first, rows: 100, planned: true, bulk: true).failure == nil)
                let runID = try await CrimeImport.begin(
                    source: "CRIS", fileName: "next.csv", bytes: 0, byName: "test", bulk: true, on: app.db)
                var importer = CrimeImport(source: "CRIS", context: .system)
                importer.bulk = true
                let a = Self.rows([
                    ImportTests.header, ImportTests.crime("CR-Q\(n)", "CARRY/Q\(n)/26"),
                    ImportTests.person("V-Q\(n)", crime: "CR-Q\(n)", given: "伟", family: "张"),
                ])
                let b = Self.rows([
                    ImportTests.header,
                    ImportTests.event("EC-Q\(n)", crime: "CR-Q\(n)", type: "charged", at: "2026-11-02T10:00:00+00:00"),
                    ImportTests.person("V-P\(n)", crime: "CR-Q\(n)", given: "Zoë", family: "Ó Briain"),
                ])
                let planA = try #require(try await importer.planAhead(a, runID: runID, carry: nil, on: app.db))
                // Planned before A is written: CR-Q exists only in A's carry.
                let planB = try #require(
                    try await importer.planAhead(b, runID: runID, carry: planA.chunk.carry(), on: app.db))
                #expect(planB.written.problems.isEmpty && planB.written.counts.created == 2, "\(planB.written)")
                let writtenA = try await importer.write(a, ahead: planA, runID: runID, on: app.db)
                #expect(writtenA.fromAhead && writtenA.counts.created == 2)
                let crimeID = try #require(
                    try await ImportKey.find(source: "CRIS", kind: "crime", sourceID: "CR-Q\(n)", on: app.db)?.targetID)
                let personID = try #require(
                    try await ImportKey.find(source: "CRIS", kind: "person", sourceID: "V-P\(n)", on: app.db)?.targetID)
                switch change {
                case "the crime":
                    try await CrimeService.changeStatus(
                        crimeID, to: CrimeStatus.closed.rawValue, note: nil, context: .system, on: app.db)
                case "the person":
                    _ = try await PersonService.update(
                        personID, PersonDraft(givenName: "Zoë", familyName: "Ó Briain-Hart"), context: .system,
                        on: app.db)
                default: break
                }
                let writtenB = try await importer.write(b, ahead: planB, runID: runID, on: app.db)
                #expect(writtenB.fromAhead == (change == "nothing"), "\(change) changed")
                #expect(writtenB.counts.created == 2 && writtenB.problems.isEmpty, "\(change): \(writtenB)")
                let crime = try #require(try await Crime.find(crimeID, on: app.db))
                #expect(crime.status == (change == "the crime" ? .closed : .suspectCharged), "\(change)")
                let links = try await CrimePerson.query(on: app.db).filter(\.$person.$id == personID).count()
                #expect(links == 2, "\(change): the victim of both crimes")
            }
        }
    }
}
