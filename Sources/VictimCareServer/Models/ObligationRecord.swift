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

    /// The obligation as the domain sees it (duty and right are the rules table's, not stored).
    var domain: Obligation {
        Obligation(
            code: code, key: key, trigger: ObligationTrigger(rawValue: trigger) ?? .crimeRecorded, right: 0, duty: "",
            triggeredAt: triggeredAt.timeIntervalSince1970, dueDate: LocalDate(dueDate) ?? London.date(of: dueAt),
            dueAt: dueAt.timeIntervalSince1970, state: Obligation.State(rawValue: state) ?? .open,
            metAt: metAt?.timeIntervalSince1970, metBy: metBy, reason: reason)
    }

    /// Whether the duty has arisen by `now` (the reason for a missed update is worked out ahead of time).
    func arisen(now: Date = Date()) -> Bool { triggeredAt <= now }
}
