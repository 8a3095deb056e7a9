import ConsoleKit
import Fluent
import Vapor
import VictimCareDomain

/// `victimcare create-user --username jsmith --name "Jo Smith" --role officer --unit SN [--password …]`
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username", help: "Sign-in name (letters, digits, . - _)") var username: String?
        @Option(name: "name", help: "The person's name as shown to others") var name: String?
        @Option(name: "role", help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))") var role:
            String?
        @Option(name: "unit", help: "Command unit code, e.g. SN (needed for officers, supervisors and leads)") var unit:
            String?
        @Option(name: "rank", help: "Rank, e.g. PC, DS, DI") var rank: String?
        @Option(name: "password", help: "Password (otherwise a one-time password is printed)") var password: String?
    }

    var help: String { "Creates a user account." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        do {
            let created = try await UserService.create(
                .init(
                    username: signature.username, displayName: signature.name, rank: signature.rank,
                    role: signature.role, commandUnit: signature.unit),
                password: signature.password, hasher: app.passwordHasher, context: .system, on: app.db)
            context.console.print("Created \(created.user.username) (\(created.user.role.label)).")
            if let oneTime = created.oneTimePassword {
                context.console.print("One-time password (must be changed at first sign-in): \(oneTime)")
            }
        } catch DomainError.invalid(let errors) {
            for error in errors { context.console.error("--\(error.field): \(error.message)") }
            throw CommandFailure("the user was not created")
        } catch DomainError.conflict(_, let message) {
            context.console.error(message)
            throw CommandFailure("the user was not created")
        }
    }
}

/// A command's failure, already explained on the console; the process exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
