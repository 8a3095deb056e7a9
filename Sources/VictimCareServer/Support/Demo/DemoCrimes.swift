import Fluent
import Foundation
import VictimCareDomain

/// Generates crimes with their victims, witnesses, suspects, property and places, a batch at a time, and what
/// each victim is owed: the engine works out every victim's obligations from the facts as they are generated
/// (the same `VictimFactsLoader.Record` a recorded crime's victims go through), so they are written with the rest
/// and nothing is read back to compute them afterwards.
struct DemoCrimes {
    struct OffenceProfile {
        var code: String
        var description: String
        var weight: Double
        var domesticAbuseChance: Double = 0
        var gunKnifeChance: Double = 0
        var flags: Set<CrimeFlag> = []
        var property: PropertyKind? = nil
        var victimless = false
        var childVictim = false
        var specialist: String? = nil
        var mostSerious = false
    }

    enum PropertyKind { case phone, bike, vehicle, laptop, parcel, goods, cash, fuel }

    static func profiles(from offences: [Offence]) -> [OffenceProfile] {
        let byCode = Dictionary(uniqueKeysWithValues: offences.map { ($0.code, $0) })
        let table: [OffenceProfile] = [
            .init(code: "049/00", description: "", weight: 10, property: .goods),
            .init(code: "046/00", description: "", weight: 5, property: .goods),
            .init(code: "046/01", description: "", weight: 4, property: .goods),
            .init(code: "045/00", description: "", weight: 6, property: .laptop),
            .init(code: "048/00", description: "", weight: 3, property: .vehicle),
            .init(code: "044/00", description: "", weight: 3, property: .bike),
            .init(code: "049/05", description: "", weight: 4, property: .phone),
            .init(code: "049/06", description: "", weight: 2, property: .parcel),
            .init(code: "049/07", description: "", weight: 1, property: .fuel),
            .init(code: "039/00", description: "", weight: 4, property: .phone),
            .init(code: "028/01", description: "", weight: 5, property: .laptop),
            .init(code: "030/01", description: "", weight: 2, property: .goods),
            .init(code: "034/01", description: "", weight: 3, gunKnifeChance: 0.2, property: .phone),
            .init(code: "034/02", description: "", weight: 0.5, property: .cash),
            .init(code: "105/01", description: "", weight: 9, domesticAbuseChance: 0.3),
            .init(code: "008/01", description: "", weight: 7, domesticAbuseChance: 0.35),
            .init(code: "008/10", description: "", weight: 1), .init(code: "105/02", description: "", weight: 1),
            .init(code: "009/01", description: "", weight: 1, domesticAbuseChance: 0.4),
            .init(code: "008/20", description: "", weight: 4, domesticAbuseChance: 0.35),
            .init(code: "008/21", description: "", weight: 1.5, domesticAbuseChance: 0.4),
            .init(code: "008/22", description: "", weight: 1.5),
            .init(code: "005/01", description: "", weight: 0.8, domesticAbuseChance: 0.2, gunKnifeChance: 0.4),
            .init(code: "058/01", description: "", weight: 3, domesticAbuseChance: 0.15),
            .init(code: "058/03", description: "", weight: 4),
            .init(code: "058/04", description: "", weight: 2), .init(code: "058/10", description: "", weight: 0.3),
            .init(code: "056/02", description: "", weight: 0.3), .init(code: "056/01", description: "", weight: 0.1),
            .init(code: "066/03", description: "", weight: 1.5), .init(code: "053/01", description: "", weight: 3),
            .init(code: "019/07", description: "", weight: 0.8, domesticAbuseChance: 0.3, specialist: "RS"),
            .init(code: "019/08", description: "", weight: 0.1, specialist: "RS"),
            .init(code: "017/02", description: "", weight: 1.2, domesticAbuseChance: 0.1, specialist: "RS"),
            .init(code: "020/01", description: "", weight: 0.3, childVictim: true, specialist: "CA"),
            .init(code: "088/05", description: "", weight: 0.5),
            .init(code: "036/01", description: "", weight: 0.1, domesticAbuseChance: 0.5),
            .init(code: "036/00", description: "", weight: 0.05), .init(code: "106/00", description: "", weight: 0.05),
            .init(code: "002/00", description: "", weight: 0.05, gunKnifeChance: 0.6, specialist: "HM"),
            .init(code: "001/00", description: "", weight: 0.02, domesticAbuseChance: 0.2, specialist: "HM"),
            .init(code: "004/01", description: "", weight: 0.01, specialist: "HM"),
            .init(code: "010/01", description: "", weight: 1, victimless: true),
        ]
        return table.compactMap { p in
            guard let offence = byCode[p.code] else { return nil }
            var profile = p
            profile.description = offence.description
            profile.flags = offence.flags
            profile.mostSerious = offence.mostSerious
            return profile
        }
    }

    let force: DemoForce
    let profiles: [OffenceProfile]
    let asOf: Date
    /// The rules the obligations are worked out by.
    let config: VictimsCodeConfig
    /// The day a recompute run now would pass the facts loader (the enhanced-rights timeline assesses each
    /// change on its own date; this only fills the same field).
    private let today = London.date(of: Date())
    var random: DemoRandom
    var ids: SequentialIDs
    private var sequence = 0
    /// Recent victims per unit, so some people are victims again (repeat victimisation).
    private var recentVictims: [UUID: [DemoPerson]] = [:]
    /// The contact rule's decision depends on a handful of inputs; a million contacts reuse a few dozen decisions.
    private var decisions: [String: ContactRule.Decision] = [:]

