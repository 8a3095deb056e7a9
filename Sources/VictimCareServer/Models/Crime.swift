import Fluent
import Foundation
import VictimCareDomain

/// An event in the POLE model: the crime report.
final class Crime: Model, @unchecked Sendable {
    static let schema = "crimes"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "offence_code") var offenceCode: String
    @Field(key: "offence_description") var offenceDescription: String
    @Field(key: "occurred_from") var occurredFrom: Date
    @OptionalField(key: "occurred_to") var occurredTo: Date?
    @Field(key: "reported_at") var reportedAt: Date
    /// The crime recording decision (R2: within 24 hours of the report); for a crime recorded here, its creation.
    @OptionalField(key: "recording_decision_at") var recordingDecisionAt: Date?
    @Field(key: "channel") var channelCode: String
    @Field(key: "flags") var flagsCode: String
    @Parent(key: "command_unit_id") var commandUnit: CommandUnit
    @OptionalParent(key: "officer_in_case_id") var officerInCase: User?
    @Field(key: "status") var statusCode: String
    @OptionalField(key: "summary") var summary: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    /// Another instance holding the same columns (and known to be stored if this one is): the import plans its
    /// next chunk on copies of the crimes the chunk being written still reads.
    func copy() -> Crime {
        let copy = Crime()
        copy.id = id
        copy.reference = reference
        copy.offenceCode = offenceCode
        copy.offenceDescription = offenceDescription
        copy.occurredFrom = occurredFrom
        copy.occurredTo = occurredTo
        copy.reportedAt = reportedAt
        copy.recordingDecisionAt = recordingDecisionAt
        copy.channelCode = channelCode
        copy.flagsCode = flagsCode
        copy.$commandUnit.id = $commandUnit.id
        copy.$officerInCase.id = $officerInCase.id
        copy.statusCode = statusCode
        copy.summary = summary
        copy.createdAt = createdAt
        copy.updatedAt = updatedAt
        copy.$id.exists = $id.exists
        return copy
    }

    var channel: ReportingChannel { ReportingChannel(rawValue: channelCode) ?? .online }
    var status: CrimeStatus { CrimeStatus(rawValue: statusCode) ?? .recorded }
    var flags: Set<CrimeFlag> {
        get { CrimeFlags.decode(flagsCode) }
        set { flagsCode = CrimeFlags.encode(newValue) }
    }
}
