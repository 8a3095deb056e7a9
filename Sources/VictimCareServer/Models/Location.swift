import Fluent
import Foundation

/// A place in the POLE model.
final class Location: Model, @unchecked Sendable {
    static let schema = "locations"

    @ID(key: .id) var id: UUID?
    @Field(key: "address") var address: String
    @OptionalField(key: "postcode") var postcode: String?
    @Field(key: "postcode_key") var postcodeKey: String
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}
