import Crypto
import Fluent
import FluentSQL
import Foundation
import NIOCore
import SQLKit
import VictimCareDomain

/// Resumable uploads of interview recordings (tus 1.0: core, creation, creation-defer-length, checksum,
/// termination, expiration). The upload's state is a row of `evidence_items`, its bytes are in the shared
/// store, so any node can take the next request; an offset moves only after the bytes under it are on disk.
enum UploadService {
    /// A refusal with the status tus gives it.
    struct TusError: Error, CustomStringConvertible {
        var status: HTTPResponseStatusCode
        var message: String
        var description: String { message }

        enum HTTPResponseStatusCode: Int, Sendable {
            case badRequest = 400, forbidden = 403, notFound = 404, conflict = 409, gone = 410, lengthRequired = 411
            case preconditionFailed = 412, payloadTooLarge = 413, unsupportedMediaType = 415, locked = 423
            case checksumMismatch = 460, serviceUnavailable = 503
        }
    }

    /// What a victim may also send from a video call: photos of the evidence (issue 16), in the formats every
    /// browser shows (a phone's file picker turns an iPhone's HEIC into JPEG).
    static let photoTypes: Set<String> = ["image/jpeg", "image/png", "image/webp"]
    /// The largest file a victim sends from a call (the page says so).
    static let largestFromAVictim: Int64 = 500 * 1024 * 1024
    /// Uploads a witness's viewing may start in a day: the three its recordings are limited to, and two more for
    /// attempts a lost connection ended.
    static let viewingAttemptsPerDay = 5

    static let acceptedTypes: Set<String> = [
        "video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "video/x-msvideo", "video/mpeg",
        "audio/mpeg", "audio/mp4", "audio/webm", "audio/ogg", "audio/wav", "audio/x-wav", "video/ogg",
    ]

    // MARK: access

    /// The interview an upload names, with its crime, checked for a change by this actor.
    static func interviewForChange(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Interview {
        guard let interview = try await Interview.query(on: db).filter(\.$id == id).with(\.$crime).first() else {
            throw DomainError.notFound("interview")
        }
        if let pin = context.uploadPin {
            guard pin == id else { throw DomainError.forbidden("This link records one viewing only.") }
            return interview
        }
        try await AccessGuard.check(
            .editCrime, "crime", interview.$crime.id, scope: CrimeService.scope(of: interview.crime), context: context,
            on: db)
        return interview
    }

    static func itemForChange(_ id: UUID, context: AccessContext, on db: any Database) async throws -> EvidenceItem {
        if let pin = context.uploadPin {
            guard let item = try await EvidenceItem.find(id, on: db), item.$interview.id == pin else {
                throw DomainError.notFound("upload")
            }
            return item
        }
        try AccessGuard.require(.editCrime, context)
        guard let item = try await EvidenceItem.find(id, on: db) else { throw DomainError.notFound("upload") }
        let crime = try await CrimeService.find(item.crimeID, on: db)
        try await AccessGuard.check(
            .editCrime, "crime", item.crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        return item
    }

    // MARK: creation

    struct Creation: Sendable {
        var length: Int64?
        var deferLength: Bool
        var metadata: [String: String]
    }

    /// Parses `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone has no value).
    static func parseMetadata(_ header: String?) throws -> [String: String] {
        guard let header, !header.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingWhitespace().split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, key.count <= 100 else {
                throw TusError(status: .badRequest, message: "Upload-Metadata is not key and base64 value pairs.")
            }
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let value = String(data: data, encoding: .utf8)
                else { throw TusError(status: .badRequest, message: "Upload-Metadata value for \(key) is not base64.") }
                result[String(key)] = value
            } else {
                result[String(key)] = ""
            }
        }
        return result
    }

