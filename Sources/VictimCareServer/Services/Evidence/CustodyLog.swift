import Crypto
import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// The chain of custody of each evidence item: every upload, view, playback, download, share, export,
/// verification and retention decision, each entry hashed with the one before it.
///
/// An entry's hash is the SHA-256, in lower-case hex, of these fields joined by a line feed (no final one):
/// the previous entry's hash (64 zeros for the first), the item id (lower-case), the sequence number, the
/// time in milliseconds since 1970 UTC, the action, the actor's id (empty for none), name and role, and the
/// detail. `docs/evidence-bundle.md` shows the same computation with `printf` and `sha256sum`.
enum CustodyLog {
    enum Action: String, Sendable, CaseIterable {
        case uploadStarted = "upload-started"
        case uploaded
        case uploadTerminated = "upload-terminated"
        case uploadExpired = "upload-expired"
        case viewed
        case played
        case downloaded
        case shared
        case shareRevoked = "share-revoked"
        case exported
        case verified
        case verificationFailed = "verification-failed"
        case keyRewrapped = "key-rewrapped"
        case retentionReviewed = "retention-reviewed"
        case deleted
        case probed
        case renditionMade = "rendition-made"
        // Video identification (Code D, Annex A): on a foil's chain, a parade's own chain, and the suspect's clip.
        case foilAdded = "foil-added"
        case foilWithdrawn = "foil-withdrawn"
        case paradeCreated = "parade-created"
        case usedInParade = "used-in-parade"
        case solicitorInvited = "solicitor-invited"
        case solicitorViewed = "solicitor-viewed"
        case solicitorAnswered = "solicitor-answered"
        case objectionAnswered = "objection-answered"
        case paradeReady = "parade-ready"
        case witnessInvited = "witness-invited"
        case viewingOpened = "viewing-opened"
        case viewingPass = "viewing-pass"
        case viewingAnswered = "viewing-answered"

        var label: String {
            switch self {
            case .uploadStarted: "Upload started"
            case .uploaded: "Upload completed"
            case .uploadTerminated: "Upload abandoned"
            case .uploadExpired: "Upload expired"
            case .viewed: "Viewed"
            case .played: "Played"
            case .downloaded: "Downloaded"
            case .shared: "Shared"
            case .shareRevoked: "Share revoked"
            case .exported: "Exported"
            case .verified: "Verified"
            case .verificationFailed: "Verification failed"
            case .keyRewrapped: "Key rewrapped"
            case .retentionReviewed: "Retention reviewed"
            case .deleted: "Deleted"
            case .probed: "Media read (ffprobe)"
            case .renditionMade: "Playable copy made"
            case .foilAdded: "Added to the foil library"
            case .foilWithdrawn: "Withdrawn from the foil library"
            case .paradeCreated: "Video identification made"
            case .usedInParade: "Used in a video identification"
            case .solicitorInvited: "Suspect's solicitor given the set"
            case .solicitorViewed: "Suspect's solicitor opened the set"
            case .solicitorAnswered: "Suspect's solicitor answered"
            case .objectionAnswered: "Objection answered"
            case .paradeReady: "Ready for witnesses"
            case .witnessInvited: "Witness invited"
            case .viewingOpened: "Witness opened the viewing"
            case .viewingPass: "Witness saw the whole set"
            case .viewingAnswered: "Witness answered"
            }
        }
    }

    static let genesis = String(repeating: "0", count: 64)

    /// Where a chain's last entry is remembered: on the evidence item, the foil or the parade it is about.
    enum HeadTable: String, Sendable {
        case evidenceItems = "evidence_items"
        case paradeFoils = "parade_foils"
        case parades
    }

