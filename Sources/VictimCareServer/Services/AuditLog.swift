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
        try await entry(action, recordType, recordID, summary: summary, context: context).create(on: db)
    }

    /// The entry `record` writes, for a writer that saves many at once (an import's chunk).
    static func entry(
        _ action: Action, _ recordType: String, _ recordID: UUID?, summary: String = "", context: AccessContext,
        at: Date = Date()
    ) -> AuditEntry {
        let entry = AuditEntry()
        entry.at = at
        entry.actorID = context.actor.id
        entry.actorKind = context.actor.kind.rawValue
        entry.actorName = context.actor.name
        entry.actorRole = context.actor.role.rawValue
        entry.action = action.rawValue
        entry.recordType = recordType
        entry.recordID = recordID
        entry.summary = String(summary.prefix(1000))
        entry.ip = context.ip
        entry.reason = context.reason.map { String($0.prefix(1000)) }
        return entry
    }

    /// Records that each of `ids` was shown (a list, a search result, a page naming them), one row per record
    /// in one statement, so "who has seen this person" finds every response that named them. The services that
    /// load people for display call this, not the handlers (2026-11-30, issue 12).
    static func recordViews(
        _ recordType: String, _ ids: [UUID], summary: String, context: AccessContext, on db: any Database
    ) async throws {
        let unique = Array(Set(ids))
        guard !unique.isEmpty, let sql = db as? any SQLDatabase else { return }
        let now = Date()
        let text = String(summary.prefix(1000))
        let reason = context.reason.map { String($0.prefix(1000)) }
        for chunk in stride(from: 0, to: unique.count, by: 500).map({ Array(unique[$0..<min($0 + 500, unique.count)]) })
        {
            var insert = sql.insert(into: "audit_entries").columns(
                "id", "at", "actor_id", "actor_kind", "actor_name", "actor_role", "action", "record_type", "record_id",
                "summary", "ip", "reason")
            for id in chunk {
                insert = insert.values(
                    SQLBind(UUID()), SQLBind(now), SQLBind(context.actor.id), SQLBind(context.actor.kind.rawValue),
                    SQLBind(context.actor.name), SQLBind(context.actor.role.rawValue), SQLBind(Action.view.rawValue),
                    SQLBind(recordType), SQLBind(id), SQLBind(text), SQLBind(context.ip), SQLBind(reason))
            }
            try await insert.run()
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
        let entry = AuditEntry()
        entry.at = Date()
        entry.actorKind = "victim"
        entry.actorName = "Victim (own case page)"
        entry.actorRole = "victim"
        entry.action = action.rawValue
        entry.recordType = recordType
        entry.recordID = recordID
        entry.summary = String(summary.prefix(1000))
        entry.ip = ip
        try await entry.create(on: db)
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
        if let name = filter.actorName?.trimmingCharacters(in: .whitespaces).lowercased(), !name.isEmpty {
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