    static func create(
        _ creation: Creation, source: String, context: AccessContext, settings: EvidenceConfig, vault: EvidenceVault,
        on db: any Database
    ) async throws -> EvidenceItem {
        if context.uploadPin == nil { try AccessGuard.require(.editCrime, context) }
        guard let raw = creation.metadata["interview"], let interviewID = UUID(uuidString: raw) else {
            throw TusError(status: .badRequest, message: "Upload-Metadata must name the interview (interview <id>).")
        }
        let interview = try await interviewForChange(interviewID, context: context, on: db)
        let key = creation.metadata["attempt"].flatMap { $0.isEmpty ? nil : $0 }
        if let key {
            guard key.count <= 64, key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) else {
                throw TusError(status: .badRequest, message: "The upload's attempt key is up to 64 plain characters.")
            }
            // The same request again (its answer was lost on the way): the upload it made, not a second one.
            if let made = try await made(interviewID, key: key, context: context, on: db) { return made }
        }
        // A victim's files from a call are counted by the call (``VideoCallService/victimEvidence``).
        let fromVictim = source == "victim"
        if context.uploadPin != nil, !fromVictim {
            // A witness's recording of their viewing: a few attempts (a reload starts a new one), not a store. The
            // attempts are counted in the database first, so twenty sent at once cannot all pass the count below
            // before any of them is saved (each may be gigabytes, and each is processed when it ends).
            let attempts = try await RateLimiter.hit(
                "viewing-upload:\(interviewID.uuidString)", window: .minutes(24 * 60), on: db)
            guard attempts <= Self.viewingAttemptsPerDay else {
                throw TusError(status: .conflict, message: "This viewing has been recorded already.")
            }
            let earlier = try await EvidenceItem.query(on: db).filter(\.$interview.$id == interviewID)
                .filter(\.$stateCode ~~ [EvidenceItem.State.uploading.rawValue, EvidenceItem.State.complete.rawValue])
                .count()
            if earlier >= 3 {
                throw TusError(status: .conflict, message: "This viewing has been recorded already.")
            }
        }
        if let length = creation.length {
            guard length > 0 else {
                throw TusError(
                    status: .badRequest, message: "An empty file is not a recording: Upload-Length must be more than 0."
                )
            }
            if length > settings.maxBytes {
                throw TusError(
                    status: .payloadTooLarge, message: "Recordings up to \(settings.maxMegabytes) MiB are taken.")
            }
        } else if !creation.deferLength {
            throw TusError(status: .badRequest, message: "Send Upload-Length, or Upload-Defer-Length: 1.")
        }
        let type =
            (creation.metadata["filetype"] ?? creation.metadata["type"] ?? "")
            .split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        guard acceptedTypes.contains(type) || (fromVictim && photoTypes.contains(type)) else {
            throw TusError(
                status: .unsupportedMediaType,
                message: "Only video and audio recordings are taken (MP4, WebM, QuickTime, Matroska, MP3, WAV, Ogg).")
        }
        let name = (creation.metadata["filename"] ?? creation.metadata["name"] ?? "recording")
            .unicodeScalars.filter { $0.value >= 0x20 && $0 != "/" && $0 != "\\" }.map(String.init).joined()
        let (_, wrapped, keyID) = try vault.keys.newDataKey()
        let item = EvidenceItem()
        item.id = UUID.random()
        item.$interview.id = interviewID
        item.crimeID = interview.$crime.id
        item.fileName = String(name.prefix(200)).isEmpty ? "recording" : String(name.prefix(200))
        item.contentType = type
        item.source = source
        item.length = creation.length
        item.received = 0
        item.stateCode = EvidenceItem.State.uploading.rawValue
        item.segmentSize = max(settings.segmentSize, vault.store.minimumSegmentSize)
        item.wrappedKey = wrapped
        item.keyID = keyID
        item.uploadedByID = context.actor.id
        item.uploadedByName = context.actor.name
        item.createdAt = Date()
        item.kind = "original"
        item.custodySeq = 0
        item.custodyHead = CustodyLog.genesis
        // A photo needs no playable copy: browsers show it as it is.
        item.mediaState = photoTypes.contains(type) ? "done" : "pending"
        item.expiresAt = Date().addingTimeInterval(Double(settings.uploadHours) * 3600)
        item.creationKey = key
        do {
            try await item.create(on: db)
        } catch {
            // The retry raced its own first attempt, which won.
            if let key, (error as? any DatabaseError)?.isConstraintFailure == true,
                let made = try await made(interviewID, key: key, context: context, on: db)
            {
                return made
            }
            throw error
        }
        // Not in one transaction with the insert (they were, briefly: before SQLite's writer lane, a transaction of
        // several writes could hang the parallel tests, see `WriteLane`). With the lane that cause is gone; putting
        // the two back together is left to a change of its own. Meanwhile a first request that stops between the
        // two leaves an upload whose chain has no start entry, as before this key existed.
        try await startCustody(item, creation: creation, actor: context.actor, on: db)
        return item
    }

    /// The upload an earlier request with this key made, if the same person made it.
    private static func made(_ interviewID: UUID, key: String, context: AccessContext, on db: any Database)
        async throws -> EvidenceItem?
    {
        guard
            let item = try await EvidenceItem.query(on: db).filter(\.$interview.$id == interviewID)
                .filter(\.$creationKey == key).first()
        else { return nil }
        guard item.uploadedByID == context.actor.id else {
            throw TusError(status: .conflict, message: "Another upload was started with this key.")
        }
        return item
    }

    private static func startCustody(
        _ item: EvidenceItem, creation: Creation, actor: Actor, on db: any Database
    ) async throws {
        try await CustodyLog.append(
            .uploadStarted, item: item.id!,
            detail: "interview \(item.$interview.id.uuidString.lowercased()); \(item.contentType); "
                + (creation.length.map { "\($0) bytes declared" } ?? "length to follow"),
            actor: actor, on: db)
    }

    // MARK: status

    static func status(_ id: UUID, context: AccessContext, on db: any Database) async throws -> EvidenceItem {
        let item = try await itemForChange(id, context: context, on: db)
        try checkLive(item)
        return item
    }

    static func checkLive(_ item: EvidenceItem) throws {
        switch item.state {
        case .terminated, .expired, .deleted:
            throw TusError(status: .gone, message: "This upload has ended; start a new one.")
        case .uploading:
            if let expires = item.expiresAt, expires < Date() {
                throw TusError(status: .gone, message: "This upload expired; start a new one.")
            }
        case .complete:
            break
        }
    }

    // MARK: writing

    struct Patch: Sendable {
        var offset: Int64
        var contentLength: Int64?
        /// `Upload-Checksum`: algorithm and the expected digest.
        var checksum: (algorithm: String, digest: Data)?
        /// `Upload-Length` sent with a PATCH to an upload whose length was deferred.
        var length: Int64?
    }

    static func parseChecksum(_ header: String?) throws -> (algorithm: String, digest: Data)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ")
        guard parts.count == 2, let digest = Data(base64Encoded: String(parts[1])) else {
            throw TusError(status: .badRequest, message: "Upload-Checksum is '<algorithm> <base64 digest>'.")
        }
        let algorithm = parts[0].lowercased()
        guard ["sha1", "sha256"].contains(algorithm) else {
            throw TusError(status: .badRequest, message: "Checksums in sha1 or sha256 are taken.")
        }
        return (algorithm, digest)
    }

    /// Takes the upload for this writer if its offset is still `offset` and nobody else holds it.
    static func lock(_ item: UUID, at offset: Int64, token: String, seconds: Int, on db: any Database) async throws
        -> Bool
    {
        guard let sql = db as? any SQLDatabase else { return false }
        let now = Date()
        let rows = try await sql.raw(
            """
            UPDATE evidence_items SET lock_token = \(bind: token), lock_until = \(bind: now.addingTimeInterval(Double(seconds)))
            WHERE id = \(bind: item) AND received = \(bind: offset) AND state = 'uploading'
              AND (lock_token IS NULL OR lock_until < \(bind: now))
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    static func renew(_ item: UUID, token: String, seconds: Int, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let rows = try await sql.raw(
            """
            UPDATE evidence_items SET lock_until = \(bind: Date().addingTimeInterval(Double(seconds)))
            WHERE id = \(bind: item) AND lock_token = \(bind: token) RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    static func unlock(_ item: UUID, token: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            "UPDATE evidence_items SET lock_token = NULL, lock_until = NULL WHERE id = \(bind: item) AND lock_token = \(bind: token)"
        ).run()
    }

    /// Appends a PATCH's body at `offset`. The bytes are sealed and flushed, and only then the offset moves;
    /// a wrong checksum leaves the offset where it was (what was written past it is cut off next time).
    static func patch<Body: AsyncSequence>(
        _ id: UUID, _ patch: Patch, body: Body, context: AccessContext, settings: EvidenceConfig,
        vault: EvidenceVault, on db: any Database
    ) async throws -> EvidenceItem where Body.Element == ByteBuffer {
        let item = try await itemForChange(id, context: context, on: db)
        try checkLive(item)
        if item.state == .complete {
            throw TusError(status: .conflict, message: "This upload is complete.")
        }
        guard patch.offset == item.received else {
            throw TusError(
                status: .conflict, message: "Upload-Offset is \(patch.offset); the upload is at \(item.received).")
        }
        var length = item.length
        if let declared = patch.length {
            if let length, length != declared {
                throw TusError(status: .badRequest, message: "Upload-Length cannot change once set.")
            }
            if declared > settings.maxBytes || declared < item.received {
                throw TusError(status: .payloadTooLarge, message: "Upload-Length is larger than allowed or too small.")
            }
            length = declared
        }
        let limit = length ?? settings.maxBytes
        if let contentLength = patch.contentLength, contentLength < 0 || contentLength > limit - item.received {
            throw TusError(status: .payloadTooLarge, message: "This chunk would go past the upload's length.")
        }
        let token = Secrets.randomToken(bytes: 12)
        guard try await lock(id, at: item.received, token: token, seconds: settings.lockSeconds, on: db) else {
            let fresh = try await EvidenceItem.find(id, on: db)
            if let fresh, fresh.received != patch.offset {
                throw TusError(status: .conflict, message: "The upload is now at \(fresh.received).")
            }
            throw TusError(status: .locked, message: "Another request is writing this upload; try again shortly.")
        }
        var unlocked = false
        defer {
            if !unlocked {
                let database = db
                Task { try? await unlock(id, token: token, on: database) }
            }
        }
        let session: EvidenceVault.Session
        do {
            session = try await vault.resume(item)
        } catch {
            throw TusError(status: .serviceUnavailable, message: "The evidence store is not available: try again.")
        }
        defer { session.close() }
        // Re-hashing a moved upload can take a while: hold the upload again before taking bytes.
        guard try await renew(id, token: token, seconds: settings.lockSeconds, on: db) else {
            throw TusError(status: .locked, message: "This upload was taken over by another request.")
        }
        var sha1 = Insecure.SHA1()
        var sha256 = SHA256()
        var lastRenewal = Date()
        do {
            for try await buffer in body {
                if Int64(buffer.readableBytes) + session.offset > limit {
                    throw TusError(status: .payloadTooLarge, message: "This chunk would go past the upload's length.")
                }
                if patch.checksum != nil {
                    buffer.withUnsafeReadableBytes {
                        sha1.update(bufferPointer: $0)
                        sha256.update(bufferPointer: $0)
                    }
                }
                if Date().timeIntervalSince(lastRenewal) > Double(settings.lockSeconds) / 4 {
                    guard try await renew(id, token: token, seconds: settings.lockSeconds, on: db) else {
                        throw TusError(status: .locked, message: "This upload was taken over by another request.")
                    }
                    lastRenewal = Date()
                }
                try await session.append(buffer)
            }
        } catch let error as TusError {
            throw error
        } catch let error as FileEvidenceStore.IOError {
            throw TusError(
                status: .serviceUnavailable, message: "The evidence store failed (\(error.code)): try again.")
        }
        if let (algorithm, digest) = patch.checksum {
            let actual = algorithm == "sha1" ? Data(sha1.finalize()) : Data(sha256.finalize())
            guard actual == digest else {
                throw TusError(
                    status: .checksumMismatch, message: "The chunk's checksum does not match; send it again.")
            }
        }
        let newOffset: Int64
        var digest: String?
        // Still ours before the tail is replaced or the upload sealed (a writer that stalled past its hold
        // must not overwrite the next one's tail).
        guard try await renew(id, token: token, seconds: settings.lockSeconds, on: db) else {
            throw TusError(status: .locked, message: "This upload was taken over by another request.")
        }
        do {
            if let length, session.offset == length {
                digest = try await session.finish()
                newOffset = length
            } else {
                newOffset = try await session.commit()
            }
        } catch {
            throw TusError(status: .serviceUnavailable, message: "The evidence store failed: try again.")
        }
        guard let sql = db as? any SQLDatabase else {
            throw TusError(status: .serviceUnavailable, message: "No database")
        }
        let rows = try await sql.raw(
            """
            UPDATE evidence_items SET received = \(bind: newOffset), length = \(bind: length),
              state = \(bind: digest == nil ? "uploading" : "complete"), sha256 = \(bind: digest),
              completed_at = \(bind: digest == nil ? nil : Date()), lock_token = NULL, lock_until = NULL
            WHERE id = \(bind: id) AND lock_token = \(bind: token) AND state = 'uploading' RETURNING id
            """
        ).all()
        unlocked = true
        guard !rows.isEmpty else {
            throw TusError(status: .locked, message: "This upload was taken over by another request.")
        }
        guard let saved = try await EvidenceItem.find(id, on: db) else { throw DomainError.notFound("upload") }
        if let digest {
            try? await vault.store.finished(id)
            try await CustodyLog.append(
                .uploaded, item: id, detail: "\(newOffset) bytes; sha256 \(digest)", actor: context.actor, on: db)
            try await InterviewService.recordingCompleted(saved, context: context, on: db)
        }
        return saved
    }

    // MARK: ending

    /// tus termination: an unfinished upload is abandoned and its bytes removed. A complete recording is
    /// evidence and is not removed this way.
    static func terminate(_ id: UUID, context: AccessContext, vault: EvidenceVault, on db: any Database) async throws {
        let item = try await itemForChange(id, context: context, on: db)
        switch item.state {
        case .complete:
            throw TusError(status: .forbidden, message: "A complete recording is evidence: it is not deleted here.")
        case .terminated, .expired, .deleted:
            throw TusError(status: .gone, message: "This upload has already ended.")
        case .uploading:
            break
        }
        // Ended only if nobody is writing it now; a writer that comes back finds it ended.
        guard try await end(id, as: .terminated, on: db) else {
            throw TusError(status: .locked, message: "The upload is being written; try again shortly.")
        }
        try await vault.store.delete(id)
        try await vault.store.writeTail(id, nil)
        vault.hashers.forget(id)
        try await CustodyLog.append(
            .uploadTerminated, item: id, detail: "abandoned at \(item.received) bytes", actor: context.actor, on: db)
    }

    /// Marks an unfinished upload ended, unless a writer holds it now.
    static func end(_ id: UUID, as state: EvidenceItem.State, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let rows = try await sql.raw(
            """
            UPDATE evidence_items SET state = \(bind: state.rawValue)
            WHERE id = \(bind: id) AND state = 'uploading' AND (lock_token IS NULL OR lock_until < \(bind: Date()))
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Ends uploads left unfinished past their expiry, removing their bytes (housekeeping).
    static func expireAbandoned(vault: EvidenceVault, on db: any Database) async throws -> Int {
        let stale = try await EvidenceItem.query(on: db)
            .filter(\.$stateCode == EvidenceItem.State.uploading.rawValue)
            .filter(\.$expiresAt < Date()).limit(1000).all()
        for item in stale {
            guard try await end(item.id!, as: .expired, on: db) else { continue }
            try await vault.store.delete(item.id!)
            try await CustodyLog.append(
                .uploadExpired, item: item.id!, detail: "unfinished at \(item.received) bytes", actor: .system, on: db)
        }
        return stale.count
    }
}
