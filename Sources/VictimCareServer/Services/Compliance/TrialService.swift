import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Randomised trials of a care practice, such as a call-back within two days for a crime type. An analyst
/// defines the practice, who is eligible (an offence group, a command unit, or any) and the allocation ratio;
/// each new eligible victim is allocated at random when recorded, and the allocation is kept and shown on the
/// victim's page so the officer knows which care to give. The report compares the arms on satisfaction (each
/// allocated victim's latest answer to feedback or the survey) and on withdrawals (victims recorded as no longer
/// supporting the investigation), each as a difference of rates with a 95% interval.
enum TrialService {
    enum Arm: String, Sendable, CaseIterable {
        case practice, usual

        var label: String { self == .practice ? "The practice" : "Usual care" }
    }

    struct Draft: Sendable {
        var name: String?
        var practice: String?
        var offenceGroup: String?
        var unit: String?
        var practiceShare: String?
        var usualShare: String?
    }

    static func create(_ d: Draft, context: AccessContext, on db: any Database) async throws -> Trial {
        try AccessGuard.require(.manageTrials, context)
        var v = Validator()
        let name = v.required(d.name, "name", "the trial's name", max: 200)
        let practice = v.required(d.practice, "practice", "the practice tried", max: 1000)
        let group = d.offenceGroup.flatMap { $0.isEmpty ? nil : $0 }
        if let group {
            let known = try await Offence.query(on: db).filter(\.$group == group).first() != nil
            if !known { v.fail("offenceGroup", "Choose an offence group from the list") }
        }
        var unitID: UUID?
        if let code = d.unit, !code.isEmpty {
            unitID = try await OrganisationService.unit(codeOrID: code, on: db)?.id
            if unitID == nil { v.fail("unit", "Choose a command unit from the list") }
        }
        func share(_ raw: String?, _ field: String) -> Int? {
            guard let n = raw.flatMap({ Int($0.trimmingWhitespace()) }), (1...10).contains(n) else {
                v.fail(field, "Enter a whole number from 1 to 10")
                return nil
            }
            return n
        }
        let a = share(d.practiceShare, "practiceShare")
        let b = share(d.usualShare, "usualShare")
        try v.check()
        let trial = Trial()
        trial.name = name
        trial.practice = practice
        trial.offenceGroup = group
        trial.commandUnitID = unitID
        trial.practiceShare = a!
        trial.usualShare = b!
        trial.status = "open"
        trial.createdByName = context.actor.name
        trial.createdAt = Date()
        try await db.transaction { tx in
            try await trial.create(on: tx)
            try await AuditLog.record(
                .create, "trial", trial.id, summary: "trial \(trial.name), \(a!):\(b!)", context: context, on: tx)
        }
        return trial
    }

    static func close(_ id: UUID, context: AccessContext, on db: any Database) async throws {
        try AccessGuard.require(.manageTrials, context)
        guard let trial = try await Trial.find(id, on: db) else { throw DomainError.notFound("trial") }
        guard trial.status == "open" else { return }
        trial.status = "closed"
        trial.closedAt = Date()
        try await db.transaction { tx in
            try await trial.save(on: tx)
            try await AuditLog.record(.update, "trial", id, summary: "trial closed", context: context, on: tx)
        }
    }

    /// Allocates a newly recorded victim to every open trial they are eligible for. In the recording transaction.
    static func allocate(
        victimID: UUID, crime: Crime, on db: any Database,
        random: @Sendable (Int) -> Int = { Int.random(in: 0..<$0) }
    ) async throws {
        try await allocate(
            victimID: victimID, crime: crime, among: try await openTrials(on: db), on: db, random: random)
    }

    /// The trials open now (read once for every crime recorded in one transaction).
    static func openTrials(on db: any Database) async throws -> [Trial] {
        try await Trial.query(on: db).filter(\.$status == "open").all()
    }

