/// What raises an obligation.
public enum ObligationTrigger: String, Codable, Sendable, Hashable, CaseIterable {
    /// The report reached the police (R2 runs from here, whenever the person became a victim).
    case crimeReported = "crime_reported"
    /// The person became a victim of the crime: at the report, or when linked later.
    case crimeRecorded = "crime_recorded"
    /// A regular update (R15) passed its deadline unmet: the victim is owed the reason.
    case updateMissed = "update_missed"
    case updateInterval = "update_interval"
    case enhancedIdentified = "enhanced_identified"
    case reviewRequested = "review_requested"
    case decisionNotToInvestigate = "decision_not_to_investigate"
    case suspectArrested = "suspect_arrested"
    case suspectInterviewed = "suspect_interviewed"
    case releasedNFA = "released_nfa"
    case bail
    case releasedUnderInvestigation = "released_under_investigation"
    case bailConditionsChanged = "bail_conditions_changed"
    case charged
    case outOfCourtDisposal = "out_of_court_disposal"
    case decisionNotToProsecute = "decision_not_to_prosecute"
    case propertyReadyForReturn = "property_ready_for_return"

    public init?(event: CaseEventType) {
        self.init(rawValue: event.rawValue)
    }
}

/// How long the police have, counted from the local day of the trigger.
public enum DeadlineLimit: Codable, Sendable, Hashable {
    /// By the end of the n-th working day after the trigger's day.
    case workingDays(Int)
    /// By the end of the day n calendar days after the trigger's day.
    case calendarDays(Int)
    /// Within n hours of the trigger itself (R2: the crime recording decision within 24 hours).
    case hours(Int)
}

/// What an obligation is met by.
public enum Fulfilment: String, Codable, Sendable, Hashable {
    /// A successful contact, or a written update by the victim's chosen, safe channel.
    case update
    /// A successful contact only (spoken, identity and welfare checked).
    case successfulContact = "successful_contact"
    case writtenConfirmation = "written_confirmation"
    case informationLeaflet = "information_leaflet"
    case needsAssessment = "needs_assessment"
    case referral
    case explicitConsent = "explicit_consent"
    case vpsOffered = "vps_offered"
    case specialMeasuresConsidered = "special_measures_considered"
    case familyLiaisonOfficer = "family_liaison_officer"
    case interpreterArranged = "interpreter_arranged"
    case interviewerChoiceOffered = "interviewer_choice_offered"
    case reviewAcknowledged = "review_acknowledged"
    case reviewCompleted = "review_completed"
    /// The crime recording decision (National Crime Recording Standard).
    case recordingDecision = "recording_decision"
    /// A business's named contact was offered the Impact Statement for Business.
    case impactStatementOffered = "impact_statement_offered"
    /// The victim was told why the agreed update frequency could not be kept.
    case updateFrequencyExplained = "update_frequency_explained"
    /// The information or documents were translated into the victim's language.
    case translationArranged = "translation_arranged"
}

/// When a rule applies to a victim. Named conditions, so the rules table stays data.
public enum Applicability: String, Codable, Sendable, Hashable {
    case everyone
    case enhancedOnly = "enhanced_only"
    case explicitConsentCrimes = "explicit_consent_crimes"
    case sexualOrDomesticAbuse = "sexual_or_domestic_abuse"
    case bereaved
    case interpreterNeeded = "interpreter_needed"
    /// Others are referred unless they opt out; victims of the explicit-consent crimes only after a yes.
    case referralNotDeclined = "referral_not_declined"
    case telephoneUnitCallBack = "telephone_unit_call_back"
    /// People, not businesses (a business has no needs assessment, personal statement or liaison officer).
    case individual
    /// A business victim with a named point of contact.
    case business
}

