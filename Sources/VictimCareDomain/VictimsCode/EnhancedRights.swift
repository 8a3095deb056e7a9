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

    public init(
        offenceIsMostSerious: Bool, flags: Set<CrimeFlag>, occurredOn: LocalDate, reportedOn: LocalDate,
        dateOfBirth: LocalDate?, assessment: NeedsAssessment?, recentVictimisations: Int
    ) {
        self.offenceIsMostSerious = offenceIsMostSerious
        self.flags = flags
        self.occurredOn = occurredOn
        self.reportedOn = reportedOn
        self.dateOfBirth = dateOfBirth
        self.assessment = assessment
        self.recentVictimisations = recentVictimisations
    }
}

/// The decision: which grounds hold and why, what the officer should consider, and special measures.
public struct EnhancedRightsDecision: Sendable, Equatable {
    /// Each ground that holds, with the reasons in plain words.
    public var grounds: [EnhancedGround: [String]]
    /// Grounds the officer should consider recording (not decided automatically).
    public var suggestions: [String]
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
        let a = input.assessment

        if input.offenceIsMostSerious {
            grounds[.mostSeriousCrime, default: []].append("The offence is one of the most serious crimes")
        }
        for flag in input.flags.sorted() where policy.mostSeriousFlags.contains(flag) {
            grounds[.mostSeriousCrime, default: []].append("\(flag.label) is a most serious crime")
        }
        if a?.bereavedRelative == true { grounds[.mostSeriousCrime, default: []].append("Bereaved close relative") }

        if a?.persistentlyTargeted == true {
            grounds[.persistentlyTargeted, default: []].append("Recorded in the needs assessment")
        } else {
            if input.recentVictimisations >= policy.persistentlyTargetedThreshold {
                suggestions.append(
                    "A victim in \(input.recentVictimisations) crimes in the last \(policy.persistentlyTargetedWindowDays) days: consider whether they are persistently targeted."
                )
            }
            if input.flags.contains(.harassmentOrStalking) {
                suggestions.append(
                    "Victims of harassment or stalking are usually persistently targeted: consider recording it.")
            }
        }

        if let dob = input.dateOfBirth, dob.age(on: input.occurredOn) < 18 {
            grounds[.vulnerable, default: []].append("Under 18 at the time of the offence")
        }
        for factor in (a?.vulnerability ?? []).sorted(by: { $0.rawValue < $1.rawValue }) {
            grounds[.vulnerable, default: []].append(factor.label)
        }

        if a?.intimidated == true {
            grounds[.intimidated, default: []].append(
                "Fear or distress about testifying (recorded in the needs assessment)")
        }
        for rule in policy.automaticallyIntimidated where input.flags.contains(rule.flag) {
            if let from = rule.from, input.reportedOn < from { continue }
            grounds[.intimidated, default: []].append("\(rule.flag.label): automatically intimidated")
        }

        let vulnerable = grounds[.vulnerable] != nil
        let intimidated = grounds[.intimidated] != nil
        let sexualOrSlavery = input.flags.contains(.sexualOffence) || input.flags.contains(.modernSlavery)
        return EnhancedRightsDecision(
            grounds: grounds, suggestions: suggestions, section16: vulnerable, section17: intimidated,
            section28: vulnerable || (intimidated && sexualOrSlavery))
    }
}
