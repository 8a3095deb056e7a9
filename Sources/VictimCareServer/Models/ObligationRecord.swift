import Fluent
import Foundation
import VictimCareDomain

/// One obligation as last computed for a victim.
final class ObligationRecord: Model, @unchecked Sendable {
    static let schema = "obligations"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "crime_id") var crimeID: UUID
    @Field(key: "code") var code: String
    @Field(key: "obligation_key") var key: String
    @Field(key: "trigger") var trigger: String
    @Field(key: "due_date") var dueDate: String
    @Field(key: "due_at") var dueAt: Date
    @Field(key: "triggered_at") var triggeredAt: Date
    @Field(key: "state") var state: String
    @OptionalField(key: "met_at") var metAt: Date?
    @OptionalField(key: "met_by") var metBy: String?
    @OptionalField(key: "reason") var reason: String?

    init() {}

    func status(now: Date = Date()) -> Obligation.Status {
        switch Obligation.State(rawValue: state) ?? .open {
        case .met: .met
        case .notApplicable: .notApplicable
        case .waived: .waived
        case .open: now > dueAt ? .overdue : .due
        }
    }
}