    /// Video response (issue 16) draws from streams of its own, so the rest of the force is the same with or
    /// without it.
    private var responses: DemoRandom
    private var responseIDs: SequentialIDs
    /// Enhanced-status history rows take ids from a stream of their own: how many there are depends on the rules,
    /// and a change of rules should not renumber every crime, person and victim after the first.
    private var historyIDs: SequentialIDs
    private var triagedCrime: (crime: UUID, triage: UUID)?

    /// The crime being generated, as its victims' facts need it.
    private struct CrimeFacts {
        var id: UUID
        var offenceCode: String
        var mostSerious: Bool
        var unitCode: String
        var flags: String
        var status: CrimeStatus
        var occurred: Date
        var reported: Date
        var recordingDecisionAt: Date
        var statusChanges: [(status: String, at: Double)]
        var events: [(id: UUID, type: String, at: Double)]
    }

    /// What was done for the victim being generated that meets a duty: the rows the facts loader would read back.
    private struct Done {
        var contacts: [(at: Double, method: String, successful: Bool)] = []
        var actions: [(kind: String, at: Double, language: String?)] = []
        var referralsSent: [Double] = []
    }
    private var done = Done()

    init(
        force: DemoForce, profiles: [OffenceProfile], asOf: Date, config: VictimsCodeConfig, random: DemoRandom,
        ids: SequentialIDs
    ) {
        self.force = force
        self.profiles = profiles
        self.asOf = asOf
        self.config = config
        self.random = random
        self.ids = ids
        var copy = random
        let seed = copy.next() ^ 0x0056_1DE0
        responses = DemoRandom(seed: seed)
        responseIDs = SequentialIDs(seed: seed, start: 0x0198_0000_0000)
        historyIDs = SequentialIDs(seed: seed ^ 0x00E4_C4A6, start: 0x01A0_0000_0000)
    }

    struct Tables: Sendable {
        var persons = BulkInsert(
            "persons",
            [
                "id", "given_name", "family_name", "given_name_key", "family_name_key", "date_of_birth",
                "preferred_contact", "preferred_times", "language", "interpreter_needed", "communication_needs",
                "access_needs", "sex",
                "ethnicity", "disability", "religion", "sexual_orientation", "home_command_unit_id", "created_at",
                "updated_at",
            ])
        var contactPoints = BulkInsert(
            "contact_points", ["id", "person_id", "kind", "value", "safe", "note", "created_at", "updated_at"])
        var crimes = BulkInsert(
            "crimes",
            [
                "id", "reference", "offence_code", "offence_description", "occurred_from", "occurred_to",
                "reported_at", "channel", "flags", "command_unit_id", "officer_in_case_id", "status", "summary",
                "created_at", "updated_at", "recording_decision_at",
            ])
        var statusChanges = BulkInsert(
            "crime_status_changes", ["id", "crime_id", "status", "at", "by_user_id", "by_name", "note"])
        var crimePersons = BulkInsert(
            "crime_persons",
            ["id", "crime_id", "person_id", "role", "created_at", "family_name_key", "given_name_key", "reported_at"])
        var locations = BulkInsert(
            "locations", ["id", "address", "postcode", "postcode_key", "latitude", "longitude", "created_at"])
        var crimeLocations = BulkInsert("crime_locations", ["id", "crime_id", "location_id", "role"])
        var property = BulkInsert(
            "property_items",
            [
                "id", "description", "imei", "frame_number", "serial_number", "custody_status",
                "stolen_on", "seized_on", "held_on", "returned_on", "created_at", "updated_at",
            ])
        var crimeProperty = BulkInsert("crime_property", ["id", "crime_id", "property_item_id", "role"])
        var victims = BulkInsert(
            "victims",
            [
                "id", "crime_id", "person_id", "enhanced", "grounds", "section16", "section17", "section28",
                "referral_consent", "explicit_consent_at", "bereaved", "interpreter_needed", "suspect_may_see_messages",
                "agreed_update_days",
                "vna_completed_at", "vps_status", "facts_version", "computed_version", "created_at", "updated_at",
                "became_victim_at", "suspect_known", "suspect_access_asked", "obligations_hash",
            ])
        var assessments = BulkInsert(
            "needs_assessments",
            [
                "id", "victim_id", "question_set", "answers", "enhanced", "grounds", "completed_at",
                "completed_by_id", "completed_by_name",
            ])
        var events = BulkInsert(
            "case_events",
            ["id", "crime_id", "type", "at", "note", "recorded_by_id", "recorded_by_name", "source", "created_at"])
        var contacts = BulkInsert(
            "contacts",
            [
                "id", "victim_id", "at", "direction", "method", "outcome", "identity_verified", "welfare_checked",
                "safe_to_speak", "preferred_method_used", "contact_point_id", "contact_point_safe", "successful",
                "counts_as_update", "reasons",
                "warnings", "notes", "by_user_id", "by_name", "created_at",
            ])
        var actions = BulkInsert(
            "victim_actions",
            ["id", "victim_id", "kind", "at", "method", "note", "by_user_id", "by_name", "created_at", "language"])
        var referrals = BulkInsert(
            "referrals",
            [
                "id", "victim_id", "route", "status", "batch_id", "created_at", "sent_at", "status_at",
                "status_by_name", "note",
            ])
        var triages = BulkInsert(
            "response_triages",
            [
                "id", "crime_id", "threat", "risk", "harm", "attendance_needed", "reason", "offers_video",
                "decided_by_id", "decided_by_name", "decided_at",
            ])
        var choices = BulkInsert(
            "response_choices",
            [
                "id", "victim_id", "triage_id", "stated_adult", "guardian_present", "has_video_device",
                "has_connection", "offender_present", "access_needs", "officer_sex", "eligible", "bars",
                "adjustments", "choice", "decline_reason", "recorded_by_name", "by_victim", "recorded_at",
            ])
        var obligations = ObligationService.newRows()
        var enhancedChanges = BulkInsert("enhanced_changes", ["id", "victim_id", "at", "enhanced", "grounds"])

