import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Loads crimes, the people in them and case events from a records system's CSV extract (layout in
/// `docs/import-layout.md`), through the same services as the web and the API — so every check, audit entry
/// and Victims' Code trigger applies.
///
/// The file is read a chunk at a time (constant memory whatever its size). Each source record is remembered
/// in `import_keys` with a fingerprint of its fields: the same file again changes nothing; a later file
/// updates what changed. Bad rows are reported with their line and reason and the good ones are kept.
struct CrimeImport: Sendable {
    struct Counts: Sendable, Equatable {
        var rows = 0
        var created = 0
        var updated = 0
        var unchanged = 0
        var rejected = 0
    }

    struct Problem: Sendable, Equatable {
        var line: Int
        var reason: String
    }

    struct Outcome: Sendable {
        var runID: UUID
        var counts: Counts
        /// The first problems (all of them are in `import_problems`, up to `maxStoredProblems`).
        var problems: [Problem]
        var failure: String?
    }

    /// The name of the system the extract comes from; source ids are unique within it.
    var source: String
    var context: AccessContext
    /// The most rows written per transaction; a chunk that hits a database error is replayed a row at a time.
    /// Chunks start smaller and grow while they stay short, and shrink when one takes long (rows that go
    /// through the services one at a time): a transaction holds SQLite's one write lock, which the web and the
    /// API wait for, so each is kept to about `chunkSeconds`.
    var rowsPerTransaction = 1000
    var chunkSeconds = 0.5
    /// Whether chunks are planned in memory and written in sets (`ImportChunk`); false sends every row through
    /// the services one at a time, as a replayed chunk is (the comparison the tests make).
    var planned = true
    var maxStoredProblems = 10_000
    /// A first load at cut-over (`import crimes --bulk`): the secondary indexes are dropped while rows go in and
    /// built once at the end, with fresh statistics, and every transaction holds `rowsPerTransaction` rows
    /// however long it takes (on SQLite the web and the API wait for each). A run stopped part-way leaves the
    /// indexes to the same file again, or to the next import or `migrate` once it has been silent two minutes.
    var bulk = false
    /// With `bulk`: each chunk planned while the one before it is written, on the other core (off only to
    /// measure what that gives: `VICTIMCARE_IMPORT_PIPELINE=off`).
    var pipelined = true

    /// A source system's name: short, and safe in a file name or a log line.
    static func validSource(_ name: String) -> Bool {
        (1...32).contains(name.count)
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
    }

    /// A victim of a crime reported more than this many days before the import is history being loaded: no
    /// written confirmation or leaflet is sent now (those duties show as they stand).
    static let announceDays = 7

    static let requiredColumns = ["record", "source_id"]
    static let knownColumns: Set<String> = [
        "record", "source_id", "crime_source_id", "reference", "offence_code", "offence", "flags", "command_unit",
        "occurred_at", "occurred_to", "reported_at", "channel", "officer_in_case", "summary", "role", "given_name",
        "family_name", "date_of_birth", "phone", "email", "preferred_contact", "preferred_times", "language",
        "interpreter_needed", "vulnerable", "intimidated", "persistently_targeted", "bereaved", "referral_consent",
        "type", "at", "note",
    ]

    /// Starts a run: the row every node's upload page reads progress from.
    static func begin(
        source: String, fileName: String, bytes: Int, byName: String, bulk: Bool = false, on db: any Database
    ) async throws -> UUID {
        let id = UUID.random()
        try await (db as! any SQLDatabase).insert(into: "import_runs")
            .columns(
                "id", "source", "file_name", "state", "started_at", "heartbeat_at", "by_name", "bytes", "bytes_read",
                "rows", "created",
                "updated", "unchanged", "rejected", "bulk"
            )
            .values(
                SQLBind(id), SQLBind(source), SQLBind(String(fileName.prefix(200))), SQLBind("running"),
                SQLBind(Date()), SQLBind(Date()), SQLBind(String(byName.prefix(200))), SQLBind(bytes), SQLBind(0),
                SQLBind(0),
                SQLBind(0), SQLBind(0), SQLBind(0), SQLBind(0), SQLBind(bulk)
            )
            .run()
        return id
    }

