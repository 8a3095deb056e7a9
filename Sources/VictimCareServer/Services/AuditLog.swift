import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// Writes and reads the append-only audit trail. Nothing here (or anywhere) updates or deletes an entry.
enum AuditLog {
    enum Action: String, CaseIterable, Sendable, Labelled {
        case create, update, delete, view
        case viewWithReason = "view_with_reason"
        case changeWithReason = "change_with_reason"
        case refused
        case signIn = "sign_in"
        case signInFailed = "sign_in_failed"
        case signOut = "sign_out"
        case export
        case search

        var label: String {
            switch self {
            case .create: "Created"
            case .update: "Changed"
            case .delete: "Removed"
            case .view: "Viewed"
            case .viewWithReason: "Opened outside own unit, with a reason"
            case .changeWithReason: "Changed outside own unit, with a reason"
            case .refused: "Refused"
            case .signIn: "Signed in"
            case .signInFailed: "Sign-in failed"
            case .signOut: "Signed out"
            case .export: "Exported"
            case .search: "Searched"
            }
        }
    }

    /// Words for a record type, and the page a record of it opens (none for most).
    static func describe(recordType: String, id: UUID?) -> (label: String, href: String?) {
        let label =
            [
                "person": "Person", "crime": "Crime", "victim": "Victim", "contact": "Contact", "user": "User",
                "api_token": "API token", "crime_person": "Person's link to a crime", "self_referral": "Self-referral",
                "referral": "Referral", "needs_assessment": "Needs assessment", "message": "Message",
                "contact_point": "Contact point", "desk_call": "Desk call", "victim_request": "Victim's request",
            ][recordType] ?? recordType.replacingOccurrences(of: "_", with: " ").capitalized
        guard let id else { return (label, nil) }
        let path: String? =
            switch recordType {
            case "person": "/people/\(id)"
            case "crime": "/crimes/\(id)"
            case "victim", "needs_assessment": "/victims/\(id)"
            case "user": "/admin/users/\(id)"
            default: nil
            }
        return (label, path)
    }

    /// Records one event. `summary` names fields and ids, never personal values.
    static func record(
        _ action: Action, _ recordType: String, _ recordID: UUID?, summary: String = "",
        context: AccessContext, on db: any Database
    ) async throws {
        try await write(
            [entry(action, recordType, recordID, summary: summary, context: context)], context: context, on: db)
    }

    /// Writes entries made for `context`. Outside a transaction they go through the application's
    /// ``AuditWriter``, together with whatever other requests are writing at that moment; either way this
    /// returns only once they are committed, so nothing is shown before its audit entry is stored.
    static func write(_ entries: [Entry], context: AccessContext, on db: any Database) async throws {
        guard !entries.isEmpty else { return }
        let rows = entries.map(\.cells)
        // Inside a transaction, or on a connection that already holds SQLite's write lane, the entries go in
        // with the caller's own work.
        if let writer = context.auditWriter, !db.inTransaction, !((db as? LanedSQLiteDatabase)?.holdsLane ?? false) {
            try await writer.write(rows)
            return
        }
        var insert = BulkInsert(AuditEntry.schema, AuditEntry.bulkColumns)
        for row in rows { insert.add(row) }
        try await insert.flush(on: db)
    }

    /// The entry `record` writes, for a writer that saves many at once (an import's chunk).
    static func entry(
        _ action: Action, _ recordType: String, _ recordID: UUID?, summary: String = "", context: AccessContext,
        at: Date = Date()
    ) -> Entry {
        Entry(
            at: at, actorID: context.actor.id, actorKind: context.actor.kind.rawValue, actorName: context.actor.name,
            actorRole: context.actor.role.rawValue, action: action.rawValue, recordType: recordType,
            recordID: recordID, summary: String(summary.prefix(1000)), ip: context.ip,
            reason: context.reason.map { String($0.prefix(1000)) })
    }

    /// An audit entry to be written: a plain value with the columns of `audit_entries`, not a Fluent model. Every
    /// page view, recorded crime and imported row makes one or more, and a model costs an allocation and Fluent's
    /// generic look-ups for each of its twelve fields, set and then read back (issue 17). `AuditEntry` is for
    /// reading the trail.
    struct Entry: Sendable {
        var id = UUID.ordered()
        var at: Date
        var actorID: UUID?
        var actorKind: String
        var actorName: String
        var actorRole: String
        var action: String
        var recordType: String
        var recordID: UUID?
        var summary: String
        var ip: String?
        var reason: String?

