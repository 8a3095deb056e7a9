import Fluent
import Foundation
import VictimCareDomain

/// An object in the POLE model: property with its identifiers and where it is now.
final class PropertyItem: Model, @unchecked Sendable {
    static let schema = "property_items"

    @ID(key: .id) var id: UUID?
    @Field(key: "description") var description: String
    @OptionalField(key: "imei") var imei: String?
    @OptionalField(key: "frame_number") var frameNumber: String?
    @OptionalField(key: "serial_number") var serialNumber: String?
    @Field(key: "custody_status") var custodyStatusCode: String
    @OptionalField(key: "stolen_on") var stolenOn: String?
    @OptionalField(key: "seized_on") var seizedOn: String?
    @OptionalField(key: "held_on") var heldOn: String?
    @OptionalField(key: "returned_on") var returnedOn: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var custodyStatus: CustodyStatus { CustodyStatus(rawValue: custodyStatusCode) ?? .stolen }
}
