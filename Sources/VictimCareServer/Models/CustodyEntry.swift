import Fluent
import Foundation

/// One link of an evidence item's chain of custody. `hash` is the SHA-256 of the previous entry's hash and
/// this entry's fields (see ``CustodyLog``), so changing or removing any entry breaks every hash after it.
final class CustodyEntry: Model, @unchecked Sendable {
    static let schema = "custody_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "item_id") var itemID: UUID
    @Field(key: "seq") var seq: Int
    @Field(key: "at") var at: Date
    @Field(key: "action") var action: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "detail") var detail: String
    @Field(key: "previous_hash") var previousHash: String
    @Field(key: "hash") var hash: String

    init() {}
}
