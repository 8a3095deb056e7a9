import Fluent
import Foundation

/// One sign-in attempt, kept in the database so throttling holds across every app node.
final class SignInAttempt: Model, @unchecked Sendable {
    static let schema = "sign_in_attempts"

    @ID(key: .id) var id: UUID?
    @Field(key: "username_key") var usernameKey: String
    @Field(key: "ip") var ip: String
    @Field(key: "succeeded") var succeeded: Bool
    @Field(key: "at") var at: Date

    init() {}

    init(usernameKey: String, ip: String, succeeded: Bool, at: Date) {
        self.usernameKey = usernameKey
        self.ip = ip
        self.succeeded = succeeded
        self.at = at
    }
}
