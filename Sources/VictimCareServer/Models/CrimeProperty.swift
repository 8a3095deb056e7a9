import Fluent
import Foundation
import VictimCareDomain

/// An object's part in an event.
final class CrimeProperty: Model, @unchecked Sendable {
    static let schema = "crime_property"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Parent(key: "property_item_id") var item: PropertyItem
    @Field(key: "role") var roleCode: String

    init() {}

    init(crimeID: UUID, itemID: UUID, role: PropertyRole) {
        self.$crime.id = crimeID
        self.$item.id = itemID
        self.roleCode = role.rawValue
    }
}
