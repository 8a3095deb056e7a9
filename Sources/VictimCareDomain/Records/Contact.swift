/// How a victim wants to be contacted (the Victims' Code: contact by the victim's preferred method).
public enum ContactMethod: String, Labelled {
    case phone
    case email
    case sms
    case letter
    case inPerson = "in_person"
    case video

    public var label: String {
        switch self {
        case .phone: "Phone call"
        case .email: "Email"
        case .sms: "Text message"
        case .letter: "Letter"
        case .inPerson: "In person"
        case .video: "Video call"
        }
    }
}

/// A kind of contact point on a person. Each point is marked safe or not safe to use.
public enum ContactPointKind: String, Labelled {
    case phone
    case email
    case address

    public var label: String {
        switch self {
        case .phone: "Phone"
        case .email: "Email"
        case .address: "Postal address"
        }
    }
}

/// How the crime was reported.
public enum ReportingChannel: String, Labelled {
    case online
    case telephone
    case inPerson = "in_person"
    case emergency = "999"
    case nonEmergency = "101"

    public var label: String {
        switch self {
        case .online: "Online"
        case .telephone: "Telephone"
        case .inPerson: "In person"
        case .emergency: "999"
        case .nonEmergency: "101"
        }
    }
}
