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

extension ContactMethod {
    /// The kind of contact point this method uses: a number to call or text, an email address, a postal address;
    /// none for a visit or a video call (2026-11-30, issue 13).
    public var contactPointKind: ContactPointKind? {
        switch self {
        case .phone, .sms: .phone
        case .email: .email
        case .letter: .address
        case .inPerson, .video: nil
        }
    }

    /// Why `kind` cannot be the contact point of an attempt by this method, or nil when they agree. An inbound
    /// call (the victim called us) may leave the number out: it is not always known.
    public func mismatch(with kind: ContactPointKind?, inbound: Bool) -> String? {
        switch (contactPointKind, kind) {
        case (nil, nil): return nil
        case (nil, .some): return "\(label) uses no phone number or address: choose none"
        case (.some(let needed), nil):
            if inbound, self == .phone { return nil }
            switch needed {
            case .phone: return "Choose the number you \(self == .sms ? "texted" : "called")"
            case .email: return "Choose the email address you wrote to"
            case .address: return "Choose the address the letter went to"
            }
        case (.some(let needed), .some(let given)):
            return needed == given
                ? nil : "\(label) needs a \(needed.label.lowercased()), not a \(given.label.lowercased())"
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
