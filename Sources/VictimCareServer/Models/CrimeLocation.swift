import Fluent
import Foundation
import VictimCareDomain

/// A place's part in an event.
final class CrimeLocation: Model, @unchecked Sendable {
    static let schema = "crime_locations"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Parent(key: "location_id") var location: Location
    @Field(key: "role") var roleCode: String

    init() {}

    init(crimeID: UUID, locationID: UUID, role: LocationRole) {
        self.$crime.id = crimeID
        self.$location.id = locationID
        self.roleCode = role.rawValue
    }
}
