import Foundation

/// The channels a message to a victim can go by.
public enum MessageChannel: String, Labelled {
    case email
    case sms
    case letter

    public var label: String {
        switch self {
        case .email: "Email"
        case .sms: "Text message"
        case .letter: "Letter"
        }
    }

    /// The kind of contact point each channel needs.
    public var contactPointKind: ContactPointKind {
        switch self {
        case .email: .email
        case .sms: .phone
        case .letter: .address
        }
    }
}

/// The one check every outbound message passes before anything is sent: the contact point belongs to the
/// victim, is marked safe and the victim has not opted out; an SMS never names the offence or the victim;
/// and where the crime is domestic abuse and the suspect may see the victim's messages, nothing goes until an
/// officer has recorded that it is safe.
public enum SafetyGate {
    public struct Facts: Sendable {
        public var channel: MessageChannel
        /// The person the contact point belongs to, and the victim's person: they must be the same.
        public var contactPointOwner: String?
        public var victimPerson: String
        public var contactPointKind: ContactPointKind?
        public var contactPointSafe: Bool
        public var optedOut: Bool
        public var domesticAbuse: Bool
        public var suspectMaySeeMessages: Bool
        public var clearedAsSafe: Bool
        public var body: String
        /// Words an SMS must not contain: the offence, the victim's names, the crime reference.
        public var sensitiveWords: [String]

        public init(
            channel: MessageChannel, contactPointOwner: String?, victimPerson: String,
            contactPointKind: ContactPointKind?, contactPointSafe: Bool, optedOut: Bool, domesticAbuse: Bool,
            suspectMaySeeMessages: Bool, clearedAsSafe: Bool, body: String, sensitiveWords: [String]
        ) {
            self.channel = channel
            self.contactPointOwner = contactPointOwner
            self.victimPerson = victimPerson
            self.contactPointKind = contactPointKind
            self.contactPointSafe = contactPointSafe
            self.optedOut = optedOut
            self.domesticAbuse = domesticAbuse
            self.suspectMaySeeMessages = suspectMaySeeMessages
            self.clearedAsSafe = clearedAsSafe
            self.body = body
            self.sensitiveWords = sensitiveWords
        }
    }

    public enum Decision: Sendable, Equatable {
        case send
        /// Held until an officer records that messaging is safe; then checked again.
        case hold(String)
        /// Never sent.
        case refuse(String)
    }

    public static func check(_ f: Facts) -> Decision {
        guard let owner = f.contactPointOwner else {
            return .refuse("There is no \(f.channel.contactPointKind.label.lowercased()) recorded for the victim")
        }
        guard owner == f.victimPerson else { return .refuse("The contact point does not belong to the victim") }
        guard f.contactPointKind == f.channel.contactPointKind else {
            return .refuse("A \(f.channel.label.lowercased()) needs a \(f.channel.contactPointKind.label.lowercased())")
        }
        guard f.contactPointSafe else { return .refuse("The contact point is not marked safe to use") }
        guard !f.optedOut else { return .refuse("The victim has opted out of messages") }
        if f.channel == .sms, let word = leaked(f.body, f.sensitiveWords) {
            return .refuse("A text message must not name the offence or the victim (it contained \"\(word)\")")
        }
        if f.domesticAbuse && f.suspectMaySeeMessages && !f.clearedAsSafe {
            return .hold(
                "Domestic abuse: the suspect may see the victim's messages; an officer must record that it is safe")
        }
        return .send
    }

    /// The first sensitive word (two letters or more) the body contains as a whole word, ignoring case: "Tom"
    /// is in "Tom, call us" but not in "tomorrow".
    static func leaked(_ body: String, _ words: [String]) -> String? {
        let text = body.lowercased()
        for word in words {
            let w = word.trimmingCharacters(in: .whitespaces).lowercased()
            guard w.count >= 2 else { continue }
            var searchFrom = text.startIndex
            while let range = text.range(of: w, range: searchFrom..<text.endIndex) {
                let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
                let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
                let boundaryBefore = before.map { !($0.isLetter || $0.isNumber) } ?? true
                let boundaryAfter = after.map { !($0.isLetter || $0.isNumber) } ?? true
                if boundaryBefore && boundaryAfter { return word }
                searchFrom = text.index(after: range.lowerBound)
            }
        }
        return nil
    }

    /// The only SMS body VictimCare sends: it says nothing a suspect reading the phone could use.
    public static func smsBody(link: String) -> String {
        "A message from the police about your report: \(link)"
    }

    /// A one-time code for the victim's case page: the code and how long it lasts, nothing else.
    public static func smsCodeBody(code: String, minutes: Int) -> String {
        "Your code from the police is \(code). It works for \(minutes) minutes. Do not share it."
    }
}