/// One row of the rules table: a trigger raises an obligation with a deadline, met by something the police do.
public struct ObligationRule: Codable, Sendable, Hashable {
    public var code: String
    public var trigger: ObligationTrigger
    /// Which of the twelve rights this serves.
    public var right: Int
    public var duty: String
    public var standard: DeadlineLimit
    public var enhanced: DeadlineLimit
    public var appliesTo: [Applicability]
    public var metBy: [Fulfilment]
    /// Where a figure was assumed rather than found in a source, say so.
    public var note: String?

    public init(
        code: String, trigger: ObligationTrigger, right: Int, duty: String, standard: DeadlineLimit,
        enhanced: DeadlineLimit,
        appliesTo: [Applicability] = [.everyone], metBy: [Fulfilment], note: String? = nil
    ) {
        self.code = code
        self.trigger = trigger
        self.right = right
        self.duty = duty
        self.standard = standard
        self.enhanced = enhanced
        self.appliesTo = appliesTo
        self.metBy = metBy
        self.note = note
    }
}

/// A crime flag that makes complainants automatically intimidated, optionally only from a date.
public struct AutomaticIntimidation: Codable, Sendable, Hashable {
    public var flag: CrimeFlag
    public var from: LocalDate?

    public init(flag: CrimeFlag, from: LocalDate? = nil) {
        self.flag = flag
        self.from = from
    }
}

/// Every figure of the Victims' Code the software applies. Administrators change it by saving a new version
/// with an effective date; the version in force on a trigger's date applies to it.
public struct VictimsCodePolicy: Codable, Sendable, Hashable {
    public var rules: [ObligationRule]
    public var updateIntervalDays: Int
    public var persistentlyTargetedThreshold: Int
    public var persistentlyTargetedWindowDays: Int
    public var explicitConsentFlags: Set<CrimeFlag>
    public var mostSeriousFlags: Set<CrimeFlag>
    public var automaticallyIntimidated: [AutomaticIntimidation]
    /// A victim asks for a review within this many months of being told of the decision (later only with a reason).
    public var reviewRequestMonths: Int
    /// Command units whose crimes the call-back policy covers (the telephone and digital investigation unit).
    public var telephoneUnitCodes: Set<String>
    /// Crimes whose victims are persistently targeted without being asked (harassment and stalking), unless
    /// a supervisor records why it does not apply.
    public var persistentlyTargetedFlags: Set<CrimeFlag>
    /// Crimes whose victims are bereaved close relatives (R17's Family Liaison Officer, R7a's consent).
    public var bereavedFlags: Set<CrimeFlag>
    /// The Victims and Prisoners Act 2024 s.1: from this date the Code also counts people who saw, heard or
    /// directly experienced the offence, people born of it, and children in an abusive household.
    public var widerVictimsFrom: LocalDate
    /// Crimes where the suspect is likely to see the victim's messages: new contact points are not safe by
    /// default and messages wait until the needs assessment says the suspect cannot see them.
    public var suspectRiskFlags: Set<CrimeFlag>

    public init(
        rules: [ObligationRule], updateIntervalDays: Int, persistentlyTargetedThreshold: Int,
        persistentlyTargetedWindowDays: Int, explicitConsentFlags: Set<CrimeFlag>, mostSeriousFlags: Set<CrimeFlag>,
        automaticallyIntimidated: [AutomaticIntimidation], reviewRequestMonths: Int, telephoneUnitCodes: Set<String>,
        persistentlyTargetedFlags: Set<CrimeFlag> = [.harassmentOrStalking],
        bereavedFlags: Set<CrimeFlag> = [.homicide],
        widerVictimsFrom: LocalDate = LocalDate(year: 2025, month: 1, day: 29)!,
        suspectRiskFlags: Set<CrimeFlag> = [.domesticAbuse, .harassmentOrStalking]
    ) {
        self.rules = rules
        self.updateIntervalDays = updateIntervalDays
        self.persistentlyTargetedThreshold = persistentlyTargetedThreshold
        self.persistentlyTargetedWindowDays = persistentlyTargetedWindowDays
        self.explicitConsentFlags = explicitConsentFlags
        self.mostSeriousFlags = mostSeriousFlags
        self.automaticallyIntimidated = automaticallyIntimidated
        self.reviewRequestMonths = reviewRequestMonths
        self.telephoneUnitCodes = telephoneUnitCodes
        self.persistentlyTargetedFlags = persistentlyTargetedFlags
        self.bereavedFlags = bereavedFlags
        self.widerVictimsFrom = widerVictimsFrom
        self.suspectRiskFlags = suspectRiskFlags
    }

