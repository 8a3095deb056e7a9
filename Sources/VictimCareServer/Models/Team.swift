import Fluent
import Foundation

/// A team inside a command unit: a response team, CID, a community safety unit.
final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    @ID(key: .id) var id: UUID?
    @Parent(key: "command_unit_id") var commandUnit: CommandUnit
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID? = nil, commandUnitID: UUID, name: String, kind: String) {
        self.id = id
        self.$commandUnit.id = commandUnitID
        self.name = name
        self.kind = kind
    }
}