        mutating func flush(on db: any Database) async throws {
            try await persons.flush(on: db)
            try await contactPoints.flush(on: db)
            try await locations.flush(on: db)
            try await property.flush(on: db)
            try await crimes.flush(on: db)
            try await statusChanges.flush(on: db)
            try await crimePersons.flush(on: db)
            try await crimeLocations.flush(on: db)
            try await crimeProperty.flush(on: db)
            try await victims.flush(on: db)
            try await obligations.flush(on: db)
            try await enhancedChanges.flush(on: db)
            try await assessments.flush(on: db)
            try await events.flush(on: db)
            try await contacts.flush(on: db)
            try await actions.flush(on: db)
            try await referrals.flush(on: db)
            try await triages.flush(on: db)
            try await choices.flush(on: db)
        }
    }

    /// Adds `count` crimes to `t`.
    mutating func generate(_ count: Int, into t: inout Tables) {
        for _ in 0..<count { generateOne(into: &t) }
    }

    private mutating func generateOne(into t: inout Tables) {
        sequence += 1
        let profile = random.weighted(profiles.map { ($0, $0.weight) })
        var flags = profile.flags
        if random.chance(profile.domesticAbuseChance) { flags.insert(.domesticAbuse) }
        if random.chance(profile.gunKnifeChance) { flags.insert(.gunOrKnife) }
        let basic = force.units.filter { $0.kind == "basic" }
        var unit = random.pick(basic)
        if let code = profile.specialist, random.chance(0.6),
            let specialist = force.units.first(where: { $0.code == code })
        {
            unit = specialist
        }
        let channel = random.weighted([
            (ReportingChannel.online, 35), (.telephone, 30), (.emergency, 15), (.nonEmergency, 10), (.inPerson, 10),
        ])
        if !flags.contains(.domesticAbuse), [.online, .telephone].contains(channel), profile.property != nil,
            random.chance(0.3),
            let tdiu = force.units.first(where: { $0.code == "TD" })
        {
            unit = tdiu
        }
        let homeUnit = unit.kind == "basic" ? unit : random.pick(basic)
        let reported = asOf.addingTimeInterval(-Double(random.int(0..<(548 * 86_400))))
        let occurred = reported.addingTimeInterval(
            -Double(random.int(0..<(random.chance(0.8) ? 6 * 3600 : 30 * 86_400))))
        let occurredTo: Date? = random.chance(0.3) ? occurred.addingTimeInterval(Double(random.int(600..<7200))) : nil
        let crimeID = ids.next()
        let year = London.date(of: reported).year % 100
        let reference = "\(unit.code)/\(String(format: "%07d", sequence))/\(String(format: "%02d", year))"
        let officer: UUID? = unit.investigators.isEmpty || random.chance(0.05) ? nil : random.pick(unit.investigators)
        let hasSuspect = random.chance(flags.contains(.domesticAbuse) ? 0.9 : 0.4)

        // What happened in the case, and so where it stands now.
        let (events, status, closedAt) = caseHistory(
            reported: reported, hasSuspect: hasSuspect, hasProperty: profile.property != nil)
        // Most crimes are recorded within hours of the report; a few miss the 24 hours (R2).
        let recordingDecisionAt = reported.addingTimeInterval(
            Double(random.chance(0.04) ? random.int(25...60) : random.int(0...8)) * 3600)
        t.crimes.add([
            crimeID, reference, profile.code, profile.description, occurred, occurredTo, reported, channel.rawValue,
            CrimeFlags.encode(flags), unit.id, officer, status.rawValue, String?.none, reported, reported,
            recordingDecisionAt,
        ])
        var crime = CrimeFacts(
            id: crimeID, offenceCode: profile.code, mostSerious: profile.mostSerious, unitCode: unit.code,
            flags: CrimeFlags.encode(flags), status: status, occurred: occurred, reported: reported,
            recordingDecisionAt: recordingDecisionAt, statusChanges: [], events: [])
        func changed(to status: CrimeStatus, at: Date, by: UUID?, _ name: String) {
            t.statusChanges.add([ids.next(), crimeID, status.rawValue, at, by, name, String?.none])
            crime.statusChanges.append((status.rawValue, at.timeIntervalSince1970))
        }
        changed(to: .recorded, at: reported, by: nil, "records system")
        if status != .recorded {
            let first =
                events.first?.1 ?? min(asOf, reported.addingTimeInterval(Double(random.int(3600..<(3 * 86_400)))))
            changed(to: .underInvestigation, at: first, by: officer, "officer in the case")
            if status != .underInvestigation, let at = closedAt ?? events.last?.1 {
                changed(to: status, at: at, by: officer, "officer in the case")
            }
        }
        for (type, at) in events {
            let eventID = ids.next()
            t.events.add([
                eventID, crimeID, type.rawValue, at, String?.none, officer, "officer in the case", "demo", at,
            ])
            crime.events.append((eventID, type.rawValue, at.timeIntervalSince1970))
        }

        // Place: the scene, sometimes the victim's home.
        let place = address(in: homeUnit.code)
        let locationID = ids.next()
        t.locations.add([
            locationID, place.address, place.postcode, Normalise.postcodeKey(place.postcode), place.lat, place.lon,
            reported,
        ])
        let atHome = flags.contains(.domesticAbuse) || profile.code == "028/01"
        t.crimeLocations.add([
            ids.next(), crimeID, locationID, atHome ? LocationRole.victimHome.rawValue : LocationRole.scene.rawValue,
        ])

        // Victims, some of them repeat victims from the same unit.
        if !profile.victimless {
            let victimCount = random.weighted([(1, 85.0), (2, 12), (3, 3)])
            var inThisCrime: Set<UUID> = []
            for _ in 0..<victimCount {
                let repeatChance = flags.contains(.domesticAbuse) ? 0.25 : 0.07
                var person: DemoPerson
                var repeated = false
                if random.chance(repeatChance), let pool = recentVictims[homeUnit.id], !pool.isEmpty,
                    case let chosen = random.pick(pool), !inThisCrime.contains(chosen.id)
                {
                    person = chosen
                    repeated = true
                } else {
                    let child = profile.childVictim || random.chance(0.04)
                    person = addPerson(
                        into: &t, unitID: homeUnit.id, at: reported, child: child, victim: true,
                        safeChance: flags.contains(.domesticAbuse) ? 0.6 : 0.97)
                    var pool = recentVictims[homeUnit.id] ?? []
                    pool.append(person)
                    if pool.count > 300 { pool.removeFirst(pool.count - 300) }
                    recentVictims[homeUnit.id] = pool
                    if child {
                        let parent = addPerson(
                            into: &t, unitID: homeUnit.id, at: reported, child: false, victim: false, safeChance: 0.95)
                        t.crimePersons.add([
                            ids.next(), crimeID, parent.id, PersonRole.parentOrGuardian.rawValue, reported,
                            parent.familyKey,
                            parent.givenKey, reported,
                        ])
                    }
                }
                inThisCrime.insert(person.id)
                let linkID = ids.next()
                t.crimePersons.add([
                    linkID, crimeID, person.id, PersonRole.victim.rawValue, reported, person.familyKey, person.givenKey,
                    reported,
                ])
                addVictim(
                    linkID, crime: crime, person: person, profile: profile, flags: flags, events: events,
                    closedAt: closedAt, officer: officer, repeated: repeated, into: &t)
            }
        }
        for _ in 0..<random.weighted([(0, 65.0), (1, 25), (2, 10)]) {
            let witness = addPerson(
                into: &t, unitID: homeUnit.id, at: reported, child: false, victim: false, safeChance: 0.98)
            t.crimePersons.add([
                ids.next(), crimeID, witness.id, PersonRole.witness.rawValue, reported, witness.familyKey,
                witness.givenKey, reported,
            ])
        }
        if hasSuspect {
            let suspect = addPerson(
                into: &t, unitID: homeUnit.id, at: reported, child: false, victim: false, safeChance: 1)
            t.crimePersons.add([
                ids.next(), crimeID, suspect.id, PersonRole.suspect.rawValue, reported, suspect.familyKey,
                suspect.givenKey, reported,
            ])
        }
        if let kind = profile.property, random.chance(0.75) {
            addProperty(kind, crimeID: crimeID, reported: reported, into: &t)
        }
    }

