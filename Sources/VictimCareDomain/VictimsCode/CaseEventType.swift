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
    /// A closed case is investigated again (a new line of enquiry, a later arrest).
    case caseReopened = "case_reopened"
    /// After charge the Witness Care Unit takes over keeping the victim updated: the police's regular
    /// update (R15) stops until the case comes back (2026-11-30, issue 14: the hand-over is explicit, a charge
    /// alone stops nothing).
    case witnessCareHandover = "witness_care_handover"
    /// The Witness Care Unit hands the victim back to the investigating team; the regular update resumes.
    case witnessCareHandback = "witness_care_handback"

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
        case .caseReopened: "Case reopened"
        case .witnessCareHandover: "Handed over to the Witness Care Unit"
        case .witnessCareHandback: "Handed back by the Witness Care Unit"
        }
    }

    /// The crime status this event moves the case to, if any.
    public var resultingStatus: CrimeStatus? {
        switch self {
        case .charged: .suspectCharged
        case .caseClosed, .decisionNotToInvestigate: .closed
        case .decisionNotToProsecute, .outOfCourtDisposal, .releasedNFA: nil
        case .suspectArrested, .suspectInterviewed, .bail, .releasedUnderInvestigation, .bailConditionsChanged,
            .caseReopened:
            .underInvestigation
        case .propertyReadyForReturn, .witnessCareHandover, .witnessCareHandback: nil
        }
    }
}

/// Police ranks in order, for rules such as "the reviewer must be Detective Inspector or above". Detective and
/// uniformed ranks of the same level are one rank; acting and temporary ranks count as the rank held
/// (2026-11-30, issue 14: ranks were matched as exact strings, so "Detective Inspector" and "A/DI" failed).
public enum Rank: Int, Comparable, CaseIterable, Sendable {
    case constable = 1
    case sergeant
    case inspector
    case chiefInspector
    case superintendent
    case chiefSuperintendent
    /// Commander (Metropolitan Police) or Assistant Chief Constable.
    case commander
    /// Deputy Assistant Commissioner or Deputy Chief Constable.
    case deputy
    /// Assistant Commissioner or Chief Constable.
    case chief
    case deputyCommissioner
    case commissioner

    public static func < (a: Rank, b: Rank) -> Bool { a.rawValue < b.rawValue }

    public var label: String {
        switch self {
        case .constable: "Constable"
        case .sergeant: "Sergeant"
        case .inspector: "Inspector"
        case .chiefInspector: "Chief Inspector"
        case .superintendent: "Superintendent"
        case .chiefSuperintendent: "Chief Superintendent"
        case .commander: "Commander / Assistant Chief Constable"
        case .deputy: "Deputy Assistant Commissioner / Deputy Chief Constable"
        case .chief: "Assistant Commissioner / Chief Constable"
        case .deputyCommissioner: "Deputy Commissioner"
        case .commissioner: "Commissioner"
        }
    }

    /// Every way the rank is written, after the acting or detective prefix is taken off, in lower case.
    static let names: [String: Rank] = {
        let table: [(Rank, [String])] = [
            (.constable, ["pc", "c", "constable", "police constable", "wpc", "dc", "det con"]),
            (.sergeant, ["ps", "s", "sgt", "sergeant", "police sergeant", "ds", "det sgt"]),
            (.inspector, ["i", "insp", "inspector", "di", "det insp"]),
            (.chiefInspector, ["ci", "ch insp", "chief insp", "chief inspector", "dci", "det ch insp"]),
            (.superintendent, ["supt", "superintendent", "dsupt", "det supt"]),
            (
                .chiefSuperintendent,
                ["ch supt", "chief supt", "csupt", "chief superintendent", "det ch supt", "dcs"]
            ),
            (.commander, ["cdr", "cmdr", "commander", "acc", "assistant chief constable"]),
            (.deputy, ["dac", "deputy assistant commissioner", "dcc", "deputy chief constable"]),
            (.chief, ["ac", "assistant commissioner", "cc", "chief constable"]),
            (.deputyCommissioner, ["dep commr", "deputy commissioner"]),
            (.commissioner, ["commr", "commissioner"]),
        ]
        var names: [String: Rank] = [:]
        for (rank, list) in table { for name in list { names[name] = rank } }
        return names
    }()

    /// The rank a free-text entry names ("A/DI", "T/Det Supt", "Acting Inspector", "Detective Chief
    /// Inspector"), or nil when it names none.
    public init?(parsing raw: String?) {
        guard var text = raw?.lowercased() else { return nil }
        text = text.replacingOccurrences(of: ".", with: " ").replacingOccurrences(of: "/", with: "/ ")
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "-" }).map(String.init)
        // Acting and temporary ranks count as the rank held.
        while let first = words.first, ["a/", "t/", "acting", "temporary", "temp", "act"].contains(first) {
            words.removeFirst()
        }
        guard !words.isEmpty else { return nil }
        // "Detective Inspector" is an Inspector; "Det Supt" and "DSupt" are in the table as written.
        if let first = words.first, ["detective", "det", "d", "d/"].contains(first), words.count > 1 {
            let rest = words.dropFirst().joined(separator: " ")
            if let rank = Rank.names[rest] {
                self = rank
                return
            }
        }
        guard let rank = Rank.names[words.joined(separator: " ")] else { return nil }
        self = rank
    }

    public static func isInspectorOrAbove(_ rank: String?) -> Bool {
        (Rank(parsing: rank) ?? .constable) >= .inspector
    }
}
