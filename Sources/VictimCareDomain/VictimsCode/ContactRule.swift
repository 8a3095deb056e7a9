/// How an attempt to reach a victim went.
public enum ContactOutcome: String, Labelled {
    case spokeToVictim = "spoke_to_victim"
    case spokeToRepresentative = "spoke_to_representative"
    case voicemailLeft = "voicemail_left"
    case noAnswer = "no_answer"
    case wrongPerson = "wrong_person"
    case textSent = "text_sent"
    case writtenUpdateSent = "written_update_sent"

    public var label: String {
        switch self {
        case .spokeToVictim: "Spoke to the victim"
        case .spokeToRepresentative: "Spoke to their agreed representative"
        case .voicemailLeft: "Left a voicemail"
        case .noAnswer: "No answer"
        case .wrongPerson: "Someone else answered"
        case .textSent: "Sent a text instead"
        case .writtenUpdateSent: "Sent a written update"
        }
    }
}

/// One contact attempt as the rule sees it.
public struct ContactAttempt: Sendable, Equatable {
    public var method: ContactMethod
    public var outcome: ContactOutcome
    public var identityVerified: Bool
    public var welfareChecked: Bool
    public var safeToSpeak: Bool
    /// The victim's preferred method, if recorded.
    public var preferredMethod: ContactMethod?
    /// Whether the contact point used is marked safe (`nil`: none was used, e.g. in person).
    public var contactPointSafe: Bool?
    /// Whether the victim has a previously agreed representative (a parent, guardian or spokesperson).
    public var hasAgreedRepresentative: Bool
    /// The kind of contact point used (`nil`: none), which must suit the method: a call needs a number.
    public var contactPointKind: ContactPointKind?
    /// The victim contacted us (an inbound call may come from a number we do not know).
    public var inbound: Bool

    public init(
        method: ContactMethod, outcome: ContactOutcome, identityVerified: Bool, welfareChecked: Bool, safeToSpeak: Bool,
        preferredMethod: ContactMethod?, contactPointSafe: Bool?, hasAgreedRepresentative: Bool,
        contactPointKind: ContactPointKind?, inbound: Bool = false
    ) {
        self.contactPointKind = contactPointKind
        self.inbound = inbound
        self.method = method
        self.outcome = outcome
        self.identityVerified = identityVerified
        self.welfareChecked = welfareChecked
        self.safeToSpeak = safeToSpeak
        self.preferredMethod = preferredMethod
        self.contactPointSafe = contactPointSafe
        self.hasAgreedRepresentative = hasAgreedRepresentative
    }
}

/// The IPCC's rule (seed 004) as the domain file states it: a contact is successful only when the officer
/// spoke to the victim or their previously agreed representative, verified identity and welfare, and the
/// victim could speak freely. A voicemail, or a text sent instead, never is. A written update counts only
/// where the victim chose that written channel and it is marked safe.
public enum ContactRule {
    public struct Decision: Sendable, Equatable {
        /// A successful contact: meets every update obligation.
        public var successful: Bool
        /// A written update by the victim's chosen, safe channel: meets update obligations too.
        public var countsAsWrittenUpdate: Bool
        /// Why, in plain words, for the officer.
        public var reasons: [String]
        /// Things to confirm before saving (not the victim's preferred method; a contact point not marked safe).
        public var warnings: [String]

        public var meetsUpdateObligations: Bool { successful || countsAsWrittenUpdate }
    }

    static let spoken: Set<ContactMethod> = [.phone, .inPerson, .video]
    static let written: Set<ContactMethod> = [.email, .letter, .sms]

    public static func decide(_ a: ContactAttempt) -> Decision {
        var reasons: [String] = []
        var warnings: [String] = []
        if let preferred = a.preferredMethod, preferred != a.method {
            warnings.append("\(a.method.label) is not the victim's preferred method (\(preferred.label.lowercased())).")
        }
        if a.contactPointSafe == false {
            warnings.append("The contact point used is not marked safe: a suspect may see or hear it.")
        }
        // A phone call with no number, an email to a phone number: what was recorded cannot have happened, so it
        // meets nothing (2026-11-30, issue 13). The services refuse such a record; this is the rule's own backstop.
        if let mismatch = a.method.mismatch(with: a.contactPointKind, inbound: a.inbound) {
            reasons.append("The method and the contact point do not agree: \(mismatch.lowercased()).")
            return Decision(successful: false, countsAsWrittenUpdate: false, reasons: reasons, warnings: warnings)
        }
        switch a.outcome {
        case .voicemailLeft:
            reasons.append("A voicemail never counts: nobody knows who will hear it.")
            if a.preferredMethod == .phone {
                reasons.append("Do not leave voicemails on the victim's preferred number.")
            }
            return Decision(successful: false, countsAsWrittenUpdate: false, reasons: reasons, warnings: warnings)
        case .textSent:
            reasons.append("A text sent instead of speaking never counts.")
            if a.preferredMethod == .phone {
                reasons.append("Do not text the victim's preferred number instead of calling.")
            }
            return Decision(successful: false, countsAsWrittenUpdate: false, reasons: reasons, warnings: warnings)
        case .noAnswer:
            reasons.append("Nobody answered: recorded as an attempt.")
            return Decision(successful: false, countsAsWrittenUpdate: false, reasons: reasons, warnings: warnings)
        case .wrongPerson:
            reasons.append("Someone other than the victim or their agreed representative answered.")
            return Decision(successful: false, countsAsWrittenUpdate: false, reasons: reasons, warnings: warnings)
        case .writtenUpdateSent:
            var counts = true
            if !written.contains(a.method) {
                reasons.append("A written update must go by email, letter or text message.")
                counts = false
            }
            if a.preferredMethod != a.method {
                reasons.append("The victim did not choose \(a.method.label.lowercased()) as their way to be updated.")
                counts = false
            }
            if a.contactPointSafe != true {
                reasons.append("The address or number used is not marked safe.")
                counts = false
            }
            if counts { reasons.append("A written update by the victim's chosen, safe channel.") }
            return Decision(successful: false, countsAsWrittenUpdate: counts, reasons: reasons, warnings: warnings)
        case .spokeToVictim, .spokeToRepresentative:
            var ok = true
            if a.outcome == .spokeToRepresentative && !a.hasAgreedRepresentative {
                reasons.append("No representative has been agreed with the victim.")
                ok = false
            }
            if !spoken.contains(a.method) {
                reasons.append("Speaking to someone needs a call, a video call or a visit.")
                ok = false
            }
            if !a.identityVerified {
                reasons.append("Identity was not verified.")
                ok = false
            }
            if !a.welfareChecked {
                reasons.append("Welfare was not checked.")
                ok = false
            }
            if !a.safeToSpeak {
                reasons.append("The victim could not speak freely without risk of alerting a suspect.")
                ok = false
            }
            if ok {
                reasons.append(
                    a.outcome == .spokeToVictim
                        ? "Spoke to the victim, verified identity and welfare, and it was safe to speak."
                        : "Spoke to the victim's agreed representative, verified identity and welfare, and it was safe to speak."
                )
            }
            return Decision(successful: ok, countsAsWrittenUpdate: false, reasons: reasons, warnings: warnings)
        }
    }
}