    /// Case events after the report, the status they lead to, and when the case closed.
    private mutating func caseHistory(reported: Date, hasSuspect: Bool, hasProperty: Bool) -> (
        [(CaseEventType, Date)], CrimeStatus, Date?
    ) {
        var events: [(CaseEventType, Date)] = []
        func later(_ from: Date, hours: ClosedRange<Int>) -> Date {
            from.addingTimeInterval(Double(random.int(hours)) * 3600)
        }
        var status = CrimeStatus.underInvestigation
        var closedAt: Date?
        if hasSuspect, random.chance(0.55) {
            let arrested = later(reported, hours: 4...240)
            events.append((.suspectArrested, arrested))
            if random.chance(0.85) {
                let interviewed = later(arrested, hours: 1...20)
                events.append((.suspectInterviewed, interviewed))
                let outcome = random.weighted([
                    (CaseEventType.charged, 22.0), (.releasedNFA, 30), (.releasedUnderInvestigation, 25), (.bail, 13),
                    (.decisionNotToProsecute, 10),
                ])
                let decided = later(interviewed, hours: 1...720)
                events.append((outcome, decided))
                switch outcome {
                case .charged: status = .suspectCharged
                case .releasedNFA, .decisionNotToProsecute:
                    status = .closed
                    closedAt = later(decided, hours: 1...48)
                case .bail, .releasedUnderInvestigation:
                    if random.chance(0.4) { events.append((.bailConditionsChanged, later(decided, hours: 48...1000))) }
                default: break
                }
            }
        } else if random.chance(0.35) {
            let decided = later(reported, hours: 24...240)
            events.append((.decisionNotToInvestigate, decided))
            status = .closed
            closedAt = later(decided, hours: 1...24)
        }
        if hasProperty, random.chance(0.08) {
            events.append((.propertyReadyForReturn, later(reported, hours: 48...2000)))
        }
        let age = asOf.timeIntervalSince(reported) / 86_400
        if status == .underInvestigation, age > 120, random.chance(0.6) {
            status = .closed
            closedAt = later(reported, hours: (30 * 24)...(120 * 24))
        } else if status == .suspectCharged, age > 200, random.chance(0.5) {
            status = .closed
            closedAt = later(events.last!.1, hours: (60 * 24)...(180 * 24))
        }
        events = events.filter { $0.1 <= asOf }.sorted { $0.1 < $1.1 }
        if let at = closedAt {
            if at > asOf {
                closedAt = nil
                status = events.contains { $0.0 == .charged } ? .suspectCharged : .underInvestigation
            } else {
                events.append((.caseClosed, at))
            }
        }
        if events.isEmpty, status == .underInvestigation, age < 3, random.chance(0.5) { status = .recorded }
        return (events, status, closedAt)
    }

