import ConsoleKit
import Fluent
import Vapor
import VictimCareDomain

/// `victimcare migrate`: brings the schema up to date without asking, then makes sure an administrator exists.
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Runs pending database migrations and creates the first administrator if there is none." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        switch try await BulkLoad.restoreIndexes(on: app.db) {
        case .nothingMissing: break
        case .rebuilt(let names):
            context.console.print(
                "Rebuilt indexes a bulk load stopped part-way left out: \(names.joined(separator: ", "))")
        case .leftToBulkLoad(let run):
            context.console.print(
                "A bulk import is running (run \(run.uuidString.lowercased())): it builds the indexes it dropped when it finishes. If it has stopped, run migrate again in two minutes."
            )
        }
        context.console.print("Database is up to date.")
        try await Bootstrap.ensureAdministrator(app, console: context.console)
    }
}

/// First-run set-up shared by `migrate` and `serve`.
enum Bootstrap {
    /// Creates the administrator on a database with no users. Its password comes from
    /// `VICTIMCARE_ADMIN_PASSWORD`, or is generated, printed once, and must be changed at first sign-in.
    static func ensureAdministrator(_ app: Application, console: any Console) async throws {
        guard try await User.query(on: app.db).count() == 0 else { return }
        let config = app.config
        let generated = config.adminPassword == nil
        let password = config.adminPassword ?? Secrets.readablePassword()
        let user = User(
            username: config.adminUsername, displayName: "Administrator", role: .administrator, commandUnitID: nil,
            passwordHash: try await app.passwordHasher.hash(password), mustChangePassword: generated)
        do {
            try await user.create(on: app.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return  // another node created it first
        }
        try await AuditLog.record(
            .create, "user", user.id, summary: "first administrator", context: .system, on: app.db)
        if generated {
            // Printed to the console, not the log, and only this once.
            console.print("")
            console.output(
                "First administrator created. Sign in as '\(config.adminUsername)' with this one-time password:"
                    .consoleText(.info))
            console.output("    \(password)".consoleText(.success))
            console.print("You will be asked to choose a new password. It is not shown again.")
            console.print("")
        }
    }
}
