import Fluent
import Foundation
import VictimCareDomain

/// A change in a victim's enhanced status, so deadlines use the status in force when each duty arose.
final class EnhancedChange: Model, @unchecked Sendable {
    static let schema = "enhanced_changes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "victim_id") var victim: Victim
    @Field(key: "at") var at: Date
    @Field(key: "enhanced") var enhanced: Bool
    @Field(key: "grounds") var grounds: String

    init() {}

    init(victimID: UUID, at: Date, enhanced: Bool, grounds: String) {
        self.$victim.id = victimID
        self.at = at
        self.enhanced = enhanced
        self.grounds = grounds
    }
}
