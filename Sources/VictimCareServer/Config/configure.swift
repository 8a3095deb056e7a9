import Fluent
import Vapor

/// Sets up a VictimCare application. Each step is a small function in `Config/`.
public func configure(_ app: Application) async throws {
    try await configure(app, config: AppConfig.fromEnvironment())
}

func configure(_ app: Application, config: AppConfig) async throws {
    app.config = config
    // First, before any background worker starts (lifecycle handlers boot in the order they are added).
    app.lifecycle.use(SharedClientAtBoot())
    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    try configureDatabase(app, config)
    configureMigrations(app)
    configureMiddleware(app)
    configureSessions(app)
    configureViews(app)
    configureCommands(app)
    app.auditWriter = AuditWriter(database: { app.db })
    app.crimeWriter = CrimeService.Writer(database: { app.db })
    try configureTranslations(app)
    try configureMessaging(app, config)
    _ = Observability.bootstrap
    // The evidence keys are read (or, on a single machine, made) now: a bad key stops the start, not an upload.
    _ = try app.evidenceVault
    app.startImportWorkers()
    app.signalHub = SignalHub(app: app)
    app.linkage = LinkageHub.load(resources: app.directory.resourcesDirectory)
    if app.environment != .testing, app.isServing {
        app.lifecycle.use(DatabasePoolProbe(interval: .seconds(5)))
        app.lifecycle.use(PollingWorker.recompute(interval: .seconds(5)))
        app.lifecycle.use(PollingWorker.linkage(interval: .seconds(2)))
        app.lifecycle.use(PollingWorker.housekeeping(interval: .seconds(900)))
        app.lifecycle.use(PollingWorker.videoCalls(interval: .seconds(30)))
        app.lifecycle.use(PollingWorker.dashboard(refreshMinutes: ComplianceSnapshots.refreshMinutes))
        if config.evidence.processMedia { app.lifecycle.use(PollingWorker.evidenceMedia(config.evidence)) }
        if config.evidence.verifyHours > 0 {
            app.lifecycle.use(PollingWorker.evidenceVerification(hours: config.evidence.verifyHours))
        }
        if SurveyService.perStratum > 0 {
            app.lifecycle.use(PollingWorker.survey(perStratum: SurveyService.perStratum))
        }
        if config.referrals.exportHours > 0 {
            app.lifecycle.use(
                PollingWorker.referrals(every: Double(config.referrals.exportHours) * 3600, config.referrals.export))
        }
    }
    try routes(app)
}

/// Makes Vapor's shared HTTP client when the application boots, before the background workers start. Vapor makes it
/// on first use and keeps it in `Application.storage`, which a write copies whole, changes and puts back. Made by
/// the referral worker while the server stored its own state at start-up, one write undid the other and the client
/// was lost (a debug build stops on a client let go without being shut down; a release build leaks it). At boot,
/// after the configuration (tests give theirs a redirect policy first) and before anything runs alongside.
struct SharedClientAtBoot: LifecycleHandler {
    func didBootAsync(_ app: Application) async throws {
        _ = app.http.client.shared
    }
}
