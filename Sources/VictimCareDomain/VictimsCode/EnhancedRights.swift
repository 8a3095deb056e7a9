/// The four grounds for enhanced rights ("priority" victims).
public enum EnhancedGround: String, Labelled, Comparable {
    case mostSeriousCrime = "most_serious_crime"
    case persistentlyTargeted = "persistently_targeted"
    case vulnerable
    case intimidated

    public var label: String {
        switch self {
        case .mostSeriousCrime: "Victim of the most serious crime"
        case .persistentlyTargeted: "Persistently targeted"
        case .vulnerable: "Vulnerable"
        case .intimidated: "Intimidated"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// What the system knows about a victim when deciding enhanced rights.
public struct EnhancedRightsInput: Sendable {
    public var offenceIsMostSerious: Bool
    public var flags: Set<CrimeFlag>
    public var occurredOn: LocalDate
    public var reportedOn: LocalDate
    public var dateOfBirth: LocalDate?
    public var assessment: NeedsAssessment?
    /// Crimes in which this person was a victim, reported in the policy's look-back window (this one included).
    public var recentVictimisations: Int
    /// The day the decision is made (a rule in force "since" a date applies to decisions from then, whenever
    /// the crime was reported). Nil: the day of the report.
    public var assessedOn: LocalDate?
    /// Grounds a supervisor recorded as not holding for this victim although the crime would make them
    /// automatic, with the reason (persistently targeted for a harassment victim who was not, for example).
    public var groundExceptions: [EnhancedGround: String]
    /// A business is owed the services but has no enhanced rights.
    public var business: Bool

    public init(
        offenceIsMostSerious: Bool, flags: Set<CrimeFlag>, occurredOn: LocalDate, reportedOn: LocalDate,
        dateOfBirth: LocalDate?, assessment: NeedsAssessment?, recentVictimisations: Int, assessedOn: LocalDate? = nil,
        groundExceptions: [EnhancedGround: String] = [:], business: Bool = false
    ) {
        self.offenceIsMostSerious = offenceIsMostSerious
        self.flags = flags
        self.occurredOn = occurredOn
        self.reportedOn = reportedOn
        self.dateOfBirth = dateOfBirth
        self.assessment = assessment
        self.recentVictimisations = recentVictimisations
        self.assessedOn = assessedOn
        self.groundExceptions = groundExceptions
        self.business = business
    }
}

/// The decision: which grounds hold and why, what the officer should consider, and special measures.
public struct EnhancedRightsDecision: Sendable, Equatable {
    /// Each ground that holds, with the reasons in plain words.
    public var grounds: [EnhancedGround: [String]]
    /// Grounds the officer should consider recording (not decided automatically).
    public var suggestions: [String]
    /// Automatic grounds a supervisor recorded as not holding, with their reasons.
    public var exceptions: [EnhancedGround: String] = [:]
    public var section16: Bool
    public var section17: Bool
    public var section28: Bool

    public var enhanced: Bool { !grounds.isEmpty }
    public var groundList: [EnhancedGround] { grounds.keys.sorted() }
    /// Eligible victims should be identified early so an Achieving Best Evidence video-recorded interview is considered.
    public var considerVideoInterview: Bool { section16 || section17 }
}

public enum EnhancedRights {
    public static func assess(_ input: EnhancedRightsInput, policy: VictimsCodePolicy) -> EnhancedRightsDecision {
        var grounds: [EnhancedGround: [String]] = [:]
        var suggestions: [String] = []
        var exceptions: [EnhancedGround: String] = [:]
        guard !input.business else {
            return EnhancedRightsDecision(
                grounds: [:], suggestions: [], section16: false, section17: false, section28: false)
        }
        let a = input.assessment
        let decidedOn = input.assessedOn ?? input.reportedOn

        if input.offenceIsMostSerious {
            grounds[.mostSeriousCrime, default: []].append("The offence is one of the most serious crimes")
        }
        for flag in input.flags.sorted() where policy.mostSeriousFlags.contains(flag) {
            grounds[.mostSeriousCrime, default: []].append("\(flag.label) is a most serious crime")
        }
        if a?.bereavedRelative == true { grounds[.mostSeriousCrime, default: []].append("Bereaved close relative") }

        // Harassment and stalking victims are persistently targeted without being asked (2026-11-30, issue 14),
        // unless a supervisor recorded why not; the officer's own answer in the assessment always counts.
        for flag in input.flags.sorted() where policy.persistentlyTargetedFlags.contains(flag) {
            if let reason = input.groundExceptions[.persistentlyTargeted] {
                exceptions[.persistentlyTargeted] = reason
            } else {
                grounds[.persistentlyTargeted, default: []].append("A victim of \(flag.label.lowercased())")
            }
        }
        if a?.persistentlyTargeted == true {
            grounds[.persistentlyTargeted, default: []].append("Recorded in the needs assessment")
        } else if grounds[.persistentlyTargeted] == nil,
            input.recentVictimisations >= policy.persistentlyTargetedThreshold
        {
            suggestions.append(
                "A victim in \(input.recentVictimisations) crimes in the last \(policy.persistentlyTargetedWindowDays) days: consider whether they are persistently targeted."
            )
        }

        // Section 16 is a closed list: under 18, or one of its three conditions (2026-11-30, issue 14: "another
        // reason" made the victim vulnerable).
        if let dob = input.dateOfBirth, dob.age(on: input.occurredOn) < 18 {
            grounds[.vulnerable, default: []].append("Under 18 at the time of the offence")
        }
        for factor in (a?.vulnerability ?? []).sorted(by: { $0.rawValue < $1.rawValue }) where factor != .other {
            grounds[.vulnerable, default: []].append(factor.label)
        }
        if a?.vulnerability.contains(.other) == true, grounds[.vulnerable] == nil {
            suggestions.append(
                "Recorded as vulnerable for another reason: section 16 covers only under-18s, a mental disorder, an impairment of intelligence and social functioning, or a physical disability or disorder. Consider whether they are intimidated (section 17)."
            )
        }

        if a?.intimidated == true {
            grounds[.intimidated, default: []].append(
                "Fear or distress about testifying (recorded in the needs assessment)")
        }
        // A rule in force from a date applies to every decision made from then (2026-11-30, issue 14: it was
        // keyed on the report date, so a report from before the date was never covered).
        for rule in policy.automaticallyIntimidated where input.flags.contains(rule.flag) {
            if let from = rule.from, decidedOn < from { continue }
            grounds[.intimidated, default: []].append("\(rule.flag.label): automatically intimidated")
        }

        let vulnerable = grounds[.vulnerable] != nil
        let intimidated = grounds[.intimidated] != nil
        let sexualOrSlavery = input.flags.contains(.sexualOffence) || input.flags.contains(.modernSlavery)
        var decision = EnhancedRightsDecision(
            grounds: grounds, suggestions: suggestions, section16: vulnerable, section17: intimidated,
            section28: vulnerable || (intimidated && sexualOrSlavery))
        decision.exceptions = exceptions
        return decision
    }

    /// The decision over the life of a case: at the victim's start (with the assessment in force then, if
    /// any), then at each later assessment. Worked out from the facts, so a change to the rules moves the
    /// history too, not only today's answer (2026-11-30, issue 14).
    public static func timeline(
        _ input: EnhancedRightsInput, start: Double, assessments: [(at: Double, assessment: NeedsAssessment)],
        policy: VictimsCodePolicy
    ) -> [(at: Double, decision: EnhancedRightsDecision)] {
        let ordered = assessments.sorted { $0.at < $1.at }
        var first = input
        first.assessment = ordered.last(where: { $0.at <= start })?.assessment
        first.assessedOn = LondonClock.localDate(epochSeconds: start)
        var result = [(at: start, decision: assess(first, policy: policy))]
        // Later points: each assessment, and each day a rule "from a date" came into force after the start.
        var points = ordered.filter { $0.at > start }.map { (at: $0.at, assessment: Optional($0.assessment)) }
        for rule in policy.automaticallyIntimidated where input.flags.contains(rule.flag) {
            guard let from = rule.from else { continue }
            let at = LondonClock.startOfDay(from)
            if at > start { points.append((at, ordered.last(where: { $0.at <= at })?.assessment)) }
        }
        for point in points.sorted(by: { $0.at < $1.at }) {
            var later = input
            later.assessment = point.assessment
            later.assessedOn = LondonClock.localDate(epochSeconds: point.at)
            result.append((point.at, assess(later, policy: policy)))
        }
        return result
    }

    /// The changes in enhanced status a timeline makes, as the engine reads them.
    public static func history(_ timeline: [(at: Double, decision: EnhancedRightsDecision)]) -> [(
        at: Double, enhanced: Bool
    )] {
        var result: [(at: Double, enhanced: Bool)] = []
        for entry in timeline where result.last?.enhanced != entry.decision.enhanced {
            result.append((entry.at, entry.decision.enhanced))
        }
        return result
    }
}