    /// The Victims' Code record of one victim: needs assessment, enhanced rights, what was done and the contacts.
    private mutating func addVictim(
        _ id: UUID, crime: CrimeFacts, person: DemoPerson, profile: OffenceProfile, flags: Set<CrimeFlag>,
        events: [(CaseEventType, Date)], closedAt: Date?, officer: UUID?, repeated: Bool, into t: inout Tables
    ) {
        let crimeID = crime.id
        let occurred = crime.occurred
        let reported = crime.reported
        done = .init()
        let age = asOf.timeIntervalSince(reported) / 86_400
        let by = "officer in the case"
        func soon(_ from: Date, hours: ClosedRange<Int>) -> Date? {
            let at = from.addingTimeInterval(Double(random.int(hours)) * 3600)
            return at <= asOf ? at : nil
        }
        // Compliance improves over the 18 months, as a force's would after a push on the Code.
        let diligence = 0.62 + 0.3 * (1 - min(age, 548) / 548)

        var assessment: NeedsAssessment?
        var assessedAt: Date?
        if random.chance(diligence), let at = soon(reported, hours: 0...72) {
            let consent = random.weighted([(ReferralConsent.yes, 45.0), (.no, 40), (.notAsked, 15)])
            var vulnerability = Set<VulnerabilityFactor>()
            if random.chance(0.05) { vulnerability.insert(random.pick(VulnerabilityFactor.allCases)) }
            assessment = NeedsAssessment(
                language: person.language, interpreterNeeded: person.interpreter, feelsSafe: random.chance(0.85),
                suspectHasAccessToContactPoints: flags.contains(.domesticAbuse) && random.chance(0.4),
                supportWanted: consent == .yes,
                referralConsent: consent, bereavedRelative: flags.contains(.homicide),
                persistentlyTargeted: repeated && random.chance(0.3),
                vulnerability: vulnerability, intimidated: random.chance(0.04))
            assessedAt = at
        }
        let decision = EnhancedRights.assess(
            EnhancedRightsInput(
                offenceIsMostSerious: profile.mostSerious, flags: flags, occurredOn: London.date(of: occurred),
                reportedOn: London.date(of: reported),
                dateOfBirth: person.dateOfBirth, assessment: assessment, recentVictimisations: repeated ? 2 : 1),
            policy: .standard)
        let grounds = Victim.encode(decision.groundList)
        if let assessment, let assessedAt {
            let answers = assessment.json
            t.assessments.add([
                ids.next(), id, assessment.questionSetVersion, answers, decision.enhanced, grounds, assessedAt, officer,
                by,
            ])
        }
        let consent = assessment?.referralConsent ?? .notAsked
        var statement: String?

        // Things done for the victim.
        func act(_ kind: VictimActionKind, _ chance: Double, hours: ClosedRange<Int>, method: String? = nil) {
            guard random.chance(chance), let at = soon(reported, hours: hours) else { return }
            // The leaflet is usually in the victim's language; sometimes, as in life, only in English.
            let language: String? =
                kind == .informationLeaflet ? (random.chance(0.85) ? person.language : "en") : nil
            t.actions.add([ids.next(), id, kind.rawValue, at, method, String?.none, officer, by, at, language])
            done.actions.append((kind.rawValue, at.timeIntervalSince1970, language))
        }
        act(.writtenConfirmation, diligence + 0.05, hours: 0...30, method: person.email?.1 == true ? "email" : "letter")
        act(
            .informationLeaflet, diligence, hours: 0...30,
            method: person.email?.1 == true ? "email" : random.pick(["QR code", "printed"]))
        if random.chance(diligence * 0.8) {
            act(.vpsOffered, 1, hours: 1...240, method: "offered")
            statement = random.weighted([("offered", 40.0), ("made", 30), ("declined", 20), ("to_follow", 10)])
        }
        // Most consenting victims went in an earlier daily transfer, and the support service has moved them on;
        // the rest are waiting for the next one.
        if consent == .yes {
            if random.chance(0.92), let at = soon(reported, hours: 2...96) {
                let status = random.weighted([
                    ("sent", 10.0), ("received", 20), ("contacted", 25), ("accepted", 30), ("declined", 10),
                    ("closed", 5),
                ])
                t.referrals.add([
                    ids.next(), id, "transfer", status, UUID?.none, reported, at, at,
                    status == "sent" ? String?.none : "Victim Support", String?.none,
                ])
                done.referralsSent.append(at.timeIntervalSince1970)
            } else {
                t.referrals.add([
                    ids.next(), id, "transfer", "ready", UUID?.none, reported, Date?.none, Date?.none, String?.none,
                    String?.none,
                ])
            }
        }
        if decision.enhanced { act(.specialMeasuresConsidered, diligence, hours: 2...72) }
        if person.interpreter { act(.interpreterArranged, 0.8, hours: 0...24) }
        if flags.contains(.homicide) { act(.familyLiaisonOfficer, 0.95, hours: 1...24) }

        // Contacts: after each event, and regular updates while the case is open.
        let limitHours = decision.enhanced ? 30 : 170
        for (type, at) in events where type != .caseClosed {
            if random.chance(0.3), let attempt = soon(at, hours: 1...24) {
                contact(id, person, at: attempt, successful: false, officer: officer, into: &t)
            }
            let roll = Double(random.next() >> 11) / Double(1 << 53)
            if roll < diligence, let done = soon(at, hours: 1...limitHours) {
                contact(id, person, at: done, successful: true, officer: officer, into: &t)
            } else if roll < diligence + 0.15, let done = soon(at, hours: limitHours...(limitHours + 480)) {
                contact(id, person, at: done, successful: true, officer: officer, into: &t)
            }
        }
        offerVideo(id, crimeID: crimeID, person: person, flags: flags, reported: reported, officer: officer, into: &t)
        var last = reported
        let end = closedAt ?? asOf
        while true {
            let next = last.addingTimeInterval(Double(random.int(18...44)) * 86_400)
            guard next < end else { break }
            if random.chance(diligence + 0.05) {
                contact(id, person, at: next, successful: true, officer: officer, into: &t)
            }
            last = next
        }

        // What the victim is owed, planned from the facts just made exactly as a recompute of the stored rows plans
        // it (enhanced rights reassessed over time, then the obligations), and stored with its fingerprint.
        let record = VictimFactsLoader.Record(
            victimID: id, crimeID: crimeID, enhanced: decision.enhanced, grounds: grounds,
            referralConsent: consent.rawValue, explicitConsentAt: consent != .notAsked ? assessedAt : nil,
            bereaved: assessment?.bereavedRelative ?? false, interpreterNeeded: person.interpreter,
            agreedUpdateDays: nil, vnaCompletedAt: assessedAt, factsVersion: 1, reportedAt: reported,
            occurredFrom: occurred, status: crime.status.rawValue, flags: crime.flags, offenceCode: crime.offenceCode,
            unitCode: crime.unitCode, mostSerious: crime.mostSerious, dateOfBirth: person.dateOfBirth.description,
            computedVersion: 1, obligationsHash: nil, becameVictimAt: reported, bereavedSince: nil,
            interpreterNeededSince: nil, basis: nil, language: person.language,
            recordingDecisionAt: crime.recordingDecisionAt, statusChanges: crime.statusChanges,
            events: crime.events, contacts: done.contacts, actions: done.actions, referralsSent: done.referralsSent,
            assessments: assessment.map { [(assessedAt!.timeIntervalSince1970, $0)] } ?? [])
        let plan = ObligationService.plan(
            VictimFactsLoader.loaded(record, config: config, today: today), reassess: true, verify: false,
            config: config)
        let owed = plan.obligations ?? []
        for obligation in owed { ObligationService.add(obligation, victimID: id, crimeID: crimeID, to: &t.obligations) }
        for change in plan.history.map(EnhancedRightsStore.changes) ?? [] {
            t.enhancedChanges.add([historyIDs.next(), id, change.at, change.enhanced, change.grounds])
        }
        let rights = plan.decision ?? decision
        t.victims.add([
            id, crimeID, person.id, rights.enhanced, Victim.encode(rights.groundList), rights.section16,
            rights.section17, rights.section28,
            consent.rawValue, consent != .notAsked ? assessedAt : nil, assessment?.bereavedRelative ?? false,
            person.interpreter,
            assessment?.suspectHasAccessToContactPoints ?? false, Int?.none, assessedAt, statement, 1, 1, reported,
            reported, reported, flags.contains(.domesticAbuse) || flags.contains(.harassmentOrStalking),
            assessment != nil, Int(plan.fingerprint),
        ])
    }

