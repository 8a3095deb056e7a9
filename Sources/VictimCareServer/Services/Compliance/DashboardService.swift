import Fluent
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// Red, amber or green against a unit's target, always said in words as well.
enum RAG: String, Sendable, Encodable {
    case green, amber, red

    /// Within this many percentage points of the target is amber.
    static let amberPoints = 0.05

    static func of(rate: Double?, target: Double?, higherIsBetter: Bool) -> RAG? {
        guard let rate, let target else { return nil }
        let shortfall = higherIsBetter ? target - rate : rate - target
        if shortfall <= 1e-12 { return .green }
        return shortfall <= amberPoints + 1e-12 ? .amber : .red
    }

    var label: String {
        switch self {
        case .green: "On target"
        case .amber: "Close to target"
        case .red: "Off target"
        }
    }
}

/// The compliance dashboard: every figure is summed from ``ComplianceCounts`` for the 24 months to the current one.
/// Anyone with the permission sees every unit's aggregate figures (units compare themselves with one another);
/// the victims behind a figure are listed only within the viewer's scope.
enum DashboardService {
    static let monthsShown = 24

    struct Figure: Sendable {
        var metric: Metric
        /// The latest 12 months.
        var current: Tally
        /// The 12 months before.
        var previous: Tally?
        var target: Double?
        var rag: RAG? { RAG.of(rate: current.rate, target: target, higherIsBetter: metric.higherIsBetter) }
        /// Percentage points, current minus previous.
        var change: Double? {
            guard let now = current.rate, let then = previous?.rate else { return nil }
            return now - then
        }
    }

    struct Window: Sendable {
        var months: [YearMonth]
        var asOf: Date
        var latest: [YearMonth] { Array(months.suffix(12)) }
        var earlier: [YearMonth] { Array(months.prefix(months.count - 12)) }

        static func current(asOf: Date = Date()) -> Window {
            Window(
                months: YearMonth.window(endingWith: YearMonth(London.date(of: asOf)), count: monthsShown), asOf: asOf)
        }
    }

    /// The figures for the window from the latest snapshot; the window's `asOf` becomes the snapshot's.
    static func counts(_ window: inout Window, context: AccessContext, on db: any Database) async throws
        -> ComplianceCounts
    {
        try AccessGuard.require(.viewComplianceDashboard, context)
        guard
            let snapshot = try await ComplianceSnapshots.current(
                window, refreshMinutes: ComplianceSnapshots.refreshMinutes, on: db)
        else {
            throw Abort(
                .serviceUnavailable, headers: ["Retry-After": "60"],
                reason: "The dashboard's first figures are being worked out. Try again in a minute.")
        }
        // The page shows the snapshot's months and moment, whatever the clock says now.
        window.months = snapshot.counts.months
        window.asOf = snapshot.asOf
        return snapshot.counts
    }

    static func targets(unit: UUID?, on db: any Database) async throws -> [String: Double] {
        guard let unit else { return [:] }
        return Dictionary(
            try await MetricTarget.query(on: db).filter(\.$commandUnitID == unit).all().map { ($0.metric, $0.target) },
            uniquingKeysWith: { a, _ in a })
    }

    /// Every metric for one unit, or the force when `unit` is nil.
    static func figures(
        _ counts: ComplianceCounts, window: Window, unit: UUID?, targets: [String: Double]
    ) -> [Figure] {
        let units = unit.map { Set([$0]) }
        return MetricCatalogue.all.map { metric in
            Figure(
                metric: metric, current: counts.tally(metric, units: units, months: window.latest),
                previous: metric.source.monthly ? counts.tally(metric, units: units, months: window.earlier) : nil,
                target: targets[metric.id])
        }
    }

    struct MonthRow: Sendable {
        var month: YearMonth
        var tally: Tally
        var force: Tally
        /// The same month a year before, for the unit (or the force).
        var yearBefore: Tally?
    }

    static func series(_ counts: ComplianceCounts, window: Window, metric: Metric, unit: UUID?) -> [MonthRow] {
        let units = unit.map { Set([$0]) }
        return window.months.enumerated().map { i, month in
            MonthRow(
                month: month, tally: counts.tally(metric, units: units, months: [month]),
                force: counts.tally(metric, units: nil, months: [month]),
                yearBefore: i >= 12 ? counts.tally(metric, units: units, months: [window.months[i - 12]]) : nil)
        }
    }

    struct LeagueRow: Sendable {
        var unit: CommandUnit
        var tally: Tally
        var target: Double?
        var rank: Int?
        var rag: RAG?
    }

    /// Every unit on one metric over the latest 12 months, best first; units with nothing to count come last.
    static func league(
        _ counts: ComplianceCounts, window: Window, metric: Metric, on db: any Database
    ) async throws -> [LeagueRow] {
        let units = try await OrganisationService.units(on: db)
        let targets = try await MetricTarget.query(on: db).filter(\.$metric == metric.id).all()
        let targetOf = Dictionary(targets.map { ($0.commandUnitID, $0.target) }, uniquingKeysWith: { a, _ in a })
        var rows = units.map { unit in
            let tally = counts.tally(metric, units: [unit.id!], months: window.latest)
            let target = targetOf[unit.id!]
            return LeagueRow(
                unit: unit, tally: tally, target: target, rank: nil,
                rag: RAG.of(rate: tally.rate, target: target, higherIsBetter: metric.higherIsBetter))
        }
        rows.sort { a, b in
            switch (a.tally.rate, b.tally.rate) {
            case (let x?, let y?):
                if x != y { return metric.higherIsBetter ? x > y : x < y }
                return a.unit.code < b.unit.code
            case (.some, .none): return true
            case (.none, .some): return false
            default: return a.unit.code < b.unit.code
            }
        }
        var rank = 0
        var previous: Double?
        for i in rows.indices where rows[i].tally.rate != nil {
            if rows[i].tally.rate != previous { rank = i + 1 }
            previous = rows[i].tally.rate
            rows[i].rank = rank
        }
        return rows
    }

    /// A lead sets their own unit's target; an administrator any unit's. A blank target removes it.
    static func setTarget(
        unit: UUID, metric metricID: String, target raw: String?, context: AccessContext, on db: any Database
    ) async throws {
        try AccessGuard.requireListing(.setUnitTargets, unit: unit, context)
        let metric = try MetricCatalogue.find(metricID)
        let text = (raw ?? "").trimmingWhitespace().replacingOccurrences(of: "%", with: "")
        let value: Double?
        if text.isEmpty {
            value = nil
        } else {
            guard let percent = Double(text), percent.isFinite, (0...100).contains(percent) else {
                throw DomainError.invalid("target", "Enter the target as a percentage from 0 to 100")
            }
            value = percent / 100
        }
        try await db.transaction { tx in
            let existing = try await MetricTarget.query(on: tx).filter(\.$commandUnitID == unit)
                .filter(\.$metric == metric.id).first()
            if let value {
                let target = existing ?? MetricTarget()
                target.commandUnitID = unit
                target.metric = metric.id
                target.target = value
                target.setByName = context.actor.name
                target.setAt = Date()
                try await target.save(on: tx)
            } else {
                try await existing?.delete(on: tx)
            }
            try await AuditLog.record(
                .update, "metric_target", unit,
                summary: "\(metric.id) target \(value.map { "\($0 * 100)%" } ?? "removed")",
                context: context, on: tx)
        }
    }
}
