import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Loads the facts the engine needs for a batch of victims with a fixed number of queries, whatever the
/// batch size: the bulk recompute goes through a million victims this way. Rows are read by position
/// (`FastRows`): at this volume, decoding them by name costs more than the engine itself.
struct VictimFactsLoader {
    struct Loaded {
        var victimID: UUID
        var crimeID: UUID
        var factsVersion: Int
        var facts: VictimFacts
        /// What the enhanced-rights decision needs.
        var assessmentInput: EnhancedRightsInput
        var enhanced: Bool
        var grounds: String
        var computedVersion: Int
        /// The fingerprint of the obligations as last stored.
        var obligationsHash: Int64?
    }

    let sql: any SQLDatabase
    let config: VictimsCodeConfig

    private static func placeholders(_ n: Int) -> String {
        Array(repeating: "?", count: n).joined(separator: ", ")
    }

    func load(_ ids: [UUID], withAssessments: Bool) async throws -> [Loaded] {
        guard !ids.isEmpty else { return [] }
        let binds = ids.map(SQLCell.uuid)
        let list = Self.placeholders(ids.count)
        let victims = try await FastRows.query(
            """
            SELECT v.id, v.crime_id, v.enhanced, v.grounds, v.referral_consent, v.explicit_consent_at, v.bereaved,
                   v.interpreter_needed, v.agreed_update_days, v.vna_completed_at, v.facts_version,
                   c.reported_at, c.occurred_from, c.status, c.flags, c.offence_code, u.code, o.most_serious, p.date_of_birth,
                   v.computed_version, v.obligations_hash
            FROM victims v JOIN crimes c ON c.id = v.crime_id JOIN command_units u ON u.id = c.command_unit_id
            JOIN persons p ON p.id = v.person_id LEFT JOIN offences o ON o.code = c.offence_code
            WHERE v.id IN (\(list))
            """, binds, on: sql)
        let crimeIDs = Array(Set(victims.compactMap { $0.uuid(1) }))
        let crimeBinds = crimeIDs.map(SQLCell.uuid)
        let crimeList = Self.placeholders(crimeIDs.count)

        func grouped(_ rows: [FastRows.Row]) -> [UUID: [FastRows.Row]] {
            Dictionary(grouping: rows) { $0.uuid(0)! }
        }
        var closed: [UUID: Date] = [:]
        for row in try await FastRows.query(
            "SELECT crime_id, MAX(at) FROM crime_status_changes WHERE crime_id IN (\(crimeList)) AND status = 'closed' GROUP BY crime_id",
            crimeBinds, on: sql)
        {
            closed[row.uuid(0)!] = row.date(1)
        }
        let events = grouped(
            try await FastRows.query(
                "SELECT crime_id, id, type, at FROM case_events WHERE crime_id IN (\(crimeList))", crimeBinds, on: sql))
        let contacts = grouped(
            try await FastRows.query(
                """
                SELECT victim_id, at, method, successful, counts_as_update FROM contacts
                WHERE victim_id IN (\(list)) AND (successful = ? OR counts_as_update = ?)
                """, binds + [.bool(true), .bool(true)], on: sql))
        let actions = grouped(
            try await FastRows.query(
                "SELECT victim_id, kind, at FROM victim_actions WHERE victim_id IN (\(list))", binds, on: sql))
        let changes = grouped(
            try await FastRows.query(
                "SELECT victim_id, at, enhanced FROM enhanced_changes WHERE victim_id IN (\(list)) ORDER BY at", binds,
                on: sql))
        let reviews = grouped(
            try await FastRows.query(
                "SELECT victim_id, id, requested_at, acknowledged_at, completed_at FROM review_requests WHERE victim_id IN (\(list))",
                binds, on: sql))
        let waivers = grouped(
            try await FastRows.query(
                "SELECT victim_id, obligation_key, reason FROM obligation_waivers WHERE victim_id IN (\(list))", binds,
                on: sql))
        // A referral counts from when it was sent (by the daily transfer or another route).
        var referred: [UUID: Date] = [:]
        for row in try await FastRows.query(
            "SELECT victim_id, MIN(sent_at) FROM referrals WHERE victim_id IN (\(list)) AND sent_at IS NOT NULL GROUP BY victim_id",
            binds, on: sql)
        {
            referred[row.uuid(0)!] = row.date(1)
        }
        var assessments: [UUID: NeedsAssessment] = [:]
        if withAssessments {
            let decoder = JSONDecoder()
            for row in try await FastRows.query(
                "SELECT victim_id, answers FROM needs_assessments WHERE victim_id IN (\(list)) ORDER BY completed_at",
                binds, on: sql)
            {
                assessments[row.uuid(0)!] = try? decoder.decode(
                    NeedsAssessment.self, from: Data((row.string(1) ?? "").utf8))
            }
        }

        let policy = config.currentPolicy
        return victims.map { v in
            let id = v.uuid(0)!
            let crimeID = v.uuid(1)!
            let recorded = v.date(11)!.timeIntervalSince1970
            let flags = CrimeFlags.decode(v.string(14) ?? "")
            var done: [VictimFacts.Done] = []
            for c in contacts[id] ?? [] {
                let at = c.date(1)!.timeIntervalSince1970
                let method = ContactMethod(rawValue: c.string(2) ?? "")?.label ?? (c.string(2) ?? "")
                done.append(
                    .init(
                        kind: c.bool(3) ? .successfulContact : .update, at: at,
                        label: "\(method), \(LondonClock.label(epochSeconds: at))"))
            }
            for a in actions[id] ?? [] {
                guard let raw = a.string(1), let kind = Fulfilment(rawValue: raw) else { continue }
                let at = a.date(2)!.timeIntervalSince1970
                done.append(
                    .init(
                        kind: kind, at: at,
                        label:
                            "\(VictimActionKind(rawValue: raw)?.label ?? raw), \(LondonClock.label(epochSeconds: at))"))
            }
            if let at = referred[id]?.timeIntervalSince1970 {
                done.append(
                    .init(
                        kind: .referral, at: at,
                        label: "Referral sent to the support service, \(LondonClock.label(epochSeconds: at))"))
            }
            if let at = v.date(9)?.timeIntervalSince1970 {
                done.append(
                    .init(
                        kind: .needsAssessment, at: at,
                        label: "Needs assessment, \(LondonClock.label(epochSeconds: at))"))
            }
            if let at = v.date(5)?.timeIntervalSince1970 {
                done.append(
                    .init(
                        kind: .explicitConsent, at: at,
                        label: "Consent recorded, \(LondonClock.label(epochSeconds: at))"))
            }
            let history = (changes[id] ?? []).map { (at: $0.date(1)!.timeIntervalSince1970, enhanced: $0.bool(2)) }
            let offenceCode = v.string(15) ?? ""
            let callBack: VictimFacts.CallBack =
                policy.telephoneUnitCodes.contains(v.string(16) ?? "")
                ? config.callBack.decision(offenceCode: offenceCode, on: LondonClock.localDate(epochSeconds: recorded))
                : .notTelephoneUnit
            let facts = VictimFacts(
                recordedAt: recorded,
                closedAt: v.string(13) == CrimeStatus.closed.rawValue
                    ? (closed[crimeID]?.timeIntervalSince1970 ?? recorded) : nil,
                flags: flags, callBack: callBack,
                enhancedHistory: history.isEmpty ? [(recorded, v.bool(2))] : history,
                bereaved: v.bool(6), interpreterNeeded: v.bool(7),
                referralConsent: ReferralConsent(rawValue: v.string(4) ?? "") ?? .notAsked, agreedUpdateDays: v.int(8),
                events: (events[crimeID] ?? []).compactMap { e in
                    ObligationTrigger(rawValue: e.string(2) ?? "").map {
                        .init(key: e.uuid(1)!.uuidString, trigger: $0, at: e.date(3)!.timeIntervalSince1970)
                    }
                },
                done: done,
                reviews: (reviews[id] ?? []).map {
                    .init(
                        key: $0.uuid(1)!.uuidString, requestedAt: $0.date(2)!.timeIntervalSince1970,
                        acknowledgedAt: $0.date(3)?.timeIntervalSince1970,
                        completedAt: $0.date(4)?.timeIntervalSince1970)
                },
                waivers: Dictionary(
                    (waivers[id] ?? []).map { ($0.string(1) ?? "", $0.string(2) ?? "") },
                    uniquingKeysWith: { a, _ in a }))
            let input = EnhancedRightsInput(
                offenceIsMostSerious: v.bool(17), flags: flags,
                occurredOn: LondonClock.localDate(epochSeconds: v.date(12)!.timeIntervalSince1970),
                reportedOn: LondonClock.localDate(epochSeconds: recorded),
                dateOfBirth: v.string(18).flatMap(LocalDate.init), assessment: assessments[id], recentVictimisations: 1)
            return Loaded(
                victimID: id, crimeID: crimeID, factsVersion: v.int(10) ?? 0, facts: facts, assessmentInput: input,
                enhanced: v.bool(2), grounds: v.string(3) ?? "", computedVersion: v.int(19) ?? 0,
                obligationsHash: v.int(20).map(Int64.init))
        }
    }
}

/// What an officer did for a victim that meets a duty.
enum VictimActionKind: String, CaseIterable, Sendable {
    case writtenConfirmation = "written_confirmation"
    case informationLeaflet = "information_leaflet"
    case referral
    case vpsOffered = "vps_offered"
    case specialMeasuresConsidered = "special_measures_considered"
    case familyLiaisonOfficer = "family_liaison_officer"
    case interpreterArranged = "interpreter_arranged"
    case interviewerChoiceOffered = "interviewer_choice_offered"
    /// The victim no longer supports the investigation or prosecution (meets no duty; trials count it).
    case withdrewSupport = "withdrew_support"

    var label: String {
        switch self {
        case .writtenConfirmation: "Written confirmation given"
        case .informationLeaflet: "Information leaflet given"
        case .referral: "Referred to support"
        case .vpsOffered: "Victim Personal Statement offered"
        case .specialMeasuresConsidered: "Special measures and video interview considered"
        case .familyLiaisonOfficer: "Family Liaison Officer assigned"
        case .interpreterArranged: "Interpreter arranged"
        case .interviewerChoiceOffered: "Choice of interviewer's gender offered"
        case .withdrewSupport: "Victim no longer supports the investigation"
        }
    }
}