    static func flat(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The exact text an entry's hash is taken over.
    static func text(
        previous: String, item: UUID, seq: Int, at: Date, action: String, actorID: UUID?, actorName: String,
        actorRole: String, detail: String
    ) -> String {
        [
            previous, item.uuidString.lowercased(), String(seq), String(milliseconds(at)), action,
            actorID?.uuidString.lowercased() ?? "", actorName, actorRole, detail,
        ].joined(separator: "\n")
    }

    static func text(of entry: CustodyEntry) -> String {
        text(
            previous: entry.previousHash, item: entry.itemID, seq: entry.seq, at: entry.at, action: entry.action,
            actorID: entry.actorID, actorName: entry.actorName, actorRole: entry.actorRole, detail: entry.detail)
    }

    static func hash(
        previous: String, item: UUID, seq: Int, at: Date, action: String, actorID: UUID?, actorName: String,
        actorRole: String, detail: String
    ) -> String {
        let text = text(
            previous: previous, item: item, seq: seq, at: at, action: action, actorID: actorID, actorName: actorName,
            actorRole: actorRole, detail: detail)
        return Secrets.sha256Hex(text)
    }

    static func hash(of entry: CustodyEntry) -> String {
        hash(
            previous: entry.previousHash, item: entry.itemID, seq: entry.seq, at: entry.at, action: entry.action,
            actorID: entry.actorID, actorName: entry.actorName, actorRole: entry.actorRole, detail: entry.detail)
    }

    /// Appends an entry. Two writers at once cannot fork the chain: (item, seq) is unique, and the loser
    /// reads the new last entry and tries again.
    @discardableResult
    static func append(
        _ action: Action, item: UUID, detail: String = "", actor: Actor, head: HeadTable = .evidenceItems,
        on db: any Database
    ) async throws -> CustodyEntry {
        var attempt = 0
        while true {
            attempt += 1
            let last = try await CustodyEntry.query(on: db).filter(\.$itemID == item).sort(\.$seq, .descending)
                .first()
            let entry = CustodyEntry()
            entry.itemID = item
            entry.seq = (last?.seq ?? 0) + 1
            entry.at = Date(timeIntervalSince1970: Double(milliseconds(Date())) / 1000)
            entry.action = action.rawValue
            entry.actorID = actor.id
            // One line per field in the hashed text: a line break inside a field would let text move between
            // fields without changing the hash.
            entry.actorName = flat(String(actor.name.prefix(200)))
            entry.actorRole = actor.kind == .witness ? "outside-link" : actor.role.rawValue
            entry.detail = flat(String(detail.prefix(2000)))
            entry.previousHash = last?.hash ?? genesis
            entry.hash = hash(of: entry)
            do {
                try await entry.create(on: db)
                if let sql = db as? any SQLDatabase {
                    try await sql.raw(
                        """
                        UPDATE \(unsafeRaw: head.rawValue) SET custody_seq = \(bind: entry.seq), custody_head = \(bind: entry.hash)
                        WHERE id = \(bind: item) AND custody_seq < \(bind: entry.seq)
                        """
                    ).run()
                }
                return entry
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 20 {
                try await Task.sleep(nanoseconds: UInt64.random(in: 1_000_000...20_000_000))
            }
        }
    }

    /// Appends the same entry to each item (a share of an interview reaches every recording of it).
    static func append(_ action: Action, items: [UUID], detail: String, actor: Actor, on db: any Database) async throws
    {
        for item in items { try await append(action, item: item, detail: detail, actor: actor, on: db) }
    }

    static func entries(_ item: UUID, on db: any Database) async throws -> [CustodyEntry] {
        try await CustodyEntry.query(on: db).filter(\.$itemID == item).sort(\.$seq).all()
    }

    /// What is wrong with an item's chain, entry by entry: a gap in the numbering, an entry whose previous
    /// hash is not its predecessor's, an entry whose fields no longer give its hash.
    static func check(_ entries: [CustodyEntry], head: (seq: Int, hash: String)? = nil) -> [String] {
        var problems: [String] = []
        if let head, head.seq > 0 {
            if (entries.last?.seq ?? 0) < head.seq {
                problems.append(
                    "custody: entries after \(entries.last?.seq ?? 0) are missing (the last written was entry \(head.seq))"
                )
            } else if let last = entries.first(where: { $0.seq == head.seq }), last.hash != head.hash {
                problems.append("custody: entry \(head.seq) is not the one written as the chain's last")
            }
        }
        var previous = genesis
        for (offset, entry) in entries.enumerated() {
            if entry.seq != offset + 1 {
                problems.append("custody: entry \(offset + 1) is missing (found \(entry.seq) in its place)")
            }
            if entry.previousHash != previous {
                problems.append("custody: entry \(entry.seq) (\(entry.action)) does not follow entry \(entry.seq - 1)")
            }
            if hash(of: entry) != entry.hash {
                problems.append("custody: entry \(entry.seq) (\(entry.action)) was changed after it was written")
            }
            previous = entry.hash
        }
        return problems
    }
}