    /// In the last year, an adult victim of a crime with no immediate threat, risk or harm is offered a video call
    /// or a visit; most who choose get it within a day or two. Some victims withdraw support, in either arm.
    private mutating func offerVideo(
        _ victimID: UUID, crimeID: UUID, person: DemoPerson, flags: Set<CrimeFlag>, reported: Date, officer: UUID?,
        into t: inout Tables
    ) {
        let excluded: Set<CrimeFlag> = [.homicide, .sexualOffence, .childVictim, .terrorism, .modernSlavery]
        guard asOf.timeIntervalSince(reported) < 365 * 86_400, flags.isDisjoint(with: excluded),
            person.dateOfBirth.age(on: London.date(of: reported)) >= 18, responses.chance(0.4)
        else { return }
        let by = "officer in the case"
        let triageID: UUID
        if let done = triagedCrime, done.crime == crimeID {
            triageID = done.triage
        } else {
            triageID = responseIDs.next()
            triagedCrime = (crimeID, triageID)
            t.triages.add([
                triageID, crimeID, "low", "low", responses.pick(["low", "medium"]), false,
                "No immediate threat, risk or harm: the victim can choose a video call or a visit", true, officer, by,
                reported.addingTimeInterval(600),
            ])
        }
        let video = responses.chance(0.55)
        let chosenAt = reported.addingTimeInterval(900)
        t.choices.add([
            responseIDs.next(), victimID, triageID, true, false, true, true, false, String?.none, String?.none, true,
            "", "", video ? "video" : "in_person",
            video
                ? String?.none : responses.pick(["Would rather see an officer", "No smartphone to hand", "Not sure"]),
            by, false, chosenAt,
        ])
        let hours = video ? responses.int(1...30) : responses.int(4...96)
        let at = reported.addingTimeInterval(Double(hours) * 3600)
        if responses.chance(0.9), at <= asOf {
            let method: ContactMethod = video ? .video : .inPerson
            let decision = ContactRule.decide(
                ContactAttempt(
                    method: method, outcome: .spokeToVictim, identityVerified: true, welfareChecked: true,
                    safeToSpeak: true, preferredMethod: person.preferred, contactPointSafe: nil,
                    hasAgreedRepresentative: false, contactPointKind: nil))
            t.contacts.add([
                responseIDs.next(), victimID, at, "outbound", method.rawValue, ContactOutcome.spokeToVictim.rawValue,
                true, true, true, person.preferred == method, UUID?.none, Bool?.none, decision.successful,
                decision.countsAsWrittenUpdate, decision.reasons.joined(separator: "\n"),
                decision.warnings.joined(separator: "\n"), String?.none, officer, by, at,
            ])
            if decision.successful || decision.countsAsWrittenUpdate {
                done.contacts.append((at.timeIntervalSince1970, method.rawValue, decision.successful))
            }
        }
        if responses.chance(0.1) {
            let at = reported.addingTimeInterval(Double(responses.int(24...720)) * 3600)
            if at <= asOf {
                t.actions.add([
                    responseIDs.next(), victimID, VictimActionKind.withdrewSupport.rawValue, at, String?.none,
                    String?.none, officer, by, at, String?.none,
                ])
                done.actions.append((VictimActionKind.withdrewSupport.rawValue, at.timeIntervalSince1970, nil))
            }
        }
    }