    /// Whether a victim of a crime with these flags must consent before being referred (R7a).
    public func needsExplicitConsent(flags: Set<CrimeFlag>, bereaved: Bool) -> Bool {
        bereaved || !flags.isDisjoint(with: explicitConsentFlags) || !flags.isDisjoint(with: bereavedFlags)
    }

    public func rules(for trigger: ObligationTrigger) -> [ObligationRule] { rules.filter { $0.trigger == trigger } }

    /// The Code as the domain file states it; assumed figures are marked in each rule's note.
    public static let standard = VictimsCodePolicy(
        rules: [
            ObligationRule(
                code: "R1", trigger: .crimeRecorded, right: 1,
                duty: "Offer free interpretation and translate essential documents",
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.interpreterNeeded],
                metBy: [.interpreterArranged, .translationArranged],
                note: "The Code says 'at the time'; 1 working day assumed for recording it."),
            ObligationRule(
                code: "R2", trigger: .crimeReported, right: 2,
                duty: "Make the crime recording decision",
                standard: .hours(24), enhanced: .hours(24), metBy: [.recordingDecision],
                note: "National Crime Recording Standard: within 24 hours of the report."),
            ObligationRule(
                code: "R3", trigger: .crimeRecorded, right: 1,
                duty: "Offer an interviewer of the gender the victim chooses",
                standard: .workingDays(5), enhanced: .workingDays(1), appliesTo: [.sexualOrDomesticAbuse, .individual],
                metBy: [.interviewerChoiceOffered],
                note: "The Code says 'at interview'; limits assumed."),
            ObligationRule(
                code: "R4", trigger: .crimeRecorded, right: 3,
                duty:
                    "Give written confirmation: offence, crime reference, officer's contact details, by a safe channel",
                standard: .workingDays(1), enhanced: .workingDays(1), metBy: [.writtenConfirmation],
                note: "The Code says 'at reporting'; 1 working day assumed."),
            ObligationRule(
                code: "R5", trigger: .crimeRecorded, right: 3,
                duty: "Give the information leaflet: justice process, support, compensation, restorative justice",
                standard: .workingDays(1), enhanced: .workingDays(1),
                metBy: [.informationLeaflet, .translationArranged, .interpreterArranged],
                note:
                    "The Code says 'at reporting'; 1 working day assumed. Met only by the leaflet in the victim's language, or a translation or interpreter."
            ),
            ObligationRule(
                code: "R6", trigger: .crimeRecorded, right: 4,
                duty: "Complete the Victim Needs Assessment, including enhanced-rights eligibility",
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.individual],
                metBy: [.needsAssessment],
                note: "The Code says 'at reporting'; 1 working day assumed."),
            ObligationRule(
                code: "R7a", trigger: .crimeRecorded, right: 4,
                duty: "Obtain explicit consent before referring to a support service",
                standard: .workingDays(2), enhanced: .workingDays(2), appliesTo: [.explicitConsentCrimes],
                metBy: [.explicitConsent]),
            ObligationRule(
                code: "R7", trigger: .crimeRecorded, right: 4, duty: "Refer to a victim support service",
                standard: .workingDays(2), enhanced: .workingDays(2), appliesTo: [.referralNotDeclined],
                metBy: [.referral],
                note: "2 working days assumed the same for all victims."),
            ObligationRule(
                code: "R16", trigger: .crimeRecorded, right: 7, duty: "Explain and offer the Victim Personal Statement",
                standard: .workingDays(5), enhanced: .workingDays(1), appliesTo: [.individual], metBy: [.vpsOffered],
                note: "The Code says 'at reporting / witness statement'; limits assumed."),
            ObligationRule(
                code: "R18", trigger: .crimeRecorded, right: 7,
                duty: "Offer the business's named contact the Impact Statement for Business",
                standard: .workingDays(5), enhanced: .workingDays(5), appliesTo: [.business],
                metBy: [.impactStatementOffered],
                note: "The Code says 'at statement'; 5 working days assumed."),
            ObligationRule(
                code: "R17", trigger: .crimeRecorded, right: 6, duty: "Assign a Family Liaison Officer",
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.bereaved, .individual],
                metBy: [.familyLiaisonOfficer],
                note: "The Code says 'on allocation'; 1 working day assumed."),
            ObligationRule(
                code: "CB", trigger: .crimeRecorded, right: 6,
                duty: "Call the victim back (telephone and digital investigation unit)",
                standard: .workingDays(2), enhanced: .workingDays(1), appliesTo: [.telephoneUnitCallBack],
                metBy: [.successfulContact],
                note: "Force call-back policy; limits assumed."),
            ObligationRule(
                code: "R19", trigger: .enhancedIdentified, right: 4,
                duty:
                    "Pass eligibility to other providers; consider specialist referral, special measures and a video-recorded interview",
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.enhancedOnly, .individual],
                metBy: [.specialMeasuresConsidered],
                note: "The Code says 'on identification'; 1 working day assumed."),
            ObligationRule(
                code: "R8", trigger: .decisionNotToInvestigate, right: 6,
                duty: "Explain why the crime will not be investigated and offer a support referral",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R9", trigger: .suspectArrested, right: 6,
                duty: "Tell the victim a suspect was arrested, with reasons where applicable",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R10", trigger: .suspectInterviewed, right: 6,
                duty: "Tell the victim the suspect was interviewed under caution",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R11", trigger: .releasedNFA, right: 6,
                duty: "Tell the victim the suspect was released with no further action, with reasons",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R12", trigger: .bail, right: 6,
                duty: "Tell the victim the suspect was released on bail, and any conditions",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R12", trigger: .releasedUnderInvestigation, right: 6,
                duty: "Tell the victim the suspect was released under investigation",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R12", trigger: .bailConditionsChanged, right: 6,
                duty: "Tell the victim bail conditions changed or were cancelled",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update]),
            ObligationRule(
                code: "R13", trigger: .decisionNotToProsecute, right: 6,
                duty:
                    "Give reasons, where to learn more, how to ask for a review (Right to Review), and offer a referral",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update],
                note: "1 working day for enhanced victims assumed."),
            ObligationRule(
                code: "R14", trigger: .charged, right: 6, duty: "Tell the victim the suspect was charged",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update], note: "Limits assumed."),
            ObligationRule(
                code: "R14", trigger: .outOfCourtDisposal, right: 6,
                duty: "Tell the victim the suspect was given an out-of-court disposal",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update], note: "Limits assumed."),
            ObligationRule(
                code: "R20", trigger: .propertyReadyForReturn, right: 10,
                duty: "Tell the victim their property is ready and arrange its return",
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.update],
                note: "Not in the domain file's table; added for Right 10 with limits assumed."),
            ObligationRule(
                code: "R15", trigger: .updateInterval, right: 6,
                duty: "Update the victim as agreed while the investigation is open",
                standard: .calendarDays(28), enhanced: .calendarDays(28), metBy: [.update],
                note: "Default interval of 28 days assumed; the agreed interval can differ per victim."),
            ObligationRule(
                code: "R15W", trigger: .updateMissed, right: 6,
                duty: "Tell the victim why the agreed update could not be given",
                standard: .workingDays(1), enhanced: .workingDays(1),
                metBy: [.updateFrequencyExplained, .successfulContact],
                note:
                    "The Code says to say why when the agreed frequency cannot be met; 1 working day after the missed update assumed."
            ),
            ObligationRule(
                code: "VRR1", trigger: .reviewRequested, right: 12, duty: "Acknowledge the Right to Review request",
                standard: .workingDays(10), enhanced: .workingDays(10), metBy: [.reviewAcknowledged]),
            ObligationRule(
                code: "VRR2", trigger: .reviewRequested, right: 12,
                duty: "Complete the review and tell the victim the outcome",
                standard: .workingDays(30), enhanced: .workingDays(30), metBy: [.reviewCompleted]),
        ],
        updateIntervalDays: 28,
        persistentlyTargetedThreshold: 3,
        persistentlyTargetedWindowDays: 365,
        explicitConsentFlags: [.sexualOffence, .domesticAbuse, .homicide],
        mostSeriousFlags: [.domesticAbuse, .hateCrime, .terrorism, .sexualOffence, .modernSlavery, .homicide],
        automaticallyIntimidated: [
            AutomaticIntimidation(flag: .sexualOffence), AutomaticIntimidation(flag: .modernSlavery),
            AutomaticIntimidation(flag: .domesticAbuse, from: LocalDate("2022-05-19")),
            AutomaticIntimidation(flag: .gunOrKnife),
        ],
        reviewRequestMonths: 3,
        telephoneUnitCodes: ["TD"])
}

