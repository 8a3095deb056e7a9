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
        /// Every needs assessment with its time, oldest first (loaded only to reassess).
        var assessments: [(at: Double, assessment: NeedsAssessment)]
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

    /// The stretches a case was closed, from its status changes in time order; a case whose status says
    /// closed with no change to match is closed from the report.
    static func closures(_ changes: [(status: String, at: Double)], closedNow: Bool, recorded: Double)
        -> [VictimFacts.Pause]
    {
        var pauses: [VictimFacts.Pause] = []
        var open: Double?
        for change in changes.sorted(by: { $0.at < $1.at }) {
            let closed = change.status == CrimeStatus.closed.rawValue
            if closed, open == nil {
                open = change.at
            } else if !closed, let from = open {
                pauses.append(.init(from: from, to: change.at, why: .closed))
                open = nil
            }
        }
        if let from = open {
            pauses.append(.init(from: from, to: nil, why: .closed))
        } else if closedNow {
            pauses.append(.init(from: changes.map(\.at).max() ?? recorded, to: nil, why: .closed))
        }
        return pauses
    }

    /// The stretches the Witness Care Unit had the victim, from the hand-over and hand-back events.
    static func withWitnessCare(_ events: [(type: String, at: Double)]) -> [VictimFacts.Pause] {
        var pauses: [VictimFacts.Pause] = []
        var open: Double?
        for event in events.sorted(by: { $0.at < $1.at }) {
            if event.type == CaseEventType.witnessCareHandover.rawValue, open == nil {
                open = event.at
            } else if event.type == CaseEventType.witnessCareHandback.rawValue, let from = open {
                pauses.append(.init(from: from, to: event.at, why: .witnessCare))
                open = nil
            }
        }
        if let from = open { pauses.append(.init(from: from, to: nil, why: .witnessCare)) }
        return pauses
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
                   v.computed_version, v.obligations_hash,
                   v.became_victim_at, v.bereaved_since, v.interpreter_needed_since, v.basis, p.language,
                   c.recording_decision_at
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
        let statusChanges = grouped(
            try await FastRows.query(
                "SELECT crime_id, status, at FROM crime_status_changes WHERE crime_id IN (\(crimeList))", crimeBinds,
                on: sql))
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
                "SELECT victim_id, kind, at, language FROM victim_actions WHERE victim_id IN (\(list))", binds, on: sql)
        )
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
        let consents = grouped(
            try await FastRows.query(
                "SELECT victim_id, consent, recorded_at FROM referral_consents WHERE victim_id IN (\(list)) ORDER BY recorded_at",
                binds, on: sql))
        let exceptions = grouped(
            try await FastRows.query(
                "SELECT victim_id, ground, reason FROM enhanced_ground_exceptions WHERE victim_id IN (\(list))", binds,
                on: sql))
        // A referral counts from when it was sent (by the daily transfer or another route).
        let referrals = grouped(
            try await FastRows.query(
                "SELECT victim_id, sent_at FROM referrals WHERE victim_id IN (\(list)) AND sent_at IS NOT NULL", binds,
                on: sql))
        var assessments: [UUID: [(at: Double, assessment: NeedsAssessment)]] = [:]
        if withAssessments {
            let decoder = JSONDecoder()
            for row in try await FastRows.query(
                "SELECT victim_id, answers, completed_at FROM needs_assessments WHERE victim_id IN (\(list)) ORDER BY completed_at",
                binds, on: sql)
            {
                if let answers = try? decoder.decode(NeedsAssessment.self, from: Data((row.string(1) ?? "").utf8)),
                    let at = row.date(2)?.timeIntervalSince1970
                {
                    assessments[row.uuid(0)!, default: []].append((at, answers))
                }
            }
        }

        let policy = config.currentPolicy
        let today = London.date(of: Date())
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
                let language = a.string(3)
                let name = VictimActionKind(rawValue: raw)?.label ?? raw
                let inLanguage = language.flatMap(Language.named).map { " in \($0.englishName)" } ?? ""
                done.append(
                    .init(
                        kind: kind, at: at,
                        label:
                            "\(name)\(kind == .informationLeaflet ? inLanguage : ""), \(LondonClock.label(epochSeconds: at))",
                        language: language))
            }
            for r in referrals[id] ?? [] {
                let at = r.date(1)!.timeIntervalSince1970
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
                        label: "Asked about a referral, \(LondonClock.label(epochSeconds: at))"))
            }
            if let at = v.date(26)?.timeIntervalSince1970 {
                done.append(
                    .init(
                        kind: .recordingDecision, at: at,
                        label: "Crime recorded, \(LondonClock.label(epochSeconds: at))"))
            }
            let consent = ReferralConsent(rawValue: v.string(4) ?? "") ?? .notAsked
            var consentHistory = (consents[id] ?? []).compactMap { row in
                ReferralConsent(rawValue: row.string(1) ?? "").map {
                    (at: row.date(2)!.timeIntervalSince1970, consent: $0)
                }
            }
            if consentHistory.isEmpty, consent != .notAsked {
                consentHistory = [(v.date(5)?.timeIntervalSince1970 ?? recorded, consent)]
            }
            let history = (changes[id] ?? []).map { (at: $0.date(1)!.timeIntervalSince1970, enhanced: $0.bool(2)) }
            let offenceCode = v.string(15) ?? ""
            let callBack: VictimFacts.CallBack =
                policy.telephoneUnitCodes.contains(v.string(16) ?? "")
                ? config.callBack.decision(offenceCode: offenceCode, on: LondonClock.localDate(epochSeconds: recorded))
                : .notTelephoneUnit
            let crimeEvents = events[crimeID] ?? []
            let pauses =
                Self.closures(
                    (statusChanges[crimeID] ?? []).map {
                        (status: $0.string(1) ?? "", at: $0.date(2)!.timeIntervalSince1970)
                    },
                    closedNow: v.string(13) == CrimeStatus.closed.rawValue, recorded: recorded)
                + Self.withWitnessCare(
                    crimeEvents.map { (type: $0.string(2) ?? "", at: $0.date(3)!.timeIntervalSince1970) })
            let basis = VictimBasis(rawValue: v.string(24) ?? "") ?? .direct
            let becameVictimAt = v.date(21)?.timeIntervalSince1970
            let facts = VictimFacts(
                recordedAt: recorded, becameVictimAt: becameVictimAt,
                recordingDecisionAt: v.date(26)?.timeIntervalSince1970,
                pauses: pauses, flags: flags, callBack: callBack,
                enhancedHistory: history.isEmpty ? [(max(recorded, becameVictimAt ?? recorded), v.bool(2))] : history,
                bereaved: v.bool(6), bereavedSince: v.date(22)?.timeIntervalSince1970,
                interpreterNeeded: v.bool(7), interpreterNeededSince: v.date(23)?.timeIntervalSince1970,
                language: Language.named(v.string(25) ?? "")?.code ?? "en",
                referralConsent: consent, consentHistory: consentHistory, basis: basis, agreedUpdateDays: v.int(8),
                events: crimeEvents.compactMap { e in
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
            var groundExceptions: [EnhancedGround: String] = [:]
            for row in exceptions[id] ?? [] {
                if let ground = EnhancedGround(rawValue: row.string(1) ?? "") {
                    groundExceptions[ground] = row.string(2) ?? ""
                }
            }
            let input = EnhancedRightsInput(
                offenceIsMostSerious: v.bool(17), flags: flags,
                occurredOn: LondonClock.localDate(epochSeconds: v.date(12)!.timeIntervalSince1970),
                reportedOn: LondonClock.localDate(epochSeconds: recorded),
                dateOfBirth: v.string(18).flatMap(LocalDate.init), assessment: assessments[id]?.last?.assessment,
                recentVictimisations: 1, assessedOn: today, groundExceptions: groundExceptions,
                business: basis == .business)
            return Loaded(
                victimID: id, crimeID: crimeID, factsVersion: v.int(10) ?? 0, facts: facts, assessmentInput: input,
                assessments: assessments[id] ?? [], enhanced: v.bool(2), grounds: v.string(3) ?? "",
                computedVersion: v.int(19) ?? 0, obligationsHash: v.int(20).map(Int64.init))
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
    /// The victim no longer supports the investigation or prosecution (meets no duty; trials count it, and it
    /// ends eligibility for the Right to Review of a later decision).
    case withdrewSupport = "withdrew_support"
    case translationArranged = "translation_arranged"
    /// The victim was told why the agreed update frequency could not be kept (R15W).
    case updateFrequencyExplained = "update_frequency_explained"
    /// A business's named contact was offered the Impact Statement for Business (R18).
    case impactStatementOffered = "impact_statement_offered"

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
        case .translationArranged: "Information translated into their language"
        case .updateFrequencyExplained: "Told why the agreed updates could not be kept"
        case .impactStatementOffered: "Impact Statement for Business offered"
        }
    }
}
