/// Whether the victim wants a referral to the support service.
public enum ReferralConsent: String, Labelled {
    case yes
    case no
    case notAsked = "not_asked"

    public var label: String {
        switch self {
        case .yes: "Yes, refer me"
        case .no: "No referral"
        case .notAsked: "Not asked yet"
        }
    }
}

/// Why the quality of a victim's evidence may be reduced (YJCEA 1999 s.16).
public enum VulnerabilityFactor: String, Labelled {
    case mentalDisorder = "mental_disorder"
    case impairedIntelligence = "impaired_intelligence"
    case physicalDisability = "physical_disability"
    /// Vulnerable under section 16 as another system assessed it, without saying which condition.
    case section16 = "section_16"
    /// Not a section 16 ground: recorded, and the officer is asked to consider section 17.
    case other

    public var label: String {
        switch self {
        case .mentalDisorder: "A mental disorder (Mental Health Act 1983)"
        case .impairedIntelligence: "A significant impairment of intelligence and social functioning"
        case .physicalDisability: "A physical disability or disorder"
        case .section16: "Vulnerable under section 16 (assessed in the records system)"
        case .other: "Vulnerable for another reason the officer recorded"
        }
    }
}

/// A question the needs assessment must have an answer to before it is complete (and meets R6). A question left
/// unanswered is not an answer of "no" (2026-11-30, issue 13).
public enum NeedsQuestion: String, Codable, Sendable, CaseIterable {
    case interpreter
    case feelsSafe = "feels_safe"
    case suspectAccess = "suspect_access"
    case supportWanted = "support_wanted"
    case referralConsent = "referral_consent"
    case bereaved
    case persistentlyTargeted = "persistently_targeted"
    case intimidated

    /// The question as a list of what is missing reads it.
    public var label: String {
        switch self {
        case .interpreter: "whether they need an interpreter"
        case .feelsSafe: "whether they feel safe"
        case .suspectAccess: "whether a suspect may see their messages"
        case .supportWanted: "whether they want support"
        case .referralConsent: "their answer about a referral to support"
        case .bereaved: "whether they are a bereaved relative"
        case .persistentlyTargeted: "whether they are persistently targeted"
        case .intimidated: "whether they are intimidated"
        }
    }

    /// The form field that asks it.
    public var field: String {
        switch self {
        case .interpreter: "interpreterNeeded"
        case .feelsSafe: "feelsSafe"
        case .suspectAccess: "suspectHasAccess"
        case .supportWanted: "supportWanted"
        case .referralConsent: "referralConsent"
        case .bereaved: "bereaved"
        case .persistentlyTargeted: "persistentlyTargeted"
        case .intimidated: "intimidated"
        }
    }
}

/// The Victim Needs Assessment: the standard question set asked at reporting and whenever needs change.
/// Each completed assessment is kept; the newest decides what is owed.
public struct NeedsAssessment: Codable, Sendable, Equatable {
    public static let currentVersion = "VNA-2025.1"

    public var questionSetVersion: String
    // Language and communication
    public var language: String
    public var interpreterNeeded: Bool
    public var communicationNeeds: String?
    public var accessNeeds: String?
    // Safety
    public var feelsSafe: Bool?
    /// The suspect may see or hear messages sent to the victim's phone or email.
    public var suspectHasAccessToContactPoints: Bool
    /// The victim knows the suspect (a partner or former partner, family, household, neighbour, colleague);
    /// nil when not asked. Messages to such a victim wait until someone asks whether the suspect sees them.
    public var suspectKnown: Bool?
    public var safetyNotes: String?
    // Support
    public var supportWanted: Bool?
    public var referralConsent: ReferralConsent
    // The enhanced-rights grounds as the officer judged them
    public var bereavedRelative: Bool
    public var persistentlyTargeted: Bool
    public var vulnerability: Set<VulnerabilityFactor>
    /// Fear or distress about testifying is likely to reduce the quality of their evidence (s.17).
    public var intimidated: Bool
    /// The required questions left unanswered: a draft, kept and acted on, that does not complete the
    /// assessment. `nil` for assessments recorded before drafts existed, which were complete.
    public var unanswered: [NeedsQuestion]?

    /// Every required question has an answer.
    public var isComplete: Bool { (unanswered ?? []).isEmpty }

    public init(
        questionSetVersion: String = NeedsAssessment.currentVersion, language: String = "en",
        interpreterNeeded: Bool = false,
        communicationNeeds: String? = nil, accessNeeds: String? = nil, feelsSafe: Bool? = nil,
        suspectHasAccessToContactPoints: Bool = false, safetyNotes: String? = nil, supportWanted: Bool? = nil,
        referralConsent: ReferralConsent = .notAsked, bereavedRelative: Bool = false,
        persistentlyTargeted: Bool = false,
        vulnerability: Set<VulnerabilityFactor> = [], intimidated: Bool = false
    ) {
        self.questionSetVersion = questionSetVersion
        self.language = language
        self.interpreterNeeded = interpreterNeeded
        self.communicationNeeds = communicationNeeds
        self.accessNeeds = accessNeeds
        self.feelsSafe = feelsSafe
        self.suspectHasAccessToContactPoints = suspectHasAccessToContactPoints
        self.safetyNotes = safetyNotes
        self.supportWanted = supportWanted
        self.referralConsent = referralConsent
        self.bereavedRelative = bereavedRelative
        self.persistentlyTargeted = persistentlyTargeted
        self.vulnerability = vulnerability
        self.intimidated = intimidated
    }
}

extension NeedsAssessment {
    /// The answers as JSON text, as `JSONEncoder` writes them: the same keys in the same order, absent answers left
    /// out, the same escapes. The vulnerability factors come in their declared order (the encoder lists a set in
    /// whatever order it holds them). Written by hand because the encoder's generic machinery was four fifths of
    /// planning an assessment (issue 17); `NeedsAssessmentJSONTests` holds this to the encoder's text and to what
    /// `JSONDecoder` reads back.
    public var json: String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(320)
        func key(_ name: StaticString) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: "\":".utf8)
        }
        func text(_ value: String) { JSONText.quote(value, escapingSlashes: true, into: &out) }
        func flag(_ value: Bool) { out.append(contentsOf: (value ? "true" : "false").utf8) }
        func list(_ values: [String]) {
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                text(value)
            }
            out.append(UInt8(ascii: "]"))
        }
        key("questionSetVersion")
        text(questionSetVersion)
        key("language")
        text(language)
        key("interpreterNeeded")
        flag(interpreterNeeded)
        if let communicationNeeds {
            key("communicationNeeds")
            text(communicationNeeds)
        }
        if let accessNeeds {
            key("accessNeeds")
            text(accessNeeds)
        }
        if let feelsSafe {
            key("feelsSafe")
            flag(feelsSafe)
        }
        key("suspectHasAccessToContactPoints")
        flag(suspectHasAccessToContactPoints)
        if let suspectKnown {
            key("suspectKnown")
            flag(suspectKnown)
        }
        if let safetyNotes {
            key("safetyNotes")
            text(safetyNotes)
        }
        if let supportWanted {
            key("supportWanted")
            flag(supportWanted)
        }
        key("referralConsent")
        text(referralConsent.rawValue)
        key("bereavedRelative")
        flag(bereavedRelative)
        key("persistentlyTargeted")
        flag(persistentlyTargeted)
        key("vulnerability")
        list(VulnerabilityFactor.allCases.filter(vulnerability.contains).map(\.rawValue))
        key("intimidated")
        flag(intimidated)
        if let unanswered {
            key("unanswered")
            list(unanswered.map(\.rawValue))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