    /// Imports the file at `path` under the run `runID`, calling `progress` with bytes read so far. An error
    /// that stops the run (the database gone) marks it failed; importing the file again finishes it.
    func run(
        path: String, runID: UUID, on db: any Database, progress: @Sendable (Int) -> Void = { _ in }
    ) async throws -> Outcome {
        do {
            if !bulk { try await BulkLoad.restoreIndexes(on: db) }
            return try await read(path: path, runID: runID, on: db, progress: progress)
        } catch {
            if bulk { try? await BulkLoad.restoreIndexes(on: db, evenDuringABulkLoad: true) }
            _ = try? await fail(
                runID,
                "The import stopped (\(String(describing: type(of: error)))); import the file again to finish it",
                on: db)
            throw error
        }
    }

    private func read(
        path: String, runID: UUID, on db: any Database, progress: @Sendable (Int) -> Void
    ) async throws -> Outcome {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return try await fail(runID, "The file could not be opened", on: db)
        }
        defer { try? handle.close() }
        var reader = CSVReader()
        var header: [String: Int]?
        var counts = Counts()
        var problems: [Problem] = []
        var stored = 0
        var pending: [ImportRow] = []
        var bytesRead = 0

        /// A row not imported, or (`rejects` false) a remark on the file kept with the report.
        func record(_ problem: Problem, rejects: Bool = true) async throws {
            if rejects { counts.rejected += 1 }
            if problems.count < 100 { problems.append(problem) }
            if stored < maxStoredProblems {
                stored += 1
                try await (db as! any SQLDatabase).insert(into: "import_problems")
                    .columns("id", "run_id", "line", "reason")
                    .values(SQLBind(UUID.random()), SQLBind(runID), SQLBind(problem.line), SQLBind(problem.reason))
                    .run()
            }
        }

