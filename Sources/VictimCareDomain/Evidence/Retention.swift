import Foundation

/// When a recording's retention is reviewed, after the Management of Police Information groups (APP,
/// Information management: retention, review and disposal): group 1, certain public protection matters (the most
/// serious offences, sexual and violent offences against vulnerable people), is kept and reviewed every 10 years;
/// group 2, other sexual, violent or serious offences, is reviewed 10 years on; group 3, everything else, 6 years
/// on. The force decides at the review; nothing here deletes.
public enum RetentionGroup: Int, Sendable, CaseIterable {
    case publicProtection = 1
    case sexualViolentSerious = 2
    case other = 3

    public var label: String {
        switch self {
        case .publicProtection: "Group 1: certain public protection matters (kept; reviewed every 10 years)"
        case .sexualViolentSerious: "Group 2: other sexual, violent or serious offences (reviewed after 10 years)"
        case .other: "Group 3: all other offences (reviewed after 6 years)"
        }
    }

    public var reviewYears: Int { self == .other ? 6 : 10 }

    /// The group for a crime: most serious offences and any with a domestic abuse, sexual or hate flag among
    /// `flags` are group 1 or 2; the rest group 3.
    public static func of(mostSerious: Bool, sexualOrViolent: Bool, vulnerableVictim: Bool) -> RetentionGroup {
        if mostSerious || (sexualOrViolent && vulnerableVictim) { return .publicProtection }
        if sexualOrViolent { return .sexualViolentSerious }
        return .other
    }

    public func reviewDate(from start: LocalDate) -> LocalDate {
        start.adding(months: reviewYears * 12)
    }
}
