import Fluent
import Foundation

/// A day added to or removed from the bank holidays.
final class CalendarOverrideRecord: Model, @unchecked Sendable {
    static let schema = "calendar_overrides"

    @ID(key: .id) var id: UUID?
    @Field(key: "date") var date: String
    @Field(key: "holiday") var holiday: Bool
    @Field(key: "name") var name: String
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
