import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import VictimCareDomain

/// The engine as configured by administrators: policy versions, calendar overrides and the call-back policy.
/// Loaded from the database and cached per database instance and configuration version, so every node sees
/// a change as soon as it is saved (one small read per use).
struct VictimsCodeConfig: Sendable {
    let engine: ObligationEngine
    let callBack: CallBackPolicy
    let version: String
    /// The administrators' changes in force from each date, oldest first (applied to the code's rules table).
    let adjustments: [(from: LocalDate, adjustments: PolicyAdjustments)]

    /// The changes in force on a date (none before the first saved version).
    func adjustments(on date: LocalDate) -> PolicyAdjustments {
        adjustments.last(where: { $0.from <= date })?.adjustments ?? PolicyAdjustments()
    }

    var currentPolicy: VictimsCodePolicy { engine.policy(on: London.date(of: Date())) }

    private static let cache = NIOLockedValueBox<[String: VictimsCodeConfig]>([:])

    static func current(on db: any Database) async throws -> VictimsCodeConfig {
        try await currentAndOptOut(on: db).config
    }

    /// The settings `currentAndOptOut` reads, for a caller that reads them with other things in one statement.
    static let settingKeys = ["config_version", "instance_id", ReferralService.optOutKey]
    /// The keys whose values, in this order, make the configuration's version stamp.
    private static let stampKeys = settingKeys.filter { $0 != ReferralService.optOutKey }.sorted()

    /// The configuration and the day opting out of referrals began (`ReferralService.optOutFrom`), from one read of
    /// the settings: recording a crime needs both.
    static func currentAndOptOut(on db: any Database) async throws -> (config: VictimsCodeConfig, optOutFrom: Date?) {
        guard let sql = db as? any SQLDatabase else { throw DomainError.forbidden("SQL database required") }
        var settings: [String: String] = [:]
        for row in try await FastRows.query(
            "SELECT key, value FROM settings WHERE key IN (\(FastRows.placeholders(settingKeys.count)))",
            settingKeys.map(SQLCell.text), on: sql)
        {
            if let key = row.string(0), let value = row.string(1) { settings[key] = value }
        }
        return try await currentAndOptOut(settings: settings, on: db)
    }

    /// The same from the values of `settingKeys` read beforehand (absent keys left out); reads the configuration
    /// only when its version is not cached.
    static func currentAndOptOut(settings: [String: String], on db: any Database) async throws -> (
        config: VictimsCodeConfig, optOutFrom: Date?
    ) {
        let optOutFrom = settings[ReferralService.optOutKey].flatMap(ReferralService.parseOptOutFrom)
        let stamp = stampKeys.compactMap { settings[$0] }.joined(separator: "/")
        if let cached = cache.withLockedValue({ $0[stamp] }) { return (cached, optOutFrom) }
        let loaded = try await load(on: db, version: stamp)
        cache.withLockedValue { $0[stamp] = loaded }
        return (loaded, optOutFrom)
    }

    private static func load(on db: any Database, version: String) async throws -> VictimsCodeConfig {
        var policies: [(from: LocalDate, policy: VictimsCodePolicy)] = [
            (LocalDate(year: 2000, month: 1, day: 1)!, .standard)
        ]
        var adjustments: [(from: LocalDate, adjustments: PolicyAdjustments)] = []
        for record in try await PolicyVersion.query(on: db).sort(\.$effectiveFrom).sort(\.$createdAt).all() {
            // A version that cannot be read would silently give the wrong deadlines: fail loudly instead
            // (2026-11-30, issue 14: such versions were skipped without a word).
            guard let from = LocalDate(record.effectiveFrom) else {
                throw DomainError.invalid("policy", "Policy version \(record.id?.uuidString ?? "") has no valid date")
            }
            let changes = try PolicyVersion.adjustments(from: record.policyJSON)
            policies.removeAll { $0.from == from }
            policies.append((from, changes.applied(to: .standard)))
            adjustments.removeAll { $0.from == from }
            adjustments.append((from, changes))
        }
        let overrides = try await CalendarOverrideRecord.query(on: db).all().compactMap { record in
            LocalDate(record.date).map {
                WorkingDayCalendar.Override(date: $0, holiday: record.holiday, name: record.name)
            }
        }
        let callBack = try await CallBackPolicyRecord.query(on: db).all().compactMap { record in
            LocalDate(record.effectiveFrom).map {
                CallBackPolicy.Entry(
                    offenceCode: record.offenceCode, callBack: record.callBack, note: record.note, from: $0)
            }
        }
        return VictimsCodeConfig(
            engine: ObligationEngine(
                calendar: WorkingDayCalendar(overrides: overrides), policies: policies),
            callBack: CallBackPolicy(entries: callBack), version: version, adjustments: adjustments)
    }

    /// Marks the configuration changed, so every node reloads it.
    static func bump(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let token = UUID.random().uuidString
        try await sql.update("settings").set("value", to: token).where("key", .equal, "config_version").run()
    }
}
