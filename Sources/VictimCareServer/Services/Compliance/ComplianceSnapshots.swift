import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import VictimCareDomain

/// The dashboard's figures as at a moment: one aggregate pass over obligations, victims, contacts and answers
/// (``ComplianceQuery``) kept as rows, so a page reads a few thousand small rows instead of scanning millions.
/// A node makes a new snapshot when the latest is `refreshMinutes` old, claiming the time slot first so that two
/// nodes never compute the same one; the pages say when their figures were taken. The victims behind a figure
/// are always listed live.
enum ComplianceSnapshots {
    struct Snapshot: Sendable {
        var id: UUID
        var asOf: Date
        var seconds: Double
        var counts: ComplianceCounts
    }

    /// The latest finished snapshot for `months` (the window moves on at midnight on the 1st), if any.
    static func latest(months: [YearMonth], on db: any Database) async throws -> Snapshot? {
        guard let sql = db as? any SQLDatabase, let first = months.first, let last = months.last else { return nil }
        guard
            let row = try await sql.raw(
                """
                SELECT id, as_of, seconds FROM compliance_snapshots
                WHERE finished_at IS NOT NULL AND first_month = \(bind: first.description)
                  AND last_month = \(bind: last.description)
                ORDER BY as_of DESC LIMIT 1
                """
            ).first()
        else { return nil }
        let id = try row.decode(column: "id", as: UUID.self)
        let asOf = try row.decode(column: "as_of", as: Date.self)
        let seconds = try row.decode(column: "seconds", as: Double?.self) ?? 0
        // A snapshot never changes once finished: each node keeps the latest it has read.
        if let cached = cache.withLockedValue({ $0 }), cached.id == id { return cached }
        var counts = ComplianceCounts(months: months)
        for figure in try await sql.raw(
            """
            SELECT metric, command_unit_id, month, numerator, denominator FROM compliance_figures
            WHERE snapshot_id = \(bind: id)
            """
        ).all() {
            let month = try figure.decode(column: "month", as: String.self)
            counts.add(
                try figure.decode(column: "metric", as: String.self),
                try figure.decode(column: "command_unit_id", as: UUID.self), month.isEmpty ? nil : YearMonth(month),
                Tally(
                    numerator: try figure.decode(column: "numerator", as: Int.self),
                    denominator: try figure.decode(column: "denominator", as: Int.self)))
        }
        let snapshot = Snapshot(id: id, asOf: asOf, seconds: seconds, counts: counts)
        cache.withLockedValue { $0 = snapshot }
        return snapshot
    }

    private static let cache = NIOLockedValueBox<Snapshot?>(nil)

    /// Computes and stores a snapshot unless another node has claimed `slot` (nil then). Older snapshots go.
    @discardableResult
    static func make(
        months: [YearMonth], asOf: Date = Date(), slot: Int64, by who: String, on db: any Database
    ) async throws -> Snapshot? {
        guard let sql = db as? any SQLDatabase, let first = months.first, let last = months.last else { return nil }
        let id = UUID.random()
        do {
            try await sql.raw(
                """
                INSERT INTO compliance_snapshots (id, slot, first_month, last_month, as_of, started_at, started_by)
                VALUES (\(bind: id), \(bind: slot), \(bind: first.description), \(bind: last.description),
                        \(bind: asOf), \(bind: Date()), \(bind: who))
                """
            ).run()
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return nil
        }
        let started = Date()
        let counts: ComplianceCounts
        do {
            counts = try await ComplianceQuery.load(months: months, asOf: asOf, on: db.longReads)
        } catch {
            // Free the slot's row so the page does not wait on a snapshot that will never finish.
            try? await sql.raw("DELETE FROM compliance_snapshots WHERE id = \(bind: id)").run()
            throw error
        }
        let seconds = Date().timeIntervalSince(started)
        try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            let rows = counts.tallies.filter { $0.value != Tally() }.map { $0 }
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                var insert = sql.insert(into: "compliance_figures")
                    .columns("snapshot_id", "metric", "command_unit_id", "month", "numerator", "denominator")
                for (key, tally) in rows[chunk..<min(chunk + 500, rows.count)] {
                    insert = insert.values(
                        SQLBind(id), SQLBind(key.metric), SQLBind(key.unit), SQLBind(key.month?.description ?? ""),
                        SQLBind(tally.numerator), SQLBind(tally.denominator))
                }
                try await insert.run()
            }
            try await sql.raw(
                "UPDATE compliance_snapshots SET finished_at = \(bind: Date()), seconds = \(bind: seconds) WHERE id = \(bind: id)"
            ).run()
            // Earlier finished snapshots are no longer read (their figures go with them).
            try await sql.raw(
                """
                DELETE FROM compliance_snapshots WHERE id <> \(bind: id) AND finished_at IS NOT NULL
                  AND as_of <= \(bind: asOf)
                """
            ).run()
        }
        return Snapshot(id: id, asOf: asOf, seconds: seconds, counts: counts)
    }

    /// The figures to show now: the latest snapshot for the current window; else, just after the 1st of a month
    /// while the new window is being worked out, the latest of the month before (the page says its date); else,
    /// on a new installation, one made now. Nil when another node is making the very first one.
    static func current(
        _ window: DashboardService.Window, refreshMinutes: Int, on db: any Database
    ) async throws -> Snapshot? {
        if let snapshot = try await latest(months: window.months, on: db) { return snapshot }
        if let earlier = try await latestOfAnyWindow(on: db) { return earlier }
        return try await make(
            months: window.months, asOf: window.asOf, slot: slot(window.asOf, minutes: refreshMinutes), by: "page",
            on: db)
    }

    /// The most recent finished snapshot, whatever its window.
    static func latestOfAnyWindow(on db: any Database) async throws -> Snapshot? {
        guard let sql = db as? any SQLDatabase,
            let row = try await sql.raw(
                """
                SELECT first_month, last_month FROM compliance_snapshots WHERE finished_at IS NOT NULL
                ORDER BY as_of DESC LIMIT 1
                """
            ).first(),
            let first = YearMonth(try row.decode(column: "first_month", as: String.self)),
            let last = YearMonth(try row.decode(column: "last_month", as: String.self)), first <= last
        else { return nil }
        var months: [YearMonth] = []
        var month = first
        while month <= last {
            months.append(month)
            month = month.adding(months: 1)
        }
        return try await latest(months: months, on: db)
    }

    /// The background step: a new snapshot when the latest is `refreshMinutes` old.
    static func refreshIfDue(refreshMinutes: Int, node: String, on db: any Database) async throws -> Bool {
        let window = DashboardService.Window.current()
        if let latest = try await latest(months: window.months, on: db),
            latest.asOf > Date().addingTimeInterval(-Double(refreshMinutes) * 60)
        {
            return false
        }
        return try await make(
            months: window.months, asOf: window.asOf, slot: slot(window.asOf, minutes: refreshMinutes), by: node,
            on: db) != nil
    }

    /// Minutes between snapshots (`DASHBOARD_REFRESH_MINUTES`, default 10).
    static var refreshMinutes: Int {
        Environment.get("DASHBOARD_REFRESH_MINUTES").flatMap(Int.init).map { max($0, 1) } ?? 10
    }

    static func slot(_ at: Date, minutes: Int) -> Int64 {
        Int64(at.timeIntervalSince1970 / (Double(max(minutes, 1)) * 60))
    }
}
