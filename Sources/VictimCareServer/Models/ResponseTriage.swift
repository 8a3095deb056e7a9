import Fluent
import Foundation
import VictimCareDomain

/// One triage of a report (issue 16): the latest for a crime is the current one.
final class ResponseTriageRecord: Model, @unchecked Sendable {
    static let schema = "response_triages"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Field(key: "threat") var threat: String
    @Field(key: "risk") var risk: String
    @Field(key: "harm") var harm: String
    @Field(key: "attendance_needed") var attendanceNeeded: Bool
    @Field(key: "reason") var reason: String
    @Field(key: "offers_video") var offersVideo: Bool
    @OptionalField(key: "decided_by_id") var decidedByID: UUID?
    @Field(key: "decided_by_name") var decidedByName: String
    @Field(key: "decided_at") var decidedAt: Date

    init() {}

    var triage: VideoResponse.Triage {
        .init(
            threat: VideoResponse.Level(rawValue: threat) ?? .high, risk: VideoResponse.Level(rawValue: risk) ?? .high,
            harm: VideoResponse.Level(rawValue: harm) ?? .high, attendanceNeeded: attendanceNeeded, reason: reason)
    }
}

/// One answer to the offer of a video call: what was asked, what the rules said, and what the victim chose.
final class ResponseChoice: Model, @unchecked Sendable {
    static let schema = "response_choices"

    enum Choice: String, Sendable, CaseIterable {
        case video
        case inPerson = "in_person"

        var label: String {
            switch self {
            case .video: "A video call"
            case .inPerson: "An officer visits"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @OptionalParent(key: "triage_id") var triage: ResponseTriageRecord?
    @OptionalField(key: "stated_adult") var statedAdult: Bool?
    @Field(key: "guardian_present") var guardianPresent: Bool
    @OptionalField(key: "has_video_device") var hasVideoDevice: Bool?
    @OptionalField(key: "has_connection") var hasConnection: Bool?
    @OptionalField(key: "offender_present") var offenderPresent: Bool?
    @OptionalField(key: "access_needs") var accessNeeds: String?
    @OptionalField(key: "officer_sex") var officerSex: String?
    @Field(key: "eligible") var eligible: Bool
    /// What ruled video out, one per line.
    @Field(key: "bars") var bars: String
    /// What the call must provide, one per line.
    @Field(key: "adjustments") var adjustments: String
    @Field(key: "choice") var choiceCode: String
    @OptionalField(key: "decline_reason") var declineReason: String?
    @Field(key: "recorded_by_name") var recordedByName: String
    /// Asked for by the victim on their case page, not recorded by an officer.
    @Field(key: "by_victim") var byVictim: Bool
    @Field(key: "recorded_at") var recordedAt: Date

    init() {}

    var choice: Choice { Choice(rawValue: choiceCode) ?? .inPerson }

    /// A later answer on the same facts with another choice (the victim changing their mind).
    func followed(by choice: Choice, reason: String?, recordedBy name: String, byVictim: Bool) -> ResponseChoice {
        let next = ResponseChoice()
        next.$victim.id = $victim.id
        next.$triage.id = $triage.id
        next.statedAdult = statedAdult
        next.guardianPresent = guardianPresent
        next.hasVideoDevice = hasVideoDevice
        next.hasConnection = hasConnection
        next.offenderPresent = offenderPresent
        next.accessNeeds = accessNeeds
        next.officerSex = officerSex
        next.eligible = eligible
        next.bars = bars
        next.adjustments = adjustments
        next.choiceCode = choice.rawValue
        next.declineReason = reason
        next.recordedByName = name
        next.byVictim = byVictim
        next.recordedAt = Date()
        return next
    }
}
