import Fluent
import Foundation

/// One entry of the call-back policy.
final class CallBackPolicyRecord: Model, @unchecked Sendable {
    static let schema = "callback_policies"

    @ID(key: .id) var id: UUID?
    @Field(key: "offence_code") var offenceCode: String
    @Field(key: "call_back") var callBack: Bool
    @Field(key: "note") var note: String
    @Field(key: "effective_from") var effectiveFrom: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
