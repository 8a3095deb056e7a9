import Foundation

/// Who is doing something: a signed-in user, an integration's API token, or the system itself (jobs, commands).
public struct Actor: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case user
        case apiToken = "api_token"
        case system
        /// Someone outside the force acting by a single-use link (a witness at a video identification, the
        /// suspect's solicitor): named in the chain of custody, granted nothing by the policy.
        case witness
    }

    public let id: UUID?
    public let kind: Kind
    public let role: Role
    public let commandUnitID: UUID?
    public let teamID: UUID?
    public let name: String

    public init(id: UUID?, kind: Kind, role: Role, commandUnitID: UUID?, teamID: UUID? = nil, name: String) {
        self.id = id
        self.kind = kind
        self.role = role
        self.commandUnitID = commandUnitID
        self.teamID = teamID
        self.name = name
    }

    /// The system acting on its own account (scheduled jobs, the command line's set-up steps).
    public static let system = Actor(id: nil, kind: .system, role: .administrator, commandUnitID: nil, name: "system")
}
