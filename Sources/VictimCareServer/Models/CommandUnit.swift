import Fluent
import Foundation

/// A basic command unit (BCU) or specialist unit. Officers, supervisors and leads work within one.
final class CommandUnit: Model, @unchecked Sendable {
    static let schema = "command_units"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    /// `basic` (a BCU) or `specialist`.
    @Field(key: "kind") var kind: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID? = nil, code: String, name: String, kind: String) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
    }
}
