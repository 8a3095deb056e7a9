import Foundation

/// Things that happen in a case that change what a victim is owed. The raw values are the integration
/// contract's `type` names.
public enum CaseEventType: String, Labelled {
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
    case caseClosed = "case_closed"

    public var label: String {
        switch self {
        case .decisionNotToInvestigate: "Decision not to investigate"
        case .suspectArrested: "Suspect arrested"
        case .suspectInterviewed: "Suspect interviewed under caution"
        case .releasedNFA: "Suspect released with no further action"
        case .bail: "Suspect released on bail"
        case .releasedUnderInvestigation: "Suspect released under investigation"
        case .bailConditionsChanged: "Bail conditions changed or cancelled"
        case .charged: "Suspect charged"
        case .outOfCourtDisposal: "Out-of-court disposal"
        case .decisionNotToProsecute: "Decision not to prosecute"
        case .propertyReadyForReturn: "Property ready to return"
        case .caseClosed: "Case closed"
        }
    }

    /// The crime status this event moves the case to, if any.
    public var resultingStatus: CrimeStatus? {
        switch self {
        case .charged: .suspectCharged
        case .caseClosed, .decisionNotToInvestigate: .closed
        case .decisionNotToProsecute, .outOfCourtDisposal, .releasedNFA: nil
        case .suspectArrested, .suspectInterviewed, .bail, .releasedUnderInvestigation, .bailConditionsChanged:
            .underInvestigation
        case .propertyReadyForReturn: nil
        }
    }
}

/// Police ranks in order, for rules such as "the reviewer must be Detective Inspector or above".
public enum Rank {
    /// Each rank's level; detective and uniformed ranks of the same level share it.
    static let levels: [String: Int] = [
        "pc": 1, "dc": 1, "ps": 2, "ds": 2, "insp": 3, "inspector": 3, "di": 3, "ci": 4, "dci": 4, "chief inspector": 4,
        "supt": 5, "det supt": 5, "superintendent": 5, "ch supt": 6, "det ch supt": 6, "chief superintendent": 6,
        "cdr": 7, "commander": 7, "dac": 8, "ac": 9, "commissioner": 10,
    ]

    public static func level(_ rank: String?) -> Int {
        guard let rank else { return 0 }
        return levels[rank.lowercased().trimmingCharacters(in: .whitespaces)] ?? 0
    }

    public static func isInspectorOrAbove(_ rank: String?) -> Bool { level(rank) >= 3 }
}
