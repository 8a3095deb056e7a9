import Crypto
import Fluent
import Foundation
import Logging
import SQLKit
import Vapor
import VictimCareDomain

/// The daily transfer of referrals to the support service, exactly once.
///
/// 1. **Claim**: in one transaction a batch is created and every waiting referral without a batch is given
///    its id. A referral is in at most one batch, and a crash before the commit leaves it waiting.
/// 2. **Deliver**: the batch's members are written as CSV and JSON Lines (to temporary names, synced, then
///    renamed, so a file is either whole or absent) and, if configured, POSTed to the service, signed.
/// 3. **Mark**: the batch is marked delivered, and with it its referrals sent: one row (`ReferralSent`).
///
/// A crash after 1 leaves the batch open; the next run delivers open batches first, with the same members
/// under the same id, so the receiver can ignore a batch it already has. Nobody is lost, nobody is sent in two
/// batches.
struct ReferralExport: Sendable {
    static let schemaVersion = "1"

    struct Settings: Sendable {
        var directory: String
        var endpoint: String?
        var signingKey: String?
    }

    let settings: Settings
    let client: (any Client)?
    let logger: Logger
    /// Members read per query: memory stays flat however large the batch.
    var pageSize = 2000
    /// Pages read at once, ahead of the one being written.
    var readAhead = 2
    /// Tests only: runs once a delivery's pages are read and written, before its files are kept and it is marked.
    var beforeMarking: (@Sendable () async throws -> Void)?

    struct Delivered: Sendable {
        var batchID: UUID
        var victims: Int
        var files: [String]
    }

    /// Delivers any open batch, then makes and delivers a new one if anyone is waiting; then works out again
    /// the obligations of everyone sent (R7 is met by the sent referral), unless `recompute` is false and the
    /// background worker is left to do it.
    func run(byName: String, recompute: Bool = true, on db: any Database) async throws -> [Delivered] {
        var delivered: [Delivered] = []
        for open in try await ReferralBatch.query(on: db).filter(\.$state == "open").sort(\.$createdAt).all() {
            delivered.append(try await deliver(open, on: db))
        }
        if let batch = try await claim(byName: byName, on: db) {
            delivered.append(try await deliver(batch, on: db))
        }
        if recompute { try await catchUp(on: db) }
        return delivered
    }

    /// Victims of delivered batches whose obligations have not been worked out since (just sent, or the process
    /// stopped before it got to them): recomputed now, so R7 shows met. Each batch is marked when done, so a
    /// poll with nothing to do reads only the few batches not yet marked.
    func catchUp(on db: any Database) async throws {
        guard db is any SQLDatabase else { return }
        let pending = try await ReferralBatch.query(on: db).filter(\.$state == "delivered")
            .filter(\.$recomputedAt == nil).all()
        for batch in pending {
            // The batch's victims, in the order their rows lie in the victims table. All of them: delivering
            // marked none of them stale, and a run stopped part way does the batch again (a victim already done
            // is read, found unchanged and not written).
            let stale = try await TableOrder.victims(ofBatch: batch.id!, on: db, page: 20 * pageSize)
            var next = 0
            // Worked out from the facts as read, written only if no victim's facts changed since; the next page
            // is planned while this one is written. A victim whose facts did change is planned again: the change
            // may have been worked out from facts read before the batch was delivered. (Two whole pages at once
            // on two connections was measured: no faster on SQLite, whose one writer makes the second wait, and
            // twice the memory.)
            _ = try await RecomputeService.pipelined(reassess: false, replanMoved: true, on: db) {
                guard next < stale.count else { return nil }
                let page = Array(stale[next..<min(next + pageSize, stale.count)])
                next += page.count
                return page
            }
            batch.recomputedAt = Date()
            try await batch.save(on: db)
        }
    }

    /// Creates a batch holding every waiting referral, or nothing if nobody is waiting.
    func claim(byName: String, on db: any Database) async throws -> ReferralBatch? {
        try await db.transaction { tx in
            guard let tsql = tx as? any SQLDatabase else { return nil }
            let batch = ReferralBatch()
            batch.id = UUID.random()
            batch.createdAt = Date()
            batch.state = "open"
            batch.victims = 0
            batch.schemaVersion = Self.schemaVersion
            batch.deliveries = 0
            batch.createdByName = byName
            try await batch.create(on: tx)
            try await tsql.raw(
                """
                UPDATE referrals SET batch_id = \(bind: batch.id!)
                WHERE batch_id IS NULL AND status = 'ready' AND route = 'transfer'
                """
            ).run()
            let count = try await Referral.query(on: tx).filter(\.$batchID == batch.id!).count()
            guard count > 0 else {
                try await batch.delete(on: tx)
                return nil
            }
            batch.victims = count
            try await batch.save(on: tx)
            return batch
        }
    }

