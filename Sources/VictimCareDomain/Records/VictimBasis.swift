/// Why a person linked to a crime is owed the Victims' Code (2026-11-30, issue 14). Most are harmed directly;
/// the Victims and Prisoners Act 2024 s.1 widened the Code from 29 January 2025 to people who saw, heard or
/// directly experienced the offence, people born as a result of it and children in a household where there is
/// domestic abuse; a business receives the services when it names a point of contact.
public enum VictimBasis: String, Labelled {
    case direct
    case sawOrHeard = "saw_or_heard"
    case bornOfOffence = "born_of_offence"
    case childInAbusiveHousehold = "child_domestic_abuse_household"
    case business

    public var label: String {
        switch self {
        case .direct: "Harmed by the offence"
        case .sawOrHeard: "Saw, heard or directly experienced the offence"
        case .bornOfOffence: "Born as a result of the offence"
        case .childInAbusiveHousehold: "A child in a household where there is domestic abuse"
        case .business: "A business, with a named point of contact"
        }
    }

    /// Added by the Victims and Prisoners Act 2024, so owed the Code only from the date the policy names.
    public var widerVictim: Bool { self == .sawOrHeard || self == .bornOfOffence || self == .childInAbusiveHousehold }

    /// Why this basis cannot be recorded for a victim who became one on `day` of a crime with these flags, or nil.
    public func problem(flags: Set<CrimeFlag>, on day: LocalDate, policy: VictimsCodePolicy) -> String? {
        if widerVictim, day < policy.widerVictimsFrom {
            return
                "Before \(policy.widerVictimsFrom.description) the Code counts only people harmed directly; link them as a witness"
        }
        if self == .childInAbusiveHousehold, !flags.contains(.domesticAbuse) {
            return
                "A child in an abusive household is a victim of a domestic abuse crime; mark the crime as domestic abuse first"
        }
        return nil
    }
}