    private mutating func contact(
        _ victimID: UUID, _ person: DemoPerson, at: Date, successful: Bool, officer: UUID?, into t: inout Tables
    ) {
        let preferred = person.preferred ?? .phone
        let written = [ContactMethod.email, .letter, .sms].contains(preferred)
        let method: ContactMethod
        let outcome: ContactOutcome
        var point: (UUID, Bool)?
        if successful {
            method = written ? preferred : (preferred == .video || preferred == .inPerson ? preferred : .phone)
            outcome = written ? .writtenUpdateSent : .spokeToVictim
            point = preferred == .email ? person.email : (method == .phone || method == .sms ? person.phone : nil)
        } else {
            method = .phone
            outcome = random.weighted([(ContactOutcome.voicemailLeft, 40.0), (.noAnswer, 50), (.wrongPerson, 10)])
            point = person.phone
        }
        let key =
            "\(method.rawValue)|\(outcome.rawValue)|\(person.preferred?.rawValue ?? "-")|\(point.map { $0.1 ? "safe" : "unsafe" } ?? "-")|\(successful)"
        let decision: ContactRule.Decision
        if let cached = decisions[key] {
            decision = cached
        } else {
            decision = ContactRule.decide(
                ContactAttempt(
                    method: method, outcome: outcome, identityVerified: successful, welfareChecked: successful,
                    safeToSpeak: successful, preferredMethod: person.preferred, contactPointSafe: point?.1,
                    hasAgreedRepresentative: false, contactPointKind: point == nil ? nil : method.contactPointKind))
            decisions[key] = decision
        }
        t.contacts.add([
            ids.next(), victimID, at, "outbound", method.rawValue, outcome.rawValue, successful, successful, successful,
            person.preferred == method,
            point?.0, point?.1, decision.successful, decision.countsAsWrittenUpdate,
            decision.reasons.joined(separator: "\n"),
            decision.warnings.joined(separator: "\n"), String?.none, officer, "officer in the case", at,
        ])
        if decision.successful || decision.countsAsWrittenUpdate {
            done.contacts.append((at.timeIntervalSince1970, method.rawValue, decision.successful))
        }
    }

    struct DemoPerson {
        var id: UUID
        var givenKey: String
        var familyKey: String
        var dateOfBirth: LocalDate
        var preferred: ContactMethod?
        var language: String
        var interpreter: Bool
        var phone: (UUID, Bool)?
        var email: (UUID, Bool)?
    }

