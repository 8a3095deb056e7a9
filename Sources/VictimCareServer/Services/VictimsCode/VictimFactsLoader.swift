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
        let list = FastRows.placeholders(ids.count)
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
        let crimeList = FastRows.placeholders(crimeIDs.count)

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
        // A referral counts from when it was sent (by the daily transfer, whose batch holds the time, or another
        // route).
        let referrals = grouped(
            try await FastRows.query(
                """
                SELECT r.victim_id, \(ReferralSent.sentAt) FROM referrals r \(ReferralSent.batchJoin)
                WHERE r.victim_id IN (\(list)) AND \(ReferralSent.sentAt) IS NOT NULL
                """, binds, on: sql))
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

        let today = London.date(of: Date())
        return victims.map { v in
            let id = v.uuid(0)!
            let crimeID = v.uuid(1)!
            func at(_ row: FastRows.Row, _ i: Int) -> Double { row.date(i)!.timeIntervalSince1970 }
            let record = Record(
                victimID: id, crimeID: crimeID, enhanced: v.bool(2), grounds: v.string(3) ?? "",
                referralConsent: v.string(4), explicitConsentAt: v.date(5), bereaved: v.bool(6),
                interpreterNeeded: v.bool(7), agreedUpdateDays: v.int(8), vnaCompletedAt: v.date(9),
                factsVersion: v.int(10) ?? 0, reportedAt: v.date(11)!, occurredFrom: v.date(12)!, status: v.string(13),
                flags: v.string(14) ?? "", offenceCode: v.string(15) ?? "", unitCode: v.string(16) ?? "",
                mostSerious: v.bool(17), dateOfBirth: v.string(18), computedVersion: v.int(19) ?? 0,
                obligationsHash: v.int(20).map(Int64.init), becameVictimAt: v.date(21), bereavedSince: v.date(22),
                interpreterNeededSince: v.date(23), basis: v.string(24), language: v.string(25),
                recordingDecisionAt: v.date(26),
                statusChanges: (statusChanges[crimeID] ?? []).map { (status: $0.string(1) ?? "", at: at($0, 2)) },
                events: (events[crimeID] ?? []).map { (id: $0.uuid(1)!, type: $0.string(2) ?? "", at: at($0, 3)) },
                contacts: (contacts[id] ?? []).map {
                    (at: at($0, 1), method: $0.string(2) ?? "", successful: $0.bool(3))
                },
                actions: (actions[id] ?? []).map { (kind: $0.string(1) ?? "", at: at($0, 2), language: $0.string(3)) },
                referralsSent: (referrals[id] ?? []).map { at($0, 1) },
                enhancedChanges: (changes[id] ?? []).map { (at: at($0, 1), enhanced: $0.bool(2)) },
                consents: (consents[id] ?? []).map { (consent: $0.string(1) ?? "", at: at($0, 2)) },
                reviews: (reviews[id] ?? []).map {
                    VictimFacts.Review(
                        key: $0.uuid(1)!.uuidString, requestedAt: at($0, 2),
                        acknowledgedAt: $0.date(3)?.timeIntervalSince1970,
                        completedAt: $0.date(4)?.timeIntervalSince1970)
                },
                waivers: (waivers[id] ?? []).map { (key: $0.string(1) ?? "", reason: $0.string(2) ?? "") },
                exceptions: (exceptions[id] ?? []).map { (ground: $0.string(1) ?? "", reason: $0.string(2) ?? "") },
                assessments: assessments[id] ?? [])
            return Self.loaded(record, config: config, today: today)
        }
    }

    /// What the facts are worked out from: a victim's row with its crime's, unit's, offence's and person's
    /// columns, and the rows that hang off the victim and the crime (times in seconds since 1970). Read from the
    /// database by `load`, or made in memory for a victim being recorded, so both give the engine the same facts.
    struct Record {
        var victimID: UUID
        var crimeID: UUID
        var enhanced: Bool
        var grounds: String
        var referralConsent: String?
        var explicitConsentAt: Date?
        var bereaved: Bool
        var interpreterNeeded: Bool
        var agreedUpdateDays: Int?
        var vnaCompletedAt: Date?
        var factsVersion: Int
        var reportedAt: Date
        var occurredFrom: Date
        var status: String?
        var flags: String
        var offenceCode: String
        var unitCode: String
        var mostSerious: Bool
        var dateOfBirth: String?
        var computedVersion: Int
        var obligationsHash: Int64?
        var becameVictimAt: Date?
        var bereavedSince: Date?
        var interpreterNeededSince: Date?
        var basis: String?
        var language: String?
        var recordingDecisionAt: Date?
        var statusChanges: [(status: String, at: Double)] = []
        var events: [(id: UUID, type: String, at: Double)] = []
        var contacts: [(at: Double, method: String, successful: Bool)] = []
        var actions: [(kind: String, at: Double, language: String?)] = []
        var referralsSent: [Double] = []
        var enhancedChanges: [(at: Double, enhanced: Bool)] = []
        var consents: [(consent: String, at: Double)] = []
        var reviews: [VictimFacts.Review] = []
        var waivers: [(key: String, reason: String)] = []
        var exceptions: [(ground: String, reason: String)] = []
        var assessments: [(at: Double, assessment: NeedsAssessment)] = []
    }

    /// The engine's facts, and what the enhanced-rights decision needs, from a record.
    static func loaded(_ r: Record, config: VictimsCodeConfig, today: LocalDate) -> Loaded {
        let policy = config.currentPolicy
        let id = r.victimID
        let recorded = r.reportedAt.timeIntervalSince1970
        let flags = CrimeFlags.decode(r.flags)
        var done: [VictimFacts.Done] = []
        for c in r.contacts {
            let method = ContactMethod(rawValue: c.method)?.label ?? c.method
            done.append(
                .init(
                    kind: c.successful ? .successfulContact : .update, at: c.at,
                    label: "\(method), \(LondonClock.label(epochSeconds: c.at))"))
        }
        for a in r.actions {
            guard let kind = Fulfilment(rawValue: a.kind) else { continue }
            let name = VictimActionKind(rawValue: a.kind)?.label ?? a.kind
            let inLanguage = a.language.flatMap(Language.named).map { " in \($0.englishName)" } ?? ""
            done.append(
                .init(
                    kind: kind, at: a.at,
                    label:
                        "\(name)\(kind == .informationLeaflet ? inLanguage : ""), \(LondonClock.label(epochSeconds: a.at))",
                    language: a.language))
        }
        for at in r.referralsSent {
            done.append(
                .init(
                    kind: .referral, at: at,
                    label: "Referral sent to the support service, \(LondonClock.label(epochSeconds: at))"))
        }
        if let at = r.vnaCompletedAt?.timeIntervalSince1970 {
            done.append(
                .init(kind: .needsAssessment, at: at, label: "Needs assessment, \(LondonClock.label(epochSeconds: at))")
            )
        }
        if let at = r.explicitConsentAt?.timeIntervalSince1970 {
            done.append(
                .init(
                    kind: .explicitConsent, at: at,
                    label: "Asked about a referral, \(LondonClock.label(epochSeconds: at))"))
        }
        if let at = r.recordingDecisionAt?.timeIntervalSince1970 {
            done.append(
                .init(
                    kind: .recordingDecision, at: at, label: "Crime recorded, \(LondonClock.label(epochSeconds: at))"))
        }
        let consent = ReferralConsent(rawValue: r.referralConsent ?? "") ?? .notAsked
        var consentHistory = r.consents.compactMap { row in
            ReferralConsent(rawValue: row.consent).map { (at: row.at, consent: $0) }
        }
        if consentHistory.isEmpty, consent != .notAsked {
            consentHistory = [(r.explicitConsentAt?.timeIntervalSince1970 ?? recorded, consent)]
        }
        let callBack: VictimFacts.CallBack =
            policy.telephoneUnitCodes.contains(r.unitCode)
            ? config.callBack.decision(offenceCode: r.offenceCode, on: LondonClock.localDate(epochSeconds: recorded))
            : .notTelephoneUnit
        let pauses =
            closures(r.statusChanges, closedNow: r.status == CrimeStatus.closed.rawValue, recorded: recorded)
            + withWitnessCare(r.events.map { (type: $0.type, at: $0.at) })
        let basis = VictimBasis(rawValue: r.basis ?? "") ?? .direct
        let becameVictimAt = r.becameVictimAt?.timeIntervalSince1970
        let facts = VictimFacts(
            recordedAt: recorded, becameVictimAt: becameVictimAt,
            recordingDecisionAt: r.recordingDecisionAt?.timeIntervalSince1970,
            pauses: pauses, flags: flags, callBack: callBack,
            enhancedHistory: r.enhancedChanges.isEmpty
                ? [(max(recorded, becameVictimAt ?? recorded), r.enhanced)] : r.enhancedChanges,
            bereaved: r.bereaved, bereavedSince: r.bereavedSince?.timeIntervalSince1970,
            interpreterNeeded: r.interpreterNeeded,
            interpreterNeededSince: r.interpreterNeededSince?.timeIntervalSince1970,
            language: Language.named(r.language ?? "")?.code ?? "en",
            referralConsent: consent, consentHistory: consentHistory, basis: basis,
            agreedUpdateDays: r.agreedUpdateDays,
            events: r.events.compactMap { e in
                ObligationTrigger(rawValue: e.type).map { .init(key: e.id.uuidString, trigger: $0, at: e.at) }
            },
            done: done, reviews: r.reviews,
            waivers: Dictionary(r.waivers.map { ($0.key, $0.reason) }, uniquingKeysWith: { a, _ in a }))
        var groundExceptions: [EnhancedGround: String] = [:]
        for row in r.exceptions {
            if let ground = EnhancedGround(rawValue: row.ground) { groundExceptions[ground] = row.reason }
        }
        let input = EnhancedRightsInput(
            offenceIsMostSerious: r.mostSerious, flags: flags,
            occurredOn: LondonClock.localDate(epochSeconds: r.occurredFrom.timeIntervalSince1970),
            reportedOn: LondonClock.localDate(epochSeconds: recorded),
            dateOfBirth: r.dateOfBirth.flatMap(LocalDate.init), assessment: r.assessments.last?.assessment,
            recentVictimisations: 1, assessedOn: today, groundExceptions: groundExceptions,
            business: basis == .business)
        return Loaded(
            victimID: id, crimeID: r.crimeID, factsVersion: r.factsVersion, facts: facts, assessmentInput: input,
            assessments: r.assessments, enhanced: r.enhanced, grounds: r.grounds, computedVersion: r.computedVersion,
            obligationsHash: r.obligationsHash)
    }
}

