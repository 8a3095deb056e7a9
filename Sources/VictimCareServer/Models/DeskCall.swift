import Fluent
import Foundation

/// A call the Victim Focus Desk took or made, linked to the contact it produced.
final class DeskCall: Model, @unchecked Sendable {
    static let schema = "desk_calls"

    @ID(key: .id) var id: UUID?
    @OptionalParent(key: "victim_id") var victim: Victim?
    @Field(key: "direction") var direction: String
    @Field(key: "at") var at: Date
    @Field(key: "caller") var caller: String
    @Field(key: "reason") var reason: String
    @Field(key: "outcome") var outcome: String
    @OptionalField(key: "notes") var notes: String?
    @OptionalParent(key: "contact_id") var contact: Contact?
    @OptionalField(key: "by_user_id") var byUserID: UUID?
    @Field(key: "by_name") var byName: String

    init() {}
}