    private mutating func addPerson(
        into t: inout Tables, unitID: UUID, at: Date, child: Bool, victim: Bool, safeChance: Double
    ) -> DemoPerson {
        let id = ids.next()
        let female = random.chance(0.52)
        let given = random.pick(female ? DemoNames.givenFemale : DemoNames.givenMale)
        let family = random.pick(DemoNames.family)
        let reportDay = London.date(of: at)
        let band = random.weighted([(16...24, 22.0), (25...44, 40), (45...64, 26), (65...92, 12)])
        let years = child ? random.int(6...15) : random.int(band)
        let dob = LocalDate(dayNumber: reportDay.dayNumber - years * 365 - random.int(0..<365))
        let language =
            random.chance(0.86)
            ? "en"
            : random.pick([
                "pl", "ro", "bn", "ur", "ar", "so", "pt", "es", "tr", "gu", "pa", "ta", "lt", "bg", "fr", "it",
            ])
        let recorded = victim && random.chance(0.65)
        let sex: String? = recorded ? (female ? Sex.female.rawValue : Sex.male.rawValue) : nil
        let ethnicity: String? =
            recorded
            ? random.weighted([
                (Ethnicity.whiteBritish, 37.0), (.otherWhite, 15), (.irish, 2), (.african, 8), (.caribbean, 4),
                (.otherBlack, 2),
                (.indian, 7), (.pakistani, 3), (.bangladeshi, 4), (.chinese, 2), (.otherAsian, 5),
                (.whiteAndBlackCaribbean, 1.5),
                (.whiteAndAsian, 1.2), (.whiteAndBlackAfrican, 0.8), (.otherMixed, 2), (.arab, 1.6),
                (.otherEthnicGroup, 3), (.notStated, 2),
            ]).rawValue : nil
        let disability: String? =
            recorded
            ? random.weighted([
                (Disability.notDisabled, 85.0), (.limitedALittle, 7), (.limitedALot, 6), (.notStated, 2),
            ]).rawValue : nil
        let religion: String? =
            recorded && random.chance(0.7)
            ? random.weighted([
                (Religion.christian, 40.0), (.noReligion, 27), (.muslim, 15), (.hindu, 5), (.jewish, 2), (.sikh, 2),
                (.buddhist, 1), (.other, 1), (.notStated, 7),
            ]).rawValue : nil
        let orientation: String? =
            recorded && random.chance(0.6)
            ? random.weighted([
                (SexualOrientation.straight, 88.0), (.gayOrLesbian, 3), (.bisexual, 2), (.other, 0.5),
                (.notStated, 6.5),
            ]).rawValue : nil
        let preferred: String? =
            victim
            ? random.weighted([
                (ContactMethod.phone, 45.0), (.email, 30), (.sms, 10), (.letter, 5), (.inPerson, 5), (.video, 5),
            ]).rawValue : nil
        let times: String? =
            victim && random.chance(0.3)
            ? random.pick(["Weekday mornings", "After 6pm", "Lunchtimes", "Weekends only", "Not before 10am"]) : nil
        let interpreter = language != "en" && random.chance(0.6)
        let communication: String? =
            victim && random.chance(0.03)
            ? random.pick([
                "Hearing impaired: prefers text or email", "Needs information in easy read", "Uses a screen reader",
            ]) : nil
        t.persons.add([
            id, given, family, Normalise.nameKey(given), Normalise.nameKey(family), dob.description, preferred, times,
            language,
            interpreter, communication, String?.none, sex, ethnicity, disability, religion, orientation, unitID, at, at,
        ])
        var phone: (UUID, Bool)?
        if random.chance(victim ? 0.92 : 0.8) {
            let number = "07700 900\(String(format: "%03d", random.int(0..<1000)))"
            let point = (ids.next(), random.chance(safeChance))
            t.contactPoints.add([point.0, id, ContactPointKind.phone.rawValue, number, point.1, String?.none, at, at])
            phone = point
        }
        var emailPoint: (UUID, Bool)?
        if victim, random.chance(0.85) {
            let domain = random.pick(["example.com", "example.org", "example.net"])
            let email = "\(Normalise.nameKey(given)).\(Normalise.nameKey(family))\(random.int(1..<999))@\(domain)"
            let point = (ids.next(), random.chance(safeChance))
            t.contactPoints.add([
                point.0, id, ContactPointKind.email.rawValue, email, point.1,
                point.1 ? String?.none : "Suspect may have access to this account", at, at,
            ])
            emailPoint = point
        }
        return DemoPerson(
            id: id, givenKey: Normalise.nameKey(given), familyKey: Normalise.nameKey(family), dateOfBirth: dob,
            preferred: preferred.flatMap(ContactMethod.init(rawValue:)), language: language,
            interpreter: interpreter, phone: phone, email: emailPoint)
    }

    private mutating func addProperty(_ kind: PropertyKind, crimeID: UUID, reported: Date, into t: inout Tables) {
        let id = ids.next()
        var imei: String?, frame: String?, serial: String?
        let description: String
        switch kind {
        case .phone:
            description = random.pick([
                "Black smartphone", "Blue smartphone in a clear case", "White smartphone", "Silver smartphone",
            ])
            imei = (0..<15).map { _ in String(random.int(0...9)) }.joined()
        case .bike:
            description = random.pick(["Grey road bike", "Red mountain bike", "Black hybrid bike", "Folding bike"])
            frame = "WTU" + String(random.int(100_000...999_999)) + "G"
        case .vehicle:
            description = random.pick(["Silver hatchback", "Black saloon", "White van", "Blue estate car"])
            serial = "VIN" + String(random.int(10_000_000...99_999_999))
        case .laptop:
            description = random.pick(["Laptop in a rucksack", "Tablet computer", "Sat-nav", "Laptop"])
            serial = "SN" + String(random.int(1_000_000...9_999_999))
        case .parcel: description = "Parcel left at the door"
        case .goods:
            description = random.pick([
                "Handbag and purse", "Tools", "Clothing", "Groceries", "Jewellery", "Wallet and bank cards",
            ])
        case .cash: description = "Cash from the till"
        case .fuel: description = "Fuel"
        }
        let day = London.date(of: reported)
        let returned = random.chance(0.08)
        let status = returned ? CustodyStatus.returnedToOwner : (random.chance(0.05) ? .held : .stolen)
        t.property.add([
            id, description, imei, frame, serial, status.rawValue, day.description, String?.none,
            status == .held || returned ? day.adding(days: random.int(1...30)).description : nil,
            returned ? day.adding(days: random.int(31...90)).description : nil, reported, reported,
        ])
        t.crimeProperty.add([ids.next(), crimeID, id, PropertyRole.stolen.rawValue])
    }

    private mutating func address(in unitCode: String) -> (address: String, postcode: String, lat: Double, lon: Double)
    {
        let district = DemoNames.districts[unitCode] ?? DemoNames.districts["SN"]!
        let street =
            "\(random.int(1...240)) \(random.pick(DemoNames.streetNames)) \(random.pick(DemoNames.streetKinds))"
        let postcode =
            "\(random.pick(district.outward)) \(random.int(1...9))\(random.pick(DemoNames.inwardLetters))\(random.pick(DemoNames.inwardLetters))"
        let lat = district.lat + Double(random.int(-300...300)) / 10_000
        let lon = district.lon + Double(random.int(-400...400)) / 10_000
        return ("\(street), \(random.pick(district.towns)), London", postcode, lat, lon)
    }
}