extension VictimFactsLoader.Record {
    /// A victim planned in memory and not yet stored (recorded through the API, or loaded by an import): their
    /// row with their crime's, unit's, offence's and person's facts, and the crime's status history and events as
    /// the plan holds them. Nothing else hangs off a new victim yet: no contacts, actions, referrals sent,
    /// reviews, waivers or exceptions; their enhanced history is the one decision they were recorded with.
    init(
        newVictim victim: Victim, crime: Crime, person: Person, unitCode: String, mostSerious: Bool,
        consent: ReferralConsentRecord?, statusChanges: [(status: String, at: Double)],
        events: [(id: UUID, type: String, at: Double)] = []
    ) {
        self.init(
            victimID: victim.id!, crimeID: crime.id!, enhanced: victim.enhanced, grounds: victim.groundsCode,
            referralConsent: victim.referralConsentCode, explicitConsentAt: victim.explicitConsentAt,
            bereaved: victim.bereaved, interpreterNeeded: victim.interpreterNeeded,
            agreedUpdateDays: victim.agreedUpdateDays, vnaCompletedAt: victim.vnaCompletedAt,
            factsVersion: victim.factsVersion, reportedAt: crime.reportedAt, occurredFrom: crime.occurredFrom,
            status: crime.statusCode, flags: crime.flagsCode, offenceCode: crime.offenceCode, unitCode: unitCode,
            mostSerious: mostSerious, dateOfBirth: person.dateOfBirth, computedVersion: victim.computedVersion,
            obligationsHash: nil, becameVictimAt: victim.becameVictimAt, bereavedSince: victim.bereavedSince,
            interpreterNeededSince: victim.interpreterNeededSince, basis: victim.basisCode, language: person.language,
            recordingDecisionAt: crime.recordingDecisionAt, statusChanges: statusChanges, events: events,
            enhancedChanges: [(victim.becameVictimAt!.timeIntervalSince1970, victim.enhanced)],
            consents: consent.map { [($0.consent, $0.recordedAt.timeIntervalSince1970)] } ?? [])
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
