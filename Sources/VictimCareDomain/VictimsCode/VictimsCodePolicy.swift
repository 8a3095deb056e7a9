/// What raises an obligation.
public enum ObligationTrigger: String, Codable, Sendable, Hashable, CaseIterable {
    case crimeRecorded = "crime_recorded"
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
}

/// When a rule applies to a victim. Named conditions, so the rules table stays data.
public enum Applicability: String, Codable, Sendable, Hashable {
    case everyone
    case enhancedOnly = "enhanced_only"
    case explicitConsentCrimes = "explicit_consent_crimes"
    case sexualOrDomesticAbuse = "sexual_or_domestic_abuse"
    case bereaved
    case interpreterNeeded = "interpreter_needed"
    case referralNotDeclined = "referral_not_declined"
    case telephoneUnitCallBack = "telephone_unit_call_back"
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

    public func rules(for trigger: ObligationTrigger) -> [ObligationRule] { rules.filter { $0.trigger == trigger } }

    /// The Code as the domain file states it; assumed figures are marked in each rule's note.
    public static let standard = VictimsCodePolicy(
        rules: [
            ObligationRule(
                code: "R1", trigger: .crimeRecorded, right: 1,
                duty: "Offer free interpretation and translate essential documents",
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.interpreterNeeded],
                metBy: [.interpreterArranged],
                note: "The Code says 'at the time'; 1 working day assumed for recording it."),
            ObligationRule(
                code: "R3", trigger: .crimeRecorded, right: 1,
                duty: "Offer an interviewer of the gender the victim chooses",
                standard: .workingDays(5), enhanced: .workingDays(1), appliesTo: [.sexualOrDomesticAbuse],
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
                standard: .workingDays(1), enhanced: .workingDays(1), metBy: [.informationLeaflet],
                note: "The Code says 'at reporting'; 1 working day assumed."),
            ObligationRule(
                code: "R6", trigger: .crimeRecorded, right: 4,
                duty: "Complete the Victim Needs Assessment, including enhanced-rights eligibility",
                standard: .workingDays(1), enhanced: .workingDays(1), metBy: [.needsAssessment],
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
                standard: .workingDays(5), enhanced: .workingDays(1), metBy: [.vpsOffered],
                note: "The Code says 'at reporting / witness statement'; limits assumed."),
            ObligationRule(
                code: "R17", trigger: .crimeRecorded, right: 6, duty: "Assign a Family Liaison Officer",
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.bereaved],
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
                standard: .workingDays(1), enhanced: .workingDays(1), appliesTo: [.enhancedOnly],
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