extension VictimsCodePolicy {
    enum CodingKeys: String, CodingKey {
        case rules, updateIntervalDays, persistentlyTargetedThreshold, persistentlyTargetedWindowDays
        case explicitConsentFlags, mostSeriousFlags, automaticallyIntimidated, reviewRequestMonths, telephoneUnitCodes
        case persistentlyTargetedFlags, bereavedFlags, widerVictimsFrom, suspectRiskFlags
    }

    /// Figures added after a version was saved take the standard's value, so an old version still decodes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let standard = VictimsCodePolicy.standard
        self.init(
            rules: try c.decode([ObligationRule].self, forKey: .rules),
            updateIntervalDays: try c.decode(Int.self, forKey: .updateIntervalDays),
            persistentlyTargetedThreshold: try c.decode(Int.self, forKey: .persistentlyTargetedThreshold),
            persistentlyTargetedWindowDays: try c.decode(Int.self, forKey: .persistentlyTargetedWindowDays),
            explicitConsentFlags: try c.decode(Set<CrimeFlag>.self, forKey: .explicitConsentFlags),
            mostSeriousFlags: try c.decode(Set<CrimeFlag>.self, forKey: .mostSeriousFlags),
            automaticallyIntimidated: try c.decode([AutomaticIntimidation].self, forKey: .automaticallyIntimidated),
            reviewRequestMonths: try c.decode(Int.self, forKey: .reviewRequestMonths),
            telephoneUnitCodes: try c.decode(Set<String>.self, forKey: .telephoneUnitCodes),
            persistentlyTargetedFlags: try c.decodeIfPresent(Set<CrimeFlag>.self, forKey: .persistentlyTargetedFlags)
                ?? standard.persistentlyTargetedFlags,
            bereavedFlags: try c.decodeIfPresent(Set<CrimeFlag>.self, forKey: .bereavedFlags) ?? standard.bereavedFlags,
            widerVictimsFrom: try c.decodeIfPresent(LocalDate.self, forKey: .widerVictimsFrom)
                ?? standard.widerVictimsFrom,
            suspectRiskFlags: try c.decodeIfPresent(Set<CrimeFlag>.self, forKey: .suspectRiskFlags)
                ?? standard.suspectRiskFlags)
    }
}

