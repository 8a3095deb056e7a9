import Foundation

/// Issue 16, first slice: whether a report may be answered by a live video call instead of a visit, and whether
/// this victim can take one. Dorset's Enhanced Video Response (seed 003): offered only where the report shows
/// no threat, risk or harm that needs an officer there and then; the victim chooses; a visit always stays
/// available.
public enum VideoResponse {
    /// THRIVE-style judgement of the report, as the call handler records it.
    public enum Level: String, Labelled {
        case none, low, medium, high

        public var label: String {
            switch self {
            case .none: "None"
            case .low: "Low"
            case .medium: "Medium"
            case .high: "High"
            }
        }
    }

    /// The triage of a report: threat, risk and harm, and whether someone must attend now.
    public struct Triage: Sendable, Equatable {
        public var threat: Level
        public var risk: Level
        public var harm: Level
        public var attendanceNeeded: Bool
        /// Why attendance is or is not needed, in the decider's words.
        public var reason: String

        public init(threat: Level, risk: Level, harm: Level, attendanceNeeded: Bool, reason: String) {
            self.threat = threat
            self.risk = risk
            self.harm = harm
            self.attendanceNeeded = attendanceNeeded
            self.reason = reason
        }

        /// Video may be offered: nobody has to attend now, and nothing is judged high.
        public var offersVideo: Bool {
            !attendanceNeeded && ![threat, risk, harm].contains(.high)
        }

        /// Why video is not offered, when it is not.
        public var whyNoVideo: String? {
            if attendanceNeeded { return "Attendance is needed now: an officer goes." }
            let high = [("threat", threat), ("risk", risk), ("harm", harm)].filter { $0.1 == .high }.map(\.0)
            if !high.isEmpty {
                return
                    "The \(high.joined(separator: " and ")) \(high.count > 1 ? "are" : "is") high: an officer attends in person."
            }
            return nil
        }

        public func problems() -> [FieldError] {
            let text = reason.trimmingWhitespaceAndNewlines()
            if text.count < 10 {
                return [
                    FieldError(
                        field: "reason", message: "Say why attendance is or is not needed (10 characters or more).")
                ]
            }
            if text.count > 2000 {
                return [FieldError(field: "reason", message: "Keep the reason to 2,000 characters.")]
            }
            return []
        }
    }

    /// What is known about the victim and their situation when video is offered. `nil`: not asked yet.
    public struct Facts: Sendable, Equatable {
        public var dateOfBirth: LocalDate?
        /// When no date of birth is recorded: whether they say they are 18 or over (`nil`: not asked).
        public var statedAdult: Bool?
        public var today: LocalDate
        /// A parent or guardian is with a victim under 18 for the call.
        public var guardianPresent: Bool
        /// A smartphone (or tablet or computer) with a camera.
        public var hasVideoDevice: Bool?
        /// 4G or WiFi where they will take the call.
        public var hasConnection: Bool?
        /// The offender is, or may be, where the victim is.
        public var offenderPresent: Bool?
        public var interpreterNeeded: Bool
        public var language: String
        /// Communication or access needs recorded for the victim (British Sign Language, captions, a carer).
        public var accessNeeds: String?
        /// The sex of officer they asked for ("female" or "male"; `nil`: either). The Code lets victims of
        /// sexual offences and domestic abuse choose who interviews them (Right 1).
        public var officerSex: String?

        public init(
            dateOfBirth: LocalDate?, today: LocalDate, guardianPresent: Bool = false, hasVideoDevice: Bool? = nil,
            hasConnection: Bool? = nil, offenderPresent: Bool? = nil, interpreterNeeded: Bool = false,
            language: String = "en", accessNeeds: String? = nil, statedAdult: Bool? = nil, officerSex: String? = nil
        ) {
            self.dateOfBirth = dateOfBirth
            self.statedAdult = statedAdult
            self.officerSex = officerSex
            self.today = today
            self.guardianPresent = guardianPresent
            self.hasVideoDevice = hasVideoDevice
            self.hasConnection = hasConnection
            self.offenderPresent = offenderPresent
            self.interpreterNeeded = interpreterNeeded
            self.language = language
            self.accessNeeds = accessNeeds
        }
    }

    public struct Decision: Sendable, Equatable {
        /// Everything needed is known and nothing bars a call.
        public var eligible: Bool { bars.isEmpty && unknowns.isEmpty }
        /// What rules video out, said to the victim (a visit is offered instead), each on the answer behind it.
        public var bars: [FieldError]
        /// What must still be asked before video can be offered, each on the question to answer.
        public var unknowns: [FieldError]
        /// What the call must provide: never a reason to refuse video.
        public var adjustments: [String]
    }

    /// The rules the seed gives: 18 or over, or with a parent or guardian; a device with video and a connection;
    /// the offender cannot be present. An interpreter and access needs are arranged for the call, never a bar
    /// (Code right 3 and the Equality Act duty to adjust).
    public static func decide(_ f: Facts) -> Decision {
        var bars: [FieldError] = []
        var unknowns: [FieldError] = []
        var adjustments: [String] = []
        let guardian = "Under 18: a video call needs a parent or guardian with them."
        if let dob = f.dateOfBirth {
            if dob > f.today {
                unknowns.append(.init(field: "dateOfBirth", message: "The date of birth is in the future: check it."))
            } else if dob.age(on: f.today) < 18 && !f.guardianPresent {
                bars.append(.init(field: "guardianPresent", message: guardian))
            }
        } else {
            switch f.statedAdult {
            case nil:
                unknowns.append(
                    .init(
                        field: "statedAdult",
                        message: "Ask whether they are 18 or over: under 18s need a parent or guardian on the call."))
            case false? where !f.guardianPresent: bars.append(.init(field: "guardianPresent", message: guardian))
            default: break
            }
        }
        switch f.hasVideoDevice {
        case nil:
            unknowns.append(
                .init(
                    field: "hasVideoDevice",
                    message: "Ask whether they have a smartphone, tablet or computer with a camera."
                ))
        case false?: bars.append(.init(field: "hasVideoDevice", message: "No device with a camera: a visit instead."))
        default: break
        }
        switch f.hasConnection {
        case nil:
            unknowns.append(
                .init(
                    field: "hasConnection", message: "Ask whether they have 4G or WiFi where they will take the call."))
        case false?:
            bars.append(.init(field: "hasConnection", message: "No 4G or WiFi where they are: a visit instead."))
        default: break
        }
        switch f.offenderPresent {
        case nil:
            unknowns.append(
                .init(field: "offenderPresent", message: "Ask whether the offender is, or could be, with them."))
        case true?:
            bars.append(
                .init(
                    field: "offenderPresent",
                    message: "The offender is or could be with them: never a video call; a visit, or a safe time later."
                ))
        default: break
        }
        if f.interpreterNeeded {
            adjustments.append("An interpreter (\(f.language)) joins the call.")
        }
        if let needs = f.accessNeeds?.trimmingWhitespaceAndNewlines(), !needs.isEmpty {
            adjustments.append("Arrange for their needs: \(needs)")
        }
        if let sex = f.officerSex, ["female", "male"].contains(sex) {
            adjustments.append("A \(sex) officer takes the call.")
        }
        return Decision(bars: bars, unknowns: unknowns, adjustments: adjustments)
    }
}
