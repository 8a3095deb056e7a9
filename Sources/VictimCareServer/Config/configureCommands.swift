import Vapor

func configureCommands(_ app: Application) {
    app.asyncCommands.use(MigrateCommand(), as: "migrate")
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(CreateTokenCommand(), as: "create-token")
    app.asyncCommands.use(RevokeTokenCommand(), as: "revoke-token")
    app.asyncCommands.use(DemoDataCommand(), as: "demo-data")
    app.asyncCommands.use(RecomputeCommand(), as: "recompute")
    app.asyncCommands.use(DashboardRefreshCommand(), as: "dashboard-refresh")
    app.asyncCommands.use(ReferralsCommand(), as: "referrals")
    app.asyncCommands.use(ImportCommand(), as: "import")
    app.asyncCommands.use(EvidenceCommand(), as: "evidence")
    app.asyncCommands.use(LinkageCommand(), as: "linkage")
    app.lifecycle.use(AdministratorOnServe())
    app.lifecycle.use(InstanceFactsOnBoot())
}

/// Reads the shared signing key and the demo flag once the database is there (a database not yet migrated
/// leaves the process key in place; `migrate` then `serve` is the order every script uses).
struct InstanceFactsOnBoot: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        do {
            try await app.loadInstanceFacts()
        } catch {
            app.logger.warning("instance facts not loaded", metadata: ["error_type": "\(type(of: error))"])
        }
    }
}

/// `serve` creates the first administrator too, so a fresh database can always be signed in to.
struct AdministratorOnServe: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        guard app.isServing, app.environment != .testing else { return }
        try await Bootstrap.ensureAdministrator(app, console: Terminal())
    }
}

extension Application {
    /// Whether this process is serving HTTP (rather than running a one-off command such as `migrate`).
    var isServing: Bool {
        let first = environment.arguments.dropFirst().first
        return first == nil || first == "serve" || first!.hasPrefix("-")
    }
}