    /// Writes (and posts) a batch and marks it delivered. Safe to repeat: the same members, the same id.
    func deliver(_ batch: ReferralBatch, on db: any Database) async throws -> Delivered {
        guard let sql = db as? any SQLDatabase, let batchID = batch.id else {
            throw DomainError.notFound("referral batch")
        }
        let stamp = Self.stamp(batch.createdAt)
        let base = "victimcare-referrals-\(stamp)-\(batchID.uuidString.lowercased())"
        try FileManager.default.createDirectory(
            atPath: settings.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let csvPath = settings.directory + "/" + base + ".csv"
        let jsonPath = settings.directory + "/" + base + ".jsonl"
        let csv = try AtomicFile(csvPath)
        let json = try AtomicFile(jsonPath)
        var digest = SHA256()
        try csv.write(ReferralRecord.csvHeader + "\n")
        var count = 0
        let batchText = batchID.uuidString.lowercased()
        var lines = JSONLines()
        var rows: [UInt8] = []
        // From here on no member is withdrawn: what the pages read is what goes. Refer at charge either withdrew a
        // member before this (and the pages leave them out) or finds this and leaves them to the transfer (its
        // withdrawal and this statement wait for each other: SQLite's one writer, a row lock on PostgreSQL).
        if batch.deliveryStartedAt == nil {
            let now = Date()
            try await sql.raw(
                """
                UPDATE referral_batches SET delivery_started_at = \(bind: now)
                WHERE id = \(bind: batchID) AND delivery_started_at IS NULL
                """
            ).run()
            batch.deliveryStartedAt = now
        }
        let names = try await ReferralRecord.Names.load(on: sql)
        var ranges = MemberRanges(batchID: batchID, pageSize: pageSize, sql: sql)
        // Up to `readAhead` pages are read while the oldest is written, so the database's work and ours overlap.
        // Pages still go to the files in order. (On SQLite a loop's pages queue for its one reading connection;
        // spreading them over every loop's connection was measured no faster, and 210 MiB larger.)
        try await withThrowingTaskGroup(of: (Int, [ReferralRecord]).self) { group in
            var launched = 0
            var written = 0
            var arrived: [Int: [ReferralRecord]] = [:]
            func launch() async throws {
                guard let (first, last) = try await ranges.next() else { return }
                let index = launched
                launched += 1
                group.addTask {
                    let page = try await ReferralRecord.members(
                        batchID: batchID, from: first, through: last, names: names, on: sql)
                    return (index, page)
                }
            }
            for _ in 0..<max(1, readAhead) { try await launch() }
            while let (index, page) = try await group.next() {
                arrived[index] = page
                while let page = arrived.removeValue(forKey: written) {
                    written += 1
                    try await launch()
                    lines.bytes.removeAll(keepingCapacity: true)
                    rows.removeAll(keepingCapacity: true)
                    for record in page {
                        record.appendCSVLine(to: &rows)
                        record.appendJSONLine(batchID: batchText, to: &lines)
                    }
                    try csv.write(rows)
                    lines.bytes.withUnsafeBytes { digest.update(bufferPointer: $0) }
                    try json.write(lines.bytes)
                    count += page.count
                }
            }
        }
        try await beforeMarking?()
        try csv.commit()
        try json.commit()
        let sha = digest.finalize().map { String(format: "%02x", $0) }.joined()
        var files = [csvPath, jsonPath]
        if let key = settings.signingKey {
            let signature = Self.signature(of: try Data(contentsOf: URL(fileURLWithPath: jsonPath)), key: key)
            let sigFile = try AtomicFile(jsonPath + ".sig")
            try sigFile.write("sha256=\(signature)\n")
            try sigFile.commit()
            files.append(jsonPath + ".sig")
        }
        if let endpoint = settings.endpoint {
            try await post(jsonPath: jsonPath, batchID: batchID, count: count, to: endpoint)
        }
        // One row: the batch's members are sent from now (`ReferralSent`); their own rows, and their victims',
        // are not written. A batch sent again keeps its first sending.
        let now = Date()
        batch.state = "delivered"
        batch.deliveredAt = now
        if batch.sentAt == nil { batch.sentAt = now }
        batch.sha256 = sha
        // What went: a member withdrawn since the claim is not in the files.
        batch.victims = count
        batch.deliveries += 1
        batch.destination = settings.endpoint ?? settings.directory
        try await batch.save(on: db)
        logger.info(
            "referral batch delivered",
            metadata: ["batch_id": "\(batchID)", "victims": "\(count)", "deliveries": "\(batch.deliveries)"])
        return Delivered(batchID: batchID, victims: count, files: files)
    }

    /// A batch's members as ranges of `pageSize` referral ids, in order: the ids are read twenty pages at a time
    /// (a range of the batch's index, a few milliseconds), so memory stays flat however large the batch.
    struct MemberRanges {
        let batchID: UUID
        let pageSize: Int
        let sql: any SQLDatabase
        private var ids: [UUID] = []
        private var next = 0
        private var after: UUID?
        private var exhausted = false

        init(batchID: UUID, pageSize: Int, sql: any SQLDatabase) {
            self.batchID = batchID
            self.pageSize = max(1, pageSize)
            self.sql = sql
        }

        mutating func next() async throws -> (first: UUID, last: UUID)? {
            if next == ids.count {
                guard !exhausted else { return nil }
                ids = try await ReferralRecord.memberIDs(batchID: batchID, after: after, limit: 20 * pageSize, on: sql)
                next = 0
                after = ids.last
                exhausted = ids.count < 20 * pageSize
                if ids.isEmpty { return nil }
            }
            let end = min(next + pageSize, ids.count)
            defer { next = end }
            return (ids[next], ids[end - 1])
        }
    }

    /// An administrator sends a delivered batch again (the receiver lost it): the same members and id.
    func resend(_ batchID: UUID, context: AccessContext, on db: any Database) async throws -> Delivered {
        try AccessGuard.require(.manageOutbox, context)
        guard let batch = try await ReferralBatch.find(batchID, on: db) else {
            throw DomainError.notFound("referral batch")
        }
        let delivered = try await deliver(batch, on: db)
        try await AuditLog.record(
            .export, "referral_batch", batchID, summary: "batch sent again (\(delivered.victims) victims)",
            context: context, on: db)
        return delivered
    }

    private func post(jsonPath: String, batchID: UUID, count: Int, to endpoint: String) async throws {
        guard let client else { throw DomainError.notFound("HTTP client") }
        guard let key = settings.signingKey else {
            throw DomainError.invalid("REFERRAL_SIGNING_KEY", "A signing key is needed to post referrals")
        }
        let body = try Data(contentsOf: URL(fileURLWithPath: jsonPath))
        let response = try await client.post(URI(string: endpoint)) { request in
            request.headers.contentType = HTTPMediaType(type: "application", subType: "x-ndjson")
            request.headers.replaceOrAdd(name: "X-VictimCare-Batch", value: batchID.uuidString.lowercased())
            request.headers.replaceOrAdd(name: "X-VictimCare-Schema", value: Self.schemaVersion)
            request.headers.replaceOrAdd(name: "X-VictimCare-Count", value: String(count))
            request.headers.replaceOrAdd(
                name: "X-VictimCare-Signature", value: "sha256=" + Self.signature(of: body, key: key))
            request.body = ByteBuffer(bytes: body)
        }
        guard (200..<300).contains(response.status.code) else {
            throw DomainError.conflict(
                field: "endpoint", message: "The support service answered \(response.status.code); the batch stays open"
            )
        }
    }

    /// HMAC-SHA256 of the body with the key the force shares with the service, hex.
    static func signature(of body: Data, key: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

/// A file written under a temporary name and renamed into place once complete and synced: readers see the
/// whole file or none of it.
final class AtomicFile {
    let path: String
    let temporary: String
    private let handle: FileHandle
    private var buffer = Data()

    init(_ path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".part").path
        // Victims' details: readable by the service's own user only (2026-11-30, issue 12).
        FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600])
        guard chmod(temporary, 0o600) == 0, let handle = FileHandle(forWritingAtPath: temporary) else {
            throw DomainError.notFound("a writable file at \(temporary)")
        }
        try handle.truncate(atOffset: 0)
        self.handle = handle
    }

    func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func commit() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
        // rename(2) replaces an older copy in one step.
        guard rename(temporary, path) == 0 else { throw DomainError.notFound("the directory of \(path)") }
    }
}
