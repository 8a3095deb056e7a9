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
/// and where the suspect may see the victim's messages (or nobody has asked, on a crime where they are likely
/// to), nothing goes until an officer has recorded that it is safe.
public enum SafetyGate {
    public struct Facts: Sendable {
        public var channel: MessageChannel
        /// The person the contact point belongs to, and the victim's person: they must be the same.
        public var contactPointOwner: String?
        public var victimPerson: String
        public var contactPointKind: ContactPointKind?
        public var contactPointSafe: Bool
        public var optedOut: Bool
        /// Why a suspect is likely to see the victim's messages (domestic abuse, stalking, a suspect the victim
        /// knows), or nil.
        public var suspectRisk: String?
        /// The needs assessment's answer: the suspect may see the messages; nil when not asked.
        public var suspectMaySeeMessages: Bool?
        public var clearedAsSafe: Bool
        public var body: String
        /// Words an SMS must not contain: the offence, the victim's names, the crime reference.
        public var sensitiveWords: [String]

        public init(
            channel: MessageChannel, contactPointOwner: String?, victimPerson: String,
            contactPointKind: ContactPointKind?, contactPointSafe: Bool, optedOut: Bool, suspectRisk: String?,
            suspectMaySeeMessages: Bool?, clearedAsSafe: Bool, body: String, sensitiveWords: [String]
        ) {
            self.channel = channel
            self.contactPointOwner = contactPointOwner
            self.victimPerson = victimPerson
            self.contactPointKind = contactPointKind
            self.contactPointSafe = contactPointSafe
            self.optedOut = optedOut
            self.suspectRisk = suspectRisk
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
        // Any crime, not only domestic abuse (2026-11-30, issue 14).
        if !f.clearedAsSafe {
            if f.suspectMaySeeMessages == true {
                return .hold("The suspect may see the victim's messages; an officer must record that it is safe")
            }
            if f.suspectMaySeeMessages == nil, let risk = f.suspectRisk {
                return .hold(
                    "\(risk): nobody has asked whether the suspect can see the victim's messages; an officer must record that it is safe"
                )
            }
        }
        return .send
    }

    /// The first sensitive word (two letters or more) the body contains as a whole word, ignoring case: "Tom"
    /// is in "Tom, call us" but not in "tomorrow".
    static func leaked(_ body: String, _ words: [String]) -> String? {
        let text = body.lowercased()
        for word in words {
            let w = word.trimmingWhitespace().lowercased()
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

/// Whether a suspect is likely to see or hear what is sent to a victim, and so whether a new contact point is
/// safe until someone says otherwise (2026-11-30, issue 14: only domestic abuse counted).
public enum ContactSafety {
    /// Why a suspect is likely to see the victim's messages, or nil.
    public static func suspectRisk(flags: Set<CrimeFlag>, suspectKnown: Bool, policy: VictimsCodePolicy) -> String? {
        if let flag = flags.sorted().first(where: { policy.suspectRiskFlags.contains($0) }) { return flag.label }
        if suspectKnown { return "The victim knows the suspect" }
        return nil
    }

    /// A contact point typed for a victim of such a crime is not safe until an officer marks it so.
    public static func safeByDefault(flags: Set<CrimeFlag>, suspectKnown: Bool, policy: VictimsCodePolicy) -> Bool {
        suspectRisk(flags: flags, suspectKnown: suspectKnown, policy: policy) == nil
    }
}

/// Referral to the support service: every victim unless they opt out, except where the Code asks for explicit
/// consent first (R7a), where only a yes refers (2026-11-30, issue 14: referral was opt-in for everyone).
public enum ReferralPolicy {
    public static func shouldRefer(consent: ReferralConsent, explicitConsentNeeded: Bool) -> Bool {
        switch consent {
        case .yes: true
        case .no: false
        case .notAsked: !explicitConsentNeeded
        }
    }
}