    /// Allocates a newly recorded victim to those of `trials` (the open ones, read in the same transaction) they are
    /// eligible for.
    static func allocate(
        victimID: UUID, crime: Crime, among trials: [Trial], on db: any Database,
        random: @Sendable (Int) -> Int = { Int.random(in: 0..<$0) }
    ) async throws {
        guard !trials.isEmpty else { return }
        let group = try await Offence.query(on: db).filter(\.$code == crime.offenceCode).first()?.group
        for trial in trials {
            if let unit = trial.commandUnitID, unit != crime.$commandUnit.id { continue }
            if let wanted = trial.offenceGroup, wanted != group { continue }
            let draw = random(trial.practiceShare + trial.usualShare)
            let allocation = TrialAllocation()
            allocation.$trial.id = trial.id!
            allocation.$victim.id = victimID
            allocation.arm = (draw < trial.practiceShare ? Arm.practice : Arm.usual).rawValue
            allocation.allocatedAt = Date()
            try await allocation.create(on: db)
        }
    }

    struct ArmResult: Sendable {
        var arm: Arm
        var allocated: Int
        /// Victims who answered; of them, satisfied (4 or 5) in their latest answer.
        var satisfaction: Tally
        /// Allocated victims recorded as no longer supporting the investigation.
        var withdrawals: Tally
    }

    struct Report: Sendable {
        var trial: Trial
        var arms: [ArmResult]
        /// Practice minus usual care.
        var satisfactionDifference: Statistics.Difference?
        var withdrawalDifference: Statistics.Difference?
    }

    static func report(_ trial: Trial, context: AccessContext, on db: any Database) async throws -> Report {
        try AccessGuard.require(.viewComplianceDashboard, context)
        guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
        var arms: [Arm: ArmResult] = [:]
        for arm in Arm.allCases {
            arms[arm] = ArmResult(arm: arm, allocated: 0, satisfaction: Tally(), withdrawals: Tally())
        }
        for row in try await sql.raw(
            """
            SELECT t.arm, COUNT(*) AS allocated, SUM(CASE WHEN t.latest IS NOT NULL THEN 1 ELSE 0 END) AS answered,
                   SUM(CASE WHEN t.latest >= 4 THEN 1 ELSE 0 END) AS satisfied, SUM(t.withdrew) AS withdrew
            FROM (
              SELECT a.arm,
                (SELECT r.satisfaction FROM feedback_responses r JOIN feedback_invitations i ON i.id = r.invitation_id
                  WHERE i.victim_id = a.victim_id ORDER BY r.submitted_at DESC LIMIT 1) AS latest,
                CASE WHEN EXISTS (SELECT 1 FROM victim_actions x WHERE x.victim_id = a.victim_id
                  AND x.kind = \(bind: VictimActionKind.withdrewSupport.rawValue)) THEN 1 ELSE 0 END AS withdrew
              FROM trial_allocations a WHERE a.trial_id = \(bind: trial.id!)
            ) t
            GROUP BY t.arm
            """
        ).all() {
            guard let arm = Arm(rawValue: try row.decode(column: "arm", as: String.self)) else { continue }
            let allocated = try row.decode(column: "allocated", as: Int.self)
            arms[arm] = ArmResult(
                arm: arm, allocated: allocated,
                satisfaction: Tally(
                    numerator: try row.decode(column: "satisfied", as: Int?.self) ?? 0,
                    denominator: try row.decode(column: "answered", as: Int?.self) ?? 0),
                withdrawals: Tally(
                    numerator: try row.decode(column: "withdrew", as: Int?.self) ?? 0, denominator: allocated))
        }
        let p = arms[.practice]!
        let u = arms[.usual]!
        return Report(
            trial: trial, arms: [p, u],
            satisfactionDifference: Statistics.difference(
                p.satisfaction.numerator, p.satisfaction.denominator, minus: u.satisfaction.numerator,
                u.satisfaction.denominator),
            withdrawalDifference: Statistics.difference(
                p.withdrawals.numerator, p.withdrawals.denominator, minus: u.withdrawals.numerator,
                u.withdrawals.denominator))
    }

    /// The trials a victim is in, for their page.
    static func allocations(victimID: UUID, on db: any Database) async throws -> [(Trial, Arm)] {
        let allocations = try await TrialAllocation.query(on: db).filter(\.$victim.$id == victimID).with(\.$trial).all()
        return allocations.compactMap { a in Arm(rawValue: a.arm).map { (a.trial, $0) } }
    }
}