/// The figures an administrator changed, kept apart from the rules themselves: a saved version is these
/// changes applied to the rules table the code holds, so a rule added or corrected in the code reaches every
/// version (2026-11-30, issue 14: versions used to hold a whole copy of the table, which hid later fixes).
public struct PolicyAdjustments: Codable, Sendable, Hashable {
    public struct Limit: Codable, Sendable, Hashable {
        public var code: String
        public var trigger: ObligationTrigger
        public var standard: Int?
        public var enhanced: Int?

        public init(code: String, trigger: ObligationTrigger, standard: Int?, enhanced: Int?) {
            self.code = code
            self.trigger = trigger
            self.standard = standard
            self.enhanced = enhanced
        }
    }

    public var updateIntervalDays: Int?
    public var persistentlyTargetedThreshold: Int?
    public var limits: [Limit]

    public init(updateIntervalDays: Int? = nil, persistentlyTargetedThreshold: Int? = nil, limits: [Limit] = []) {
        self.updateIntervalDays = updateIntervalDays
        self.persistentlyTargetedThreshold = persistentlyTargetedThreshold
        self.limits = limits
    }

    /// The changes that turn `base` into `policy`, for the figures an administrator may change.
    public init(from policy: VictimsCodePolicy, base: VictimsCodePolicy = .standard) {
        self.init()
        if policy.updateIntervalDays != base.updateIntervalDays { updateIntervalDays = policy.updateIntervalDays }
        if policy.persistentlyTargetedThreshold != base.persistentlyTargetedThreshold {
            persistentlyTargetedThreshold = policy.persistentlyTargetedThreshold
        }
        for rule in policy.rules {
            guard let original = base.rules.first(where: { $0.code == rule.code && $0.trigger == rule.trigger })
            else { continue }
            let standard = rule.standard != original.standard ? rule.standard.number : nil
            let enhanced = rule.enhanced != original.enhanced ? rule.enhanced.number : nil
            if standard != nil || enhanced != nil {
                limits.append(Limit(code: rule.code, trigger: rule.trigger, standard: standard, enhanced: enhanced))
            }
        }
    }

