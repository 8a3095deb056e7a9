import Fluent
import Foundation
import VictimCareDomain

/// A supervisor's record that a ground the crime would make automatic does not hold for this victim (a
/// harassment victim who was not persistently targeted, for example), with the reason.
final class EnhancedGroundException: Model, @unchecked Sendable {
    static let schema = "enhanced_ground_exceptions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "ground") var groundCode: String
    @Field(key: "reason") var reason: String
    @OptionalField(key: "by_user_id") var byUserID: UUID?
    @Field(key: "by_name") var byName: String
    @Field(key: "at") var at: Date

    init() {}

    var ground: EnhancedGround? { EnhancedGround(rawValue: groundCode) }
}
