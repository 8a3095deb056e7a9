/// Flags on a crime that change what a victim is owed (enhanced rights, consent, safe contact).
public enum CrimeFlag: String, Labelled, Comparable {
    case domesticAbuse = "domestic_abuse"
    case hateCrime = "hate_crime"
    case sexualOffence = "sexual_offence"
    case terrorism
    case modernSlavery = "modern_slavery"
    case harassmentOrStalking = "harassment_stalking"
    case gunOrKnife = "gun_knife"
    case homicide
    case childVictim = "child_victim"

    public var label: String {
        switch self {
        case .domesticAbuse: "Domestic abuse"
        case .hateCrime: "Hate crime"
        case .sexualOffence: "Sexual offence"
        case .terrorism: "Terrorism"
        case .modernSlavery: "Modern slavery or human trafficking"
        case .harassmentOrStalking: "Harassment or stalking"
        case .gunOrKnife: "Gun or knife offence"
        case .homicide: "Homicide (bereaved family)"
        case .childVictim: "Child victim"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Flags are stored as one delimited string (`,a,b,`) so a plain `LIKE '%,a,%'` finds them on SQLite and PostgreSQL.
public enum CrimeFlags {
    public static func encode(_ flags: Set<CrimeFlag>) -> String {
        flags.isEmpty ? "" : "," + flags.sorted().map(\.rawValue).joined(separator: ",") + ","
    }

    public static func decode(_ stored: String) -> Set<CrimeFlag> {
        Set(stored.split(separator: ",").compactMap { CrimeFlag(rawValue: String($0)) })
    }
}
