import Foundation

/// What kind of interview: who may give it follows from their part in the crime (issue 15).
public enum InterviewKind: String, Labelled {
    case victimAccount = "victim_account"
    case witnessAccount = "witness_account"
    /// Achieving Best Evidence: a video-recorded interview that can stand as evidence in chief, for victims
    /// and witnesses eligible for special measures (Youth Justice and Criminal Evidence Act 1999 ss.16–17).
    case achievingBestEvidence = "abe"
    case suspectUnderCaution = "suspect_under_caution"
    /// The recording of a witness's viewing of a video identification when no representative of the suspect
    /// attends (Code D, Annex A 7): made by the parade, never chosen on the interview form.
    case videoIdentification = "video_identification"

    public var label: String {
        switch self {
        case .victimAccount: "Victim's account"
        case .witnessAccount: "Witness's account"
        case .achievingBestEvidence: "Achieving Best Evidence (video-recorded interview)"
        case .suspectUnderCaution: "Suspect interview under caution"
        case .videoIdentification: "Video identification viewing (recorded)"
        }
    }

    /// The kinds a person in this role may give.
    public static func allowed(for role: PersonRole) -> [InterviewKind] {
        switch role {
        case .victim: [.victimAccount, .achievingBestEvidence]
        case .witness, .reportingPerson: [.witnessAccount, .achievingBestEvidence]
        case .suspect: [.suspectUnderCaution]
        case .parentOrGuardian, .representative: []
        }
    }
}

public enum InterviewPlace: String, Labelled {
    case stationRoom = "station_room"
    case victimHome = "home"
    case hospital
    case careHome = "care_home"
    case abroad
    case other

    public var label: String {
        switch self {
        case .stationRoom: "Police station interview room"
        case .victimHome: "The person's home"
        case .hospital: "Hospital"
        case .careHome: "Care home"
        case .abroad: "Abroad (embassy, consulate or other)"
        case .other: "Somewhere else"
        }
    }
}

/// What an interview record must hold before it is saved, checked the same way for the web and the API.
public struct InterviewDraft: Sendable, Equatable {
    public var kind: String
    public var place: String
    public var placeDetail: String
    public var interviewers: String
    public var interpreter: String
    public var intermediary: String
    public var appropriateAdult: String
    public var legalRepresentative: String
    public var consent: Bool

    public init(
        kind: String = "", place: String = "", placeDetail: String = "", interviewers: String = "",
        interpreter: String = "", intermediary: String = "", appropriateAdult: String = "",
        legalRepresentative: String = "", consent: Bool = false
    ) {
        self.kind = kind
        self.place = place
        self.placeDetail = placeDetail
        self.interviewers = interviewers
        self.interpreter = interpreter
        self.intermediary = intermediary
        self.appropriateAdult = appropriateAdult
        self.legalRepresentative = legalRepresentative
        self.consent = consent
    }

    /// Problems with the draft for a person in `role`; `specialMeasures` says whether the Victims' Code engine
    /// found them eligible (s.16 or s.17), which an ABE interview of a victim needs.
    public func problems(role: PersonRole, specialMeasures: Bool) -> [FieldError] {
        var problems: [FieldError] = []
        if let kind = InterviewKind.code(kind) {
            if !InterviewKind.allowed(for: role).contains(kind) {
                problems.append(
                    FieldError(
                        field: "kind", message: "A \(role.label.lowercased()) cannot give \(kind.label.lowercased())."))
            } else if kind == .achievingBestEvidence, role == .victim, !specialMeasures {
                problems.append(
                    FieldError(
                        field: "kind",
                        message:
                            "An ABE interview is for victims eligible for special measures; record their vulnerability or intimidation on the victim's page first."
                    ))
            }
        } else {
            problems.append(FieldError(field: "kind", message: "Choose the kind of interview."))
        }
        if let place = InterviewPlace.code(place) {
            if [.abroad, .other, .hospital, .careHome].contains(place),
                placeDetail.trimmingWhitespaceAndNewlines().isEmpty
            {
                problems.append(FieldError(field: "placeDetail", message: "Say where: \(place.label.lowercased())."))
            }
        } else {
            problems.append(FieldError(field: "place", message: "Choose where the interview takes place."))
        }
        if interviewers.trimmingWhitespaceAndNewlines().isEmpty {
            problems.append(FieldError(field: "interviewers", message: "Enter the interviewing officer's name."))
        }
        if !consent, InterviewKind.code(kind) != .suspectUnderCaution {
            problems.append(
                FieldError(field: "consent", message: "Record that the person agreed to the interview being recorded."))
        }
        for (field, value, limit) in [
            ("placeDetail", placeDetail, 500), ("interviewers", interviewers, 1000), ("interpreter", interpreter, 200),
            ("intermediary", intermediary, 200), ("appropriateAdult", appropriateAdult, 200),
            ("legalRepresentative", legalRepresentative, 200),
        ] where value.count > limit {
            problems.append(FieldError(field: field, message: "Keep this under \(limit) characters."))
        }
        return problems
    }
}