        var chunkSize = bulk ? rowsPerTransaction : min(rowsPerTransaction, 100)
        // A bulk load plans each chunk while the one before it is written (the planning and the database then
        // use a core each): `inFlight` is that write, `carry` what its chunk made that is not yet committed.
        var inFlight: Task<Written, any Error>?
        var carry: ImportChunk.Carry?
        /// Rows that cannot be read, met while a chunk is being written: recorded after that chunk's problems
        /// (SQLite's one writer is busy with the chunk until then).
        var unreadable: [Problem] = []
        func reject(_ problem: Problem) async throws {
            guard inFlight != nil else { return try await record(problem) }
            unreadable.append(problem)
        }
        func account(_ result: Written) async throws {
            counts.created += result.counts.created
            counts.updated += result.counts.updated
            counts.unchanged += result.counts.unchanged
            for problem in result.problems { try await record(problem) }
            // Then the unreadable rows met while it was written, which come after its rows in the file.
            for problem in unreadable { try await record(problem) }
            unreadable.removeAll()
            try await saveProgress(runID, counts: counts, bytesRead: bytesRead, on: db)
            progress(bytesRead)
        }
        func settle() async throws -> Written? {
            guard let task = inFlight else { return nil }
            inFlight = nil
            let result = try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
            try await account(result)
            return result
        }
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let rows = pending
            pending.removeAll(keepingCapacity: true)
            guard bulk && planned && pipelined else {
                let started = ContinuousClock.now
                let result = try await write(rows, runID: runID, on: db)
                let took = ContinuousClock.now - started
                if !bulk, took > .seconds(chunkSeconds * 2) {
                    chunkSize = max(min(rowsPerTransaction, 20), chunkSize / 2)
                } else if !bulk, took < .seconds(chunkSeconds / 2) {
                    chunkSize = min(rowsPerTransaction, chunkSize * 2)
                }
                try await account(result)
                return
            }
            // Without a carry (the chunk being written went through the services) this one waits for it.
            if inFlight != nil, carry == nil { _ = try await settle() }
            let afterInFlight = inFlight != nil
            var ahead: Ahead?
            do {
                ahead = try await planAhead(rows, runID: runID, carry: carry, on: db)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Reading outside the transaction failed (no free connection, say): planned in it instead.
                ahead = nil
            }
            // Planned on a carry the write did not keep to (it was planned again, or went a row at a time): again.
            if let previous = try await settle(), afterInFlight, !previous.fromAhead { ahead = nil }
            carry = ahead?.chunk.carry()
            let parcel = Retired.Parcel(rows: rows, ahead: ahead)
            inFlight = Task {
                defer { Retired.release(parcel) }
                return try await write(parcel.rows, ahead: parcel.ahead, runID: runID, on: db)
            }
        }

        /// The file's rows to the end, planned and written a chunk at a time; a failure of the whole file returned.
        func readRows() async throws -> Outcome? {
            while true {
                let chunk = try handle.read(upToCount: 256 * 1024) ?? Data()
                if chunk.isEmpty { reader.finish() } else { reader.feed(chunk) }
                bytesRead += chunk.count
                while let item = reader.next() {
                    switch item {
                    case .problem(let line, let reason):
                        counts.rows += 1
                        try await reject(Problem(line: line, reason: "The row cannot be read: \(reason)"))
                    case .record(let line, let fields):
                        guard let columns = header else {
                            let names = fields.map { $0.trimmingWhitespace().lowercased() }
                            let missing = Self.requiredColumns.filter { !names.contains($0) }
                            if !missing.isEmpty {
                                return try await fail(
                                    runID,
                                    "Line \(line): the first line must name the columns; \(missing.joined(separator: " and ")) "
                                        + (missing.count == 1 ? "is" : "are") + " missing", on: db)
                            }
                            header = Dictionary(
                                names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
                            // A bulk load drops the indexes once the file is known to be an extract.
                            if bulk { try await BulkLoad.dropIndexes(on: db) }
                            let unknown = names.filter { !Self.knownColumns.contains($0) && !$0.isEmpty }
                            if !unknown.isEmpty {
                                try await record(
                                    Problem(
                                        line: line,
                                        reason:
                                            "Columns not in the layout are ignored: \(unknown.joined(separator: ", "))"),
                                    rejects: false)
                            }
                            continue
                        }
                        counts.rows += 1
                        if fields.count != columns.count {
                            try await reject(
                                Problem(
                                    line: line,
                                    reason: "The row has \(fields.count) fields; the first line names \(columns.count)")
                            )
                            continue
                        }
                        pending.append(ImportRow(line: line, fields: fields, columns: columns))
                        if pending.count >= chunkSize { try await flush() }
                    }
                }
                if chunk.isEmpty { break }
            }
            try await flush()
            _ = try await settle()
            return nil
        }
        do {
            if let failed = try await readRows() { return failed }
        } catch {
            // A chunk being written is let finish (or fail) before the error goes on, and what it wrote is counted.
            if let task = inFlight, let result = try? await task.value { try? await account(result) }
            throw error
        }
        if header == nil { return try await fail(runID, "The file is empty", on: db) }
        // Finished once the indexes are back: a rebuild that fails leaves the run failed, to be run again.
        if bulk {
            // Heard from between indexes, so the run does not look stopped while they are built.
            try await BulkLoad.createIndexes(on: db) { try await holdWriter(runID, on: db) }
            try await BulkLoad.analyze(on: db)
        }
        try await (db as! any SQLDatabase).update("import_runs")
            .set("state", to: "finished").set("finished_at", to: Date())
            .where("id", .equal, runID).run()
        try await saveProgress(runID, counts: counts, bytesRead: bytesRead, on: db)
        return Outcome(runID: runID, counts: counts, problems: problems)
    }

    private func fail(_ runID: UUID, _ message: String, on db: any Database) async throws -> Outcome {
        try await (db as! any SQLDatabase).update("import_runs")
            .set("state", to: "failed").set("finished_at", to: Date()).set("message", to: message)
            .where("id", .equal, runID).run()
        return Outcome(runID: runID, counts: Counts(), problems: [], failure: message)
    }

    private func saveProgress(_ runID: UUID, counts: Counts, bytesRead: Int, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update("import_runs")
            .set("heartbeat_at", to: Date()).set("bytes_read", to: bytesRead).set("rows", to: counts.rows).set(
                "created", to: counts.created
            )
            .set("updated", to: counts.updated).set("unchanged", to: counts.unchanged)
            .set("rejected", to: counts.rejected)
            .where("id", .equal, runID).run()
    }

    // MARK: - Writing rows

    /// Where a written chunk's records are let go. Its rows and plan are a few hundred thousand objects (every
    /// model's fields are objects of their own), and freeing them was 1.8 s of a 200,000-row load on SQLite, all on
    /// the write path: a task frees what its closure holds before it is complete, so the next chunk waited for it.
    /// Freed on a thread of their own, they take whichever core is free (issue 17).
    enum Retired {
        private static let queue = DispatchQueue(label: "victimcare.import.retired", qos: .utility)

        /// Empties the parcel on the queue's thread: the parcel holds the chunk's last references once the write
        /// has returned, so that is where its records are freed.
        static func release(_ parcel: Parcel) {
            queue.async { parcel.empty() }
        }

        /// A chunk and its plan, held for the task that writes it (which reads them, and nothing else touches them
        /// until it is done) and emptied by `release` after.
        final class Parcel: @unchecked Sendable {
            private(set) var rows: [ImportRow]
            private(set) var ahead: Ahead?

            init(rows: [ImportRow], ahead: Ahead?) {
                self.rows = rows
                self.ahead = ahead
            }

            fileprivate func empty() {
                rows = []
                ahead = nil
            }
        }
    }

    struct Written: Sendable {
        var counts = Counts()
        var problems: [Problem] = []
        /// Written as planned ahead (so the next chunk's plan, made on its carry, holds).
        var fromAhead = false
    }

    /// A chunk planned before its transaction, and what its rows come to.
    struct Ahead: Sendable {
        var chunk: ImportChunk
        var written: Written
    }

    /// Plans a chunk outside any transaction, on what the chunk before it made (`carry`, not yet committed) and
    /// what the database holds. Nil when a row needs the services: the chunk is then planned in its transaction.
    func planAhead(_ rows: [ImportRow], runID: UUID, carry: ImportChunk.Carry?, on db: any Database)
        async throws -> Ahead?
    {
        var chunk = try await ImportChunk.load(rows, importer: self, runID: runID, carry: carry, ahead: true, on: db)
        var written = Written()
        for row in rows {
            do {
                switch try chunk.plan(row) {
                case .planned(let change): tally(change, into: &written.counts)
                case .service: return nil
                }
            } catch let error as DomainError {
                written.problems.append(Problem(line: row.line, reason: Self.describe(error)))
            }
        }
        return Ahead(chunk: chunk, written: written)
    }

    enum Change: Equatable {
        case created, updated, unchanged
    }

    /// Writes a chunk in one transaction; rows refused by the rules are problems and the rest go in. A database
    /// error (a clash with another writer, say) rolls the chunk back, and it is written again a row at a time so
    /// only the row at fault is lost; an error that is no row's fault fails the run.
    /// A chunk planned ahead is written as planned if what it found still holds, and planned again otherwise.
    func write(_ rows: [ImportRow], ahead: Ahead? = nil, runID: UUID, on db: any Database) async throws
        -> Written
    {
        // The new victims' obligations are worked out from the plan's own facts on the writer's side (the planner
        // is the busier of the two), before the transaction, so the database is held no longer for them. If that
        // fails, the chunk is planned again inside the transaction, as when what it found has changed.
        var prepared = ahead
        do { try prepared?.chunk.workOutObligations() } catch { prepared = nil }
        let ahead = prepared
        do {
            return try await db.transaction { tx in
                try await holdWriter(runID, on: tx)
                if var ahead, try await ahead.chunk.stillHolds(on: tx) {
                    try await ahead.chunk.write(on: tx)
                    ahead.written.fromAhead = true
                    return ahead.written
                }
                var written = Written()
                var chunk = planned ? try await ImportChunk.load(rows, importer: self, runID: runID, on: tx) : nil
                for row in rows {
                    do {
                        if let step = try chunk?.plan(row), case .planned(let change) = step {
                            tally(change, into: &written.counts)
                            continue
                        }
                    } catch let error as DomainError {
                        written.problems.append(Problem(line: row.line, reason: Self.describe(error)))
                        continue
                    }
                    // A row the plan does not cover: the plan so far is written first, so rows keep their order.
                    try await chunk?.write(on: tx)
                    do {
                        tally(try await apply(row, runID: runID, on: tx), into: &written.counts)
                    } catch let error as DomainError {
                        written.problems.append(Problem(line: row.line, reason: Self.describe(error)))
                    }
                    try await chunk?.refresh(after: row, on: tx)
                }
                try await chunk?.write(on: tx)
                return written
            }
        } catch {
            var written = Written()
            for row in rows {
                do {
                    let change = try await db.transaction { tx in
                        try await holdWriter(runID, on: tx)
                        return try await apply(row, runID: runID, on: tx)
                    }
                    tally(change, into: &written.counts)
                } catch let error as DomainError {
                    written.problems.append(Problem(line: row.line, reason: Self.describe(error)))
                } catch let error as any DatabaseError where error.isConstraintFailure {
                    // Another writer got there first (the same source id or reference): this row only.
                    written.problems.append(
                        Problem(line: row.line, reason: "The row clashes with a record saved at the same time"))
                }
                // Anything else (the database gone) stops the run: it is not the rows' fault.
            }
            return written
        }
    }

    /// The first statement of each of the import's transactions is a write (the run's heartbeat). On SQLite a
    /// transaction that reads first and writes later cannot wait for the one write lock: if someone else (an
    /// officer recording a crime) commits in between, its snapshot is stale and SQLite answers "database is
    /// locked" at once, whatever the busy timeout. Writing first takes the lock, waiting for it if need be, before
    /// anything is read: `BEGIN IMMEDIATE` in effect.
    private func holdWriter(_ runID: UUID, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update("import_runs").set("heartbeat_at", to: Date())
            .where("id", .equal, runID).run()
    }

    private func tally(_ change: Change, into counts: inout Counts) {
        switch change {
        case .created: counts.created += 1
        case .updated: counts.updated += 1
        case .unchanged: counts.unchanged += 1
        }
    }

    private func apply(_ row: ImportRow, runID: UUID, on db: any Database) async throws -> Change {
        let (kind, sourceID) = try Self.recordKind(of: row)
        switch kind {
        case "crime": return try await crime(row, sourceID: sourceID, runID: runID, on: db)
        case "person": return try await person(row, sourceID: sourceID, runID: runID, on: db)
        default: return try await event(row, sourceID: sourceID, runID: runID, on: db)
        }
    }

    /// The kind of record a row holds (crime, person or event) and its source id.
    static func recordKind(of row: ImportRow) throws -> (String, String) {
        guard let sourceID = row["source_id"] else { throw DomainError.invalid("source_id", "Enter the source id") }
        guard sourceID.count <= 64 else {
            throw DomainError.invalid("source_id", "The source id must be at most 64 characters")
        }
        switch row["record"]?.lowercased() {
        case let kind? where ["crime", "person", "event"].contains(kind): return (kind, sourceID)
        case nil: throw DomainError.invalid("record", "Enter the kind of record: crime, person or event")
        case let other?:
            throw DomainError.invalid("record", "\(other) is not a kind of record (crime, person or event)")
        }
    }

    static func eventChanged(_ sourceID: String) -> DomainError {
        DomainError.conflict(
            field: "type",
            message: "Event \(sourceID) was imported before with a different type or time; record a new event instead")
    }

    static func missingCrime(_ crimeSourceID: String) -> DomainError {
        DomainError.invalid(
            "crime_source_id", "Crime \(crimeSourceID) is not in this file (above this row) or an earlier import")
    }

    private func crime(_ row: ImportRow, sourceID: String, runID: UUID, on db: any Database) async throws -> Change {
        let fingerprint = row.fingerprint(Self.crimeColumns)
        let key = try await ImportKey.find(source: source, kind: "crime", sourceID: sourceID, on: db)
        try key?.refuseRepeat(in: runID, what: "Crime \(sourceID)")
        let draft = row.crimeDraft
        guard let key else {
            let created = try await CrimeService.create(draft, context: context, on: db)
            try await ImportKey.save(
                source: source, kind: "crime", sourceID: sourceID, target: try created.crime.requireID(),
                fingerprint: fingerprint, runID: runID, line: row.line, on: db)
            return .created
        }
        try await key.touch(runID: runID, line: row.line, fingerprint: fingerprint, on: db)
        if key.fingerprint == fingerprint { return .unchanged }
        _ = try await CrimeService.update(
            key.targetID, try await crimeDraft(row, over: key.targetID, on: db), context: context, on: db)
        return .updated
    }

    /// This row's columns over the stored crime: what the extract does not carry (an officer in the case
    /// allocated here, a summary written here) is kept.
    private func crimeDraft(_ row: ImportRow, over id: UUID, on db: any Database) async throws -> CrimeDraft {
        let c = try await CrimeService.find(id, on: db)
        let unit = try await CommandUnit.find(c.$commandUnit.id, on: db)
        let officer = try await c.$officerInCase.id.asyncFlatMap { try await User.find($0, on: db) }
        func pick(_ column: String, _ stored: String?) -> String? { row.has(column) ? row[column] : stored }
        let sameOffence = !row.has("offence_code") || row["offence_code"] == c.offenceCode
        return CrimeDraft(
            reference: pick("reference", c.reference), offenceCode: pick("offence_code", c.offenceCode),
            offenceDescription: row.has("offence") ? row["offence"] : (sameOffence ? c.offenceDescription : nil),
            occurredFrom: pick("occurred_at", Instant.format(c.occurredFrom)),
            occurredTo: pick("occurred_to", c.occurredTo.map(Instant.format)),
            reportedAt: pick("reported_at", Instant.format(c.reportedAt)), channel: pick("channel", c.channelCode),
            flags: row.has("flags") ? row.list("flags") : c.flags.map(\.rawValue),
            commandUnit: pick("command_unit", unit?.code), officerInCase: pick("officer_in_case", officer?.username),
            summary: pick("summary", c.summary))
    }

    private func person(_ row: ImportRow, sourceID: String, runID: UUID, on db: any Database) async throws -> Change {
        let crime = try await parentCrime(row, on: db)
        var v = Validator()
        let role = v.requiredCode(row["role"], "role", "the person's role", as: PersonRole.self)
        let draft = row.personDraft
        _ = PersonService.checkDraft(draft, validator: &v, context: context)
        let needsDraft = role == .victim ? row.needsDraft : nil
        let needs = needsDraft.map { NeedsAssessmentService.check($0, validator: &v).assessment }
        try v.check()
        let linkID = "\(row["crime_source_id"]!)|\(sourceID)|\(role!.rawValue)"
        let linkKey = try await ImportKey.find(source: source, kind: "link", sourceID: linkID, on: db)
        try linkKey?.refuseRepeat(
            in: runID, what: "Person \(sourceID) as \(role!.rawValue) in crime \(row["crime_source_id"]!)")
        let personKey = try await ImportKey.find(source: source, kind: "person", sourceID: sourceID, on: db)
        let personPrint = row.fingerprint(Self.personColumns)
        let linkPrint = row.fingerprint(Self.needsColumns)
        var change = Change.unchanged
        // The same source person in another crime is the same VictimCare person: repeat victims are recognised.
        if let personKey, personKey.fingerprint != personPrint {
            let person = try await PersonService.find(personKey.targetID, on: db)
            _ = try await PersonService.update(person.id!, row.personDraft(over: person), context: context, on: db)
            try await addContactPoints(row, to: person.id!, on: db)
            change = .updated
        }
        if let personKey {
            try await personKey.touch(runID: runID, line: row.line, fingerprint: personPrint, on: db)
        }
        if let linkKey {
            try await linkKey.touch(runID: runID, line: row.line, fingerprint: linkPrint, on: db)
            if linkKey.fingerprint != linkPrint, let needsDraft {
                // A later assessment in the source system: kept as a reassessment, with its history.
                _ = try await NeedsAssessmentService.complete(
                    victimID: linkKey.targetID, needsDraft, context: context, on: db)
                change = .updated
            }
            return change
        }
        // Yesterday's crimes are announced to their victims as if recorded here; history is not.
        let reported = try await CrimeService.find(crime, on: db).reportedAt
        let link = try await CrimeService.linkPerson(
            crimeID: crime, personID: personKey?.targetID, draft: personKey == nil ? draft : nil,
            role: role!.rawValue, needs: needs,
            announce: Date().timeIntervalSince(reported) <= Double(Self.announceDays) * 86_400, context: context,
            on: db)
        if personKey == nil {
            try await ImportKey.save(
                source: source, kind: "person", sourceID: sourceID, target: link.$person.id, fingerprint: personPrint,
                runID: runID, line: row.line, on: db)
        }
        try await ImportKey.save(
            source: source, kind: "link", sourceID: linkID, target: try link.requireID(), fingerprint: linkPrint,
            runID: runID, line: row.line, on: db)
        return .created
    }

    private func event(_ row: ImportRow, sourceID: String, runID: UUID, on db: any Database) async throws -> Change {
        let crime = try await parentCrime(row, on: db)
        let fingerprint = row.fingerprint(["type", "at"])
        if let key = try await ImportKey.find(source: source, kind: "event", sourceID: sourceID, on: db) {
            try key.refuseRepeat(in: runID, what: "Event \(sourceID)")
            guard key.fingerprint == fingerprint else { throw Self.eventChanged(sourceID) }
            try await key.touch(runID: runID, line: row.line, fingerprint: fingerprint, on: db)
            return .unchanged
        }
        let event = try await CaseEventService.record(
            crimeID: crime, type: row["type"], at: row["at"], note: row["note"], source: "import:\(source)",
            context: context, on: db)
        try await ImportKey.save(
            source: source, kind: "event", sourceID: sourceID, target: try event.requireID(), fingerprint: fingerprint,
            runID: runID, line: row.line, on: db)
        return .created
    }

    private func parentCrime(_ row: ImportRow, on db: any Database) async throws -> UUID {
        guard let crimeSourceID = row["crime_source_id"] else {
            throw DomainError.invalid("crime_source_id", "Enter the source id of the crime this row belongs to")
        }
        guard let key = try await ImportKey.find(source: source, kind: "crime", sourceID: crimeSourceID, on: db) else {
            throw Self.missingCrime(crimeSourceID)
        }
        return key.targetID
    }

    /// Phone numbers and email addresses new to a known person are added; none is marked safe until an officer
    /// confirms it.
    private func addContactPoints(_ row: ImportRow, to personID: UUID, on db: any Database) async throws {
        let existing = try await ContactPoint.query(on: db).filter(\.$person.$id == personID).all()
        let known = Set(existing.map(\.value))
        if let raw = row["phone"], let number = Normalise.phone(raw), !known.contains(number) {
            try await ContactPoint(personID: personID, kind: .phone, value: number, safe: false, note: "imported")
                .create(on: db)
        }
        if let raw = row["email"], let address = Normalise.email(raw), !known.contains(address) {
            try await ContactPoint(personID: personID, kind: .email, value: address, safe: false, note: "imported")
                .create(on: db)
        }
        // A new number or address is new evidence of who they are.
        if existing.count != (try await ContactPoint.query(on: db).filter(\.$person.$id == personID).count()) {
            try await LinkageService.enqueue(personID, on: db)
        }
    }

    static let crimeColumns = [
        "reference", "offence_code", "offence", "flags", "command_unit", "occurred_at", "occurred_to", "reported_at",
        "channel", "officer_in_case", "summary",
    ]
    static let personColumns = [
        "given_name", "family_name", "date_of_birth", "phone", "email", "preferred_contact", "preferred_times",
        "language", "interpreter_needed",
    ]
    static let needsColumns = ["vulnerable", "intimidated", "persistently_targeted", "bereaved", "referral_consent"]

    /// One line for the report: the fields at fault and what is wrong with each.
    static func describe(_ error: DomainError) -> String {
        switch error {
        case .invalid(let fields):
            return fields.map { "\(columnName($0.field)): \($0.message)" }.joined(separator: "; ")
        case .conflict(let field, let message): return "\(columnName(field)): \(message)"
        case .notFound(let what): return "The \(what) this row refers to no longer exists"
        case .forbidden(let message): return message
        case .reasonRequired, .reasonRequiredEachTime: return "Not allowed"
        case .rateLimited: return "Too many requests"
        }
    }

    private static func columnName(_ field: String) -> String {
        let names = [
            "referralConsent": "referral_consent", "persistentlyTargeted": "persistently_targeted",
            "vulnerability": "vulnerable", "interpreterNeeded": "interpreter_needed",
        ]
        return names[field] ?? field
    }
}

