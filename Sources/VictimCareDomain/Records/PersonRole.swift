/// A person's part in an event (the POLE link between a Person and an Event).
public enum PersonRole: String, Labelled {
    case victim
    case witness
    case suspect
    case reportingPerson = "reporting_person"
    case parentOrGuardian = "parent_guardian"
    case representative

    public var label: String {
        switch self {
        case .victim: "Victim"
        case .witness: "Witness"
        case .suspect: "Suspect"
        case .reportingPerson: "Reporting person"
        case .parentOrGuardian: "Parent or guardian"
        case .representative: "Representative or family spokesperson"
        }
    }
}

/// An object's part in an event.
public enum PropertyRole: String, Labelled {
    case stolen
    case damaged
    case seized
    case recovered
    case used = "used_in_offence"

    public var label: String {
        switch self {
        case .stolen: "Stolen"
        case .damaged: "Damaged"
        case .seized: "Seized as evidence"
        case .recovered: "Recovered"
        case .used: "Used in the offence"
        }
    }
}

/// A place's part in an event.
public enum LocationRole: String, Labelled {
    case scene
    case victimHome = "victim_home"
    case suspectHome = "suspect_home"
    case recovery = "recovery_place"
    case other

    public var label: String {
        switch self {
        case .scene: "Scene of the offence"
        case .victimHome: "Victim's home"
        case .suspectHome: "Suspect's home"
        case .recovery: "Where property was recovered"
        case .other: "Other"
        }
    }
}