    public var isEmpty: Bool { updateIntervalDays == nil && persistentlyTargetedThreshold == nil && limits.isEmpty }

    /// `base` with these changes; a limit for a rule the table no longer has is ignored.
    public func applied(to base: VictimsCodePolicy) -> VictimsCodePolicy {
        var policy = base
        if let updateIntervalDays {
            policy.updateIntervalDays = updateIntervalDays
            for index in policy.rules.indices where policy.rules[index].trigger == .updateInterval {
                policy.rules[index].standard = .calendarDays(updateIntervalDays)
                policy.rules[index].enhanced = .calendarDays(updateIntervalDays)
            }
        }
        if let persistentlyTargetedThreshold { policy.persistentlyTargetedThreshold = persistentlyTargetedThreshold }
        for limit in limits {
            for index in policy.rules.indices
            where policy.rules[index].code == limit.code && policy.rules[index].trigger == limit.trigger {
                if let n = limit.standard { policy.rules[index].standard = policy.rules[index].standard.with(n) }
                if let n = limit.enhanced { policy.rules[index].enhanced = policy.rules[index].enhanced.with(n) }
            }
        }
        return policy
    }

    /// These changes with `other`'s on top.
    public func merging(_ other: PolicyAdjustments) -> PolicyAdjustments {
        var result = self
        if let n = other.updateIntervalDays { result.updateIntervalDays = n }
        if let n = other.persistentlyTargetedThreshold { result.persistentlyTargetedThreshold = n }
        for limit in other.limits {
            if let index = result.limits.firstIndex(where: { $0.code == limit.code && $0.trigger == limit.trigger }) {
                if let n = limit.standard { result.limits[index].standard = n }
                if let n = limit.enhanced { result.limits[index].enhanced = n }
            } else {
                result.limits.append(limit)
            }
        }
        return result
    }
}

extension DeadlineLimit {
    /// The same kind of limit with a new number.
    public func with(_ n: Int) -> DeadlineLimit {
        switch self {
        case .workingDays: .workingDays(n)
        case .calendarDays: .calendarDays(n)
        case .hours: .hours(n)
        }
    }

    public var number: Int {
        switch self {
        case .workingDays(let n), .calendarDays(let n), .hours(let n): n
        }
    }

    public var unit: String {
        switch self {
        case .workingDays: "working days"
        case .calendarDays: "days"
        case .hours: "hours"
        }
    }
}