        /// The values in `AuditEntry.bulkColumns` order.
        var cells: [SQLCell] {
            [
                .uuid(id), .date(at), .of(actorID), .text(actorKind), .text(actorName), .text(actorRole),
                .text(action), .text(recordType), .of(recordID), .text(summary), .of(ip), .of(reason),
            ]
        }
    }

    /// Records that each of `ids` was shown (a list, a search result, a page naming them), one row per record
    /// in one statement, so "who has seen this person" finds every response that named them. The services that
    /// load people for display call this, not the handlers (2026-11-30, issue 12).
    static func recordViews(
        _ recordType: String, _ ids: [UUID], summary: String, context: AccessContext, on db: any Database
    ) async throws {
        try await write(viewEntries(recordType, ids, summary: summary, context: context), context: context, on: db)
    }

    /// The entries ``recordViews`` writes: one per distinct record.
    static func viewEntries(_ recordType: String, _ ids: [UUID], summary: String, context: AccessContext)
        -> [Entry]
    {
        let now = Date()
        var seen = Set<UUID>()
        return ids.filter { seen.insert($0).inserted }.map {
            entry(.view, recordType, $0, summary: summary, context: context, at: now)
        }
    }

    /// Records a search: what was asked and how many records came back (each shown record is audited as a
    /// view with ``recordViews``).
    static func recordSearch(
        _ recordType: String, terms: String, results: Int, context: AccessContext, on db: any Database
    ) async throws {
        try await record(
            .search, recordType, nil, summary: "terms: \(terms.prefix(300)); \(results) shown", context: context, on: db
        )
    }

    /// Records something a victim did on their own pages (no account: the link they hold is their identity).
    static func recordVictim(
        _ action: Action, _ recordType: String, _ recordID: UUID?, summary: String, ip: String?, on db: any Database
    ) async throws {
        let entry = Entry(
            at: Date(), actorID: nil, actorKind: "victim", actorName: "Victim (own case page)", actorRole: "victim",
            action: action.rawValue, recordType: recordType, recordID: recordID, summary: String(summary.prefix(1000)),
            ip: ip, reason: nil)
        try await write([entry], context: .system, on: db)
    }

    struct Filter: Sendable {
        var actorName: String?
        var action: String?
        var recordType: String?
        var recordID: UUID?
        var from: Date?
        var to: Date?
    }

    static func query(_ filter: Filter, on db: any Database) -> QueryBuilder<AuditEntry> {
        let query = AuditEntry.query(on: db).sort(\.$at, .descending)
        // Part of a name, in any case: administrators do not know the exact display name.
        if let name = filter.actorName?.trimmingWhitespace().lowercased(), !name.isEmpty {
            let pattern =
                "%" + name.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            query.filter(.sql(unsafeRaw: "LOWER(actor_name)"), .custom("LIKE"), .bind(pattern))
        }
        if let action = filter.action, !action.isEmpty { query.filter(\.$action == action) }
        if let type = filter.recordType, !type.isEmpty { query.filter(\.$recordType == type) }
        if let id = filter.recordID { query.filter(\.$recordID == id) }
        if let from = filter.from { query.filter(\.$at >= from) }
        if let to = filter.to { query.filter(\.$at < to) }
        return query
    }
}

/// Group commit for the audit trail (`GroupCommit`): the entries of every request that reaches it while a write is
/// under way go together in the next multi-row statement, one write transaction where each request made its own
/// (two for a crime's page). Each caller waits until its own entries are committed; one caller's bad row fails only
/// that caller.
struct AuditWriter: Sendable {
    private let group: GroupCommit<[[SQLCell]], Void>

    /// `database`: the application's (every write goes through it, whichever request started the write).
    init(database: @escaping @Sendable () -> any Database) {
        // At most 2,000 rows in one statement, so a burst does not build one enormous insert.
        group = GroupCommit(maxWeight: 2_000, database: database) { batches, db in
            var insert = BulkInsert(AuditEntry.schema, AuditEntry.bulkColumns)
            for rows in batches { for row in rows { insert.add(row) } }
            try await insert.flush(on: db)
            return batches.map { _ in () }
        }
    }

    func write(_ rows: [[SQLCell]]) async throws {
        try await group.submit(rows, weight: rows.count)
    }

    /// How many statements it has written (for tests: fewer than its callers when they came together).
    var statements: Int { get async { await group.writes } }
}
