import Fluent
import Foundation
import VictimCareDomain

/// Administrators change the Victims' Code figures, the working-day calendar and the call-back policy.
/// Every change takes effect from a date, is audited, and starts a bulk recompute.
enum PolicyService {
    struct LimitChange: Sendable {
        var code: String
        var trigger: String
        var standard: String?
        var enhanced: String?
    }

    /// Saves a new policy version from the current one with the given figures changed.
    static func saveVersion(
        effectiveFrom rawFrom: String?, note rawNote: String?, updateIntervalDays: String?,
        persistentThreshold: String?,
        limits: [LimitChange], context: AccessContext, on db: any Database
    ) async throws -> PolicyVersion {
        try AccessGuard.require(.manageVictimsCodeSettings, context)
        var v = Validator()
        let from = v.date(rawFrom, "effectiveFrom", "the date it takes effect")
        if rawFrom?.trimmingWhitespace().isEmpty ?? true {
            v.fail("effectiveFrom", "Enter the date the change takes effect")
        }
        let note = v.required(rawNote, "note", "what changed and why", max: 500)
        let config = try await VictimsCodeConfig.current(on: db)
        let day = from ?? London.date(of: Date())
        let policy = config.engine.policy(on: day)
        var changes = PolicyAdjustments()
        func number(_ raw: String?, _ field: String, _ label: String, _ range: ClosedRange<Int>) -> Int? {
            guard let raw = raw?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            guard let n = Int(raw), range.contains(n) else {
                v.fail(field, "\(label) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return n
        }
        if let days = number(updateIntervalDays, "updateIntervalDays", "The update interval", 1...365) {
            changes.updateIntervalDays = days
        }
        if let n = number(persistentThreshold, "persistentThreshold", "The number of crimes", 2...50) {
            changes.persistentlyTargetedThreshold = n
        }
        for change in limits {
            guard
                let rule = policy.rules.first(where: {
                    $0.code == change.code && $0.trigger.rawValue == change.trigger
                })
            else {
                v.fail("limits", "\(change.code) is not in the rules table")
                continue
            }
            let field = "\(change.code)-\(change.trigger)"
            let range = rule.standard.unit == "hours" ? 1...168 : 0...60
            let standard = number(change.standard, "\(field)-standard", "\(change.code)'s limit", range)
            let enhanced = number(change.enhanced, "\(field)-enhanced", "\(change.code)'s enhanced limit", range)
            if standard != nil || enhanced != nil {
                changes.limits.append(
                    .init(code: rule.code, trigger: rule.trigger, standard: standard, enhanced: enhanced))
            }
        }
        // A version holds every change in force from its date: those of the version before it, and these.
        let adjustments = config.adjustments(on: day).merging(changes)
        try v.check()
        let version = PolicyVersion()
        version.effectiveFrom = from!.description
        version.policyJSON = String(decoding: try JSONEncoder().encode(adjustments), as: UTF8.self)
        version.note = note
        version.createdByName = context.actor.name
        version.createdAt = Date()
        try await db.transaction { tx in
            try await version.create(on: tx)
            try await VictimsCodeConfig.bump(on: tx)
            try await AuditLog.record(
                .create, "policy_version", version.id, summary: "from \(from!)", context: context, on: tx)
            try await RecomputeService.enqueue(reason: "Policy from \(from!): \(note)", context: context, on: tx)
        }
        return version
    }

    static func addCalendarOverride(
        date rawDate: String?, holiday rawHoliday: String?, name rawName: String?, context: AccessContext,
        on db: any Database
    ) async throws {
        try AccessGuard.require(.manageVictimsCodeSettings, context)
        var v = Validator()
        let date = v.date(rawDate, "date", "the date")
        if rawDate?.trimmingWhitespace().isEmpty ?? true { v.fail("date", "Enter the date") }
        let holiday = v.flag(rawHoliday, "holiday", "holiday")
        if holiday == nil, v.isValid { v.fail("holiday", "Say whether the day becomes a holiday or a working day") }
        let name = v.required(rawName, "name", "a name for the change", max: 200)
        if let date, try await CalendarOverrideRecord.query(on: db).filter(\.$date == date.description).count() > 0 {
            v.fail("date", "There is already a change for \(date)")
        }
        try v.check()
        let record = CalendarOverrideRecord()
        record.date = date!.description
        record.holiday = holiday!
        record.name = name
        record.createdByName = context.actor.name
        record.createdAt = Date()
        try await db.transaction { tx in
            try await record.create(on: tx)
            try await VictimsCodeConfig.bump(on: tx)
            try await AuditLog.record(
                .create, "calendar_override", record.id, summary: "\(date!) holiday \(holiday!)", context: context,
                on: tx)
            try await RecomputeService.enqueue(
                reason: "Calendar: \(date!) \(holiday! ? "not a working day" : "a working day")", context: context,
                on: tx)
        }
    }

    static func addCallBackEntry(
        offenceCode rawCode: String?, callBack rawCallBack: String?, note rawNote: String?, from rawFrom: String?,
        context: AccessContext, on db: any Database
    ) async throws {
        try AccessGuard.require(.manageVictimsCodeSettings, context)
        var v = Validator()
        let code = v.required(rawCode, "offenceCode", "the offence", max: 16)
        if !code.isEmpty, try await Offence.query(on: db).filter(\.$code == code).count() == 0 {
            v.fail("offenceCode", "\(code) is not a known offence")
        }
        let callBack = v.flag(rawCallBack, "callBack", "call back")
        if callBack == nil, v.isValid { v.fail("callBack", "Say whether victims of this offence are called back") }
        let note = v.required(rawNote, "callBackNote", "the condition or reason", max: 300)
        let from = v.date(rawFrom, "callBackFrom", "the date it takes effect")
        if rawFrom?.trimmingWhitespace().isEmpty ?? true { v.fail("callBackFrom", "Enter the date it takes effect") }
        try v.check()
        let record = CallBackPolicyRecord()
        record.offenceCode = code
        record.callBack = callBack!
        record.note = note
        record.effectiveFrom = from!.description
        record.createdByName = context.actor.name
        record.createdAt = Date()
        try await db.transaction { tx in
            try await record.create(on: tx)
            try await VictimsCodeConfig.bump(on: tx)
            try await AuditLog.record(
                .create, "callback_policy", record.id, summary: "\(code) call back \(callBack!) from \(from!)",
                context: context, on: tx)
            try await RecomputeService.enqueue(
                reason: "Call-back policy for \(code) from \(from!)", context: context, on: tx)
        }
    }
}
