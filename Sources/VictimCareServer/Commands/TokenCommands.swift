import ConsoleKit
import Fluent
import Vapor
import VictimCareDomain

/// `victimcare create-token --name cris-bridge --role administrator [--unit SN]` prints a new API token once.
struct CreateTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "name", help: "What the token is for, e.g. cris-bridge") var name: String?
        @Option(name: "role", help: "The role the token acts as") var role: String?
        @Option(name: "unit", help: "Command unit code, for unit-scoped roles") var unit: String?
        @Option(name: "days", help: "How many days the token lasts (default API_TOKEN_DAYS, 90)") var days: String?
        @Flag(name: "quiet", short: "q", help: "Print only the token") var quiet: Bool
    }

    var help: String { "Issues an API token for an integration. The token is printed once and stored only as a hash." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        do {
            let issued = try await TokenService.issue(
                name: signature.name, role: signature.role, commandUnit: signature.unit, days: signature.days,
                defaultDays: app.config.apiTokenDays, context: .system, on: app.db)
            if signature.quiet {
                context.console.print(issued.secret)
            } else {
                context.console.print(
                    "Token \(issued.token.id!) (\(issued.token.role.label)). Copy it now; it is not shown again:")
                context.console.print(issued.secret)
            }
        } catch DomainError.invalid(let errors) {
            for error in errors { context.console.error("--\(error.field): \(error.message)") }
            throw CommandFailure("no token was issued")
        }
    }
}

/// `victimcare revoke-token ID` stops a token working at once.
struct RevokeTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "id", help: "The token's id (shown when issued and on the admin page)") var id: String
    }

    var help: String { "Revokes an API token." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let id = UUID(uuidString: signature.id) else { throw CommandFailure("\(signature.id) is not a token id") }
        do {
            try await TokenService.revoke(id, context: .system, on: context.application.db)
            context.console.print("Token \(id) revoked.")
        } catch DomainError.notFound {
            throw CommandFailure("no token has id \(id)")
        }
    }
}