/// One data row, its fields named by the header.
struct ImportRow: Sendable {
    var line: Int
    /// The fields, trimmed of spaces and tabs at either end.
    var fields: [String]
    var columns: [String: Int]

    init(line: Int, fields: [String], columns: [String: Int]) {
        self.line = line
        self.fields = fields.map(Self.trimmed)
        self.columns = columns
    }

    /// The value without the spaces and tabs around it (most fields have none: returned as they are).
    static func trimmed(_ field: String) -> String {
        let scalars = field.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return field }
        let space = CharacterSet.whitespaces
        guard space.contains(first) || space.contains(last) else { return field }
        return field.trimmingWhitespace()
    }

    /// The trimmed value, or nil when the column is absent or the cell empty.
    subscript(_ name: String) -> String? {
        guard let index = columns[name], index < fields.count else { return nil }
        let value = fields[index]
        return value.isEmpty ? nil : value
    }

    func has(_ name: String) -> Bool { columns[name] != nil }

    func list(_ name: String) -> [String] {
        (self[name] ?? "").split(whereSeparator: { $0 == ";" || $0 == "|" })
            .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    func fingerprint(_ names: [String]) -> String {
        Secrets.sha256Hex(names.map { self[$0] ?? "" }.joined(separator: "\u{1F}"))
    }

    var personDraft: PersonDraft {
        PersonDraft(
            givenName: self["given_name"], familyName: self["family_name"], dateOfBirth: self["date_of_birth"],
            preferredContact: self["preferred_contact"], preferredTimes: self["preferred_times"],
            language: self["language"], interpreterNeeded: self["interpreter_needed"], phone: self["phone"],
            email: self["email"])
    }

    /// The stored person with this row's columns over it: what the extract does not carry is kept.
    func personDraft(over person: Person) -> PersonDraft {
        func pick(_ column: String, _ stored: String?) -> String? { has(column) ? self[column] : stored }
        return PersonDraft(
            givenName: pick("given_name", person.givenName), familyName: pick("family_name", person.familyName),
            dateOfBirth: pick("date_of_birth", person.dateOfBirth),
            preferredContact: pick("preferred_contact", person.preferredContact),
            preferredTimes: pick("preferred_times", person.preferredTimes), language: pick("language", person.language),
            interpreterNeeded: pick("interpreter_needed", person.interpreterNeeded ? "yes" : "no"),
            communicationNeeds: person.communicationNeeds, accessNeeds: person.accessNeeds, sex: person.sex,
            ethnicity: person.ethnicity, disability: person.disability, religion: person.religion,
            sexualOrientation: person.sexualOrientation)
    }

    /// The needs columns as an assessment, or nil when the row carries none of them.
    var needsDraft: NeedsAssessmentService.Draft? {
        guard CrimeImport.needsColumns.contains(where: { self[$0] != nil }) else { return nil }
        return NeedsAssessmentService.Draft(
            language: self["language"], interpreterNeeded: self["interpreter_needed"],
            referralConsent: self["referral_consent"], bereaved: self["bereaved"],
            persistentlyTargeted: self["persistently_targeted"],
            vulnerability: self["vulnerable"].map { ["yes", "true", "y", "1"].contains($0.lowercased()) } == true
                ? [VulnerabilityFactor.section16.rawValue] : [],
            intimidated: self["intimidated"])
    }
}

