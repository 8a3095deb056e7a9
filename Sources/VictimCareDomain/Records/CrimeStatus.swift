/// Where an investigation stands. Open statuses keep the regular update obligation running.
public enum CrimeStatus: String, Labelled {
    case recorded
    case underInvestigation = "under_investigation"
    case suspectCharged = "suspect_charged"
    case awaitingDecision = "awaiting_decision"
    case closed

    public var label: String {
        switch self {
        case .recorded: "Recorded"
        case .underInvestigation: "Under investigation"
        case .suspectCharged: "Suspect charged"
        case .awaitingDecision: "Awaiting a charging decision"
        case .closed: "Closed"
        }
    }

    public var isOpen: Bool { self != .closed }
}

/// Where a piece of property is, with the date of each change kept on the object.
public enum CustodyStatus: String, Labelled {
    case stolen
    case seized
    case held
    case returnedToOwner = "returned_to_owner"

    public var label: String {
        switch self {
        case .stolen: "Stolen (not recovered)"
        case .seized: "Seized"
        case .held: "Held by police"
        case .returnedToOwner: "Returned to owner"
        }
    }
}
