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

    var currentPolicy: VictimsCodePolicy { engine.policy(on: London.date(of: Date())) }

    private static let cache = NIOLockedValueBox<[String: VictimsCodeConfig]>([:])

    static func current(on db: any Database) async throws -> VictimsCodeConfig {
        guard let sql = db as? any SQLDatabase else { throw DomainError.forbidden("SQL database required") }
        struct Row: Decodable {
            var key: String
            var value: String
        }
        let rows = try await sql.select().columns("key", "value").from("settings")
            .where("key", .in, ["instance_id", "config_version"]).all(decoding: Row.self)
        let stamp = rows.sorted { $0.key < $1.key }.map(\.value).joined(separator: "/")
        if let cached = cache.withLockedValue({ $0[stamp] }) { return cached }
        let loaded = try await load(on: db, version: stamp)
        cache.withLockedValue { $0[stamp] = loaded }
        return loaded
    }

    private static func load(on db: any Database, version: String) async throws -> VictimsCodeConfig {
        let decoder = JSONDecoder()
        var policies: [(from: LocalDate, policy: VictimsCodePolicy)] = [
            (LocalDate(year: 2000, month: 1, day: 1)!, .standard)
        ]
        for record in try await PolicyVersion.query(on: db).sort(\.$effectiveFrom).sort(\.$createdAt).all() {
            guard let from = LocalDate(record.effectiveFrom),
                let policy = try? decoder.decode(VictimsCodePolicy.self, from: Data(record.policyJSON.utf8))
            else { continue }
            policies.removeAll { $0.from == from }
            policies.append((from, policy))
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
                calendar: WorkingDayCalendar(years: 2000...2045, overrides: overrides), policies: policies),
            callBack: CallBackPolicy(entries: callBack), version: version)
    }

    /// Marks the configuration changed, so every node reloads it.
    static func bump(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let token = UUID().uuidString
        try await sql.update("settings").set("value", to: token).where("key", .equal, "config_version").run()
    }
}