/// A source record already imported: what it became, and the fingerprint of its fields then.
struct ImportKey: Sendable {
    var id: UUID
    var kind: String
    var sourceID: String
    var targetID: UUID
    var fingerprint: String
    var runID: UUID
    var line: Int

    private struct Row: Decodable {
        var id: UUID
        var kind: String
        var source_id: String
        var target_id: UUID
        var fingerprint: String
        var run_id: UUID
        var line: Int
    }

    static func find(source: String, kind: String, sourceID: String, on db: any Database) async throws -> ImportKey? {
        try await find(source: source, kind: kind, sourceIDs: [sourceID], on: db).first
    }

    /// The keys of many source records of one kind, in one query.
    static func find(source: String, kind: String, sourceIDs: [String], on db: any Database) async throws
        -> [ImportKey]
    {
        guard !sourceIDs.isEmpty else { return [] }
        return try await (db as! any SQLDatabase).select()
            .columns("id", "kind", "source_id", "target_id", "fingerprint", "run_id", "line").from("import_keys")
            .where("source", .equal, source).where("kind", .equal, kind).where("source_id", .in, sourceIDs)
            .all(decoding: Row.self)
            .map {
                ImportKey(
                    id: $0.id, kind: $0.kind, sourceID: $0.source_id, targetID: $0.target_id,
                    fingerprint: $0.fingerprint, runID: $0.run_id, line: $0.line)
            }
    }

    static func save(
        source: String, kind: String, sourceID: String, target: UUID, fingerprint: String, runID: UUID, line: Int,
        on db: any Database
    ) async throws {
        try await (db as! any SQLDatabase).insert(into: "import_keys")
            .columns("id", "source", "kind", "source_id", "target_id", "fingerprint", "run_id", "line")
            .values(
                SQLBind(UUID.ordered()), SQLBind(source), SQLBind(kind), SQLBind(sourceID), SQLBind(target),
                SQLBind(fingerprint), SQLBind(runID), SQLBind(line)
            )
            .run()
    }

    /// A source id seen twice in one file is reported, not applied twice.
    func refuseRepeat(in runID: UUID, what: String) throws {
        if self.runID == runID {
            throw DomainError.conflict(
                field: "source_id", message: "\(what) appears more than once in this file (first on line \(line))")
        }
    }

    func touch(runID: UUID, line: Int, fingerprint: String, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update("import_keys")
            .set("run_id", to: runID).set("line", to: line).set("fingerprint", to: fingerprint)
            .where("id", .equal, id).run()
    }
}
