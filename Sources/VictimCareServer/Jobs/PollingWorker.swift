import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import Vapor
import VictimCareDomain

/// A loop on every node: runs `step` until it reports nothing left, then waits `interval` and polls again.
/// Errors are logged by type and the loop carries on. Shutting down cancels it and waits (up to `stopWithin`) for the
/// step under way to end, before the databases it uses are closed: a step cut off there failed with the connection
/// pool's shutdown error, logged as the worker's.
struct PollingWorker: LifecycleHandler {
    let name: String
    let interval: Duration
    /// One unit of work; true if it did something, so there may be more straight away.
    let step: @Sendable (Application, Logger) async throws -> Bool
    private let running = Running()

    init(name: String, interval: Duration, step: @escaping @Sendable (Application, Logger) async throws -> Bool) {
        self.name = name
        self.interval = interval
        self.step = step
    }

    func didBootAsync(_ app: Application) async throws {
        let logger = Logger(label: "victimcare.\(name)")
        let (name, interval, step) = (name, interval, step)
        await running.set(
            Task.detached {
                while !Task.isCancelled {
                    do {
                        while try await step(app, logger), !Task.isCancelled {}
                    } catch {
                        // Cut off by the shutdown: nothing went wrong.
                        if Task.isCancelled { break }
                        var metadata: Logger.Metadata = ["error_type": "\(type(of: error))"]
                        if let safe = error as? any SafeLogDetails { metadata.merge(safe.logDetails) { a, _ in a } }
                        logger.error("\(name) worker error", metadata: metadata)
                    }
                    try? await Task.sleep(for: interval)
                }
            })
    }

    /// How long a shutdown waits for the steps under way: all the node's workers together, not each in turn.
    static let stopWithin: Duration = .seconds(10)

    func shutdownAsync(_ app: Application) async {
        if await !running.stop(until: app.workersStopBy) {
            Logger(label: "victimcare.\(name)").warning("\(name) worker still busy at shutdown")
        }
    }

    private actor Running {
        var task: Task<Void, Never>?
        func set(_ task: Task<Void, Never>) { self.task = task }

        /// Cancels the loop and waits for it to end; false if it has not ended by `deadline`.
        func stop(until deadline: ContinuousClock.Instant) async -> Bool {
            guard let task else { return true }
            task.cancel()
            let ended = NIOLockedValueBox(false)
            Task {
                await task.value
                ended.withLockedValue { $0 = true }
            }
            let clock = ContinuousClock()
            while !ended.withLockedValue({ $0 }) {
                guard clock.now < deadline, !Task.isCancelled else { return false }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return true
        }
    }
}

extension Application {
    private struct WorkersStopByKey: StorageKey {
        typealias Value = ContinuousClock.Instant
    }

    /// When the node's background workers must have stopped: set by the first to be shut down, `stopWithin` from
    /// then, so a shutdown waits that long at most however many workers there are.
    var workersStopBy: ContinuousClock.Instant {
        if let set = storage[WorkersStopByKey.self] { return set }
        let deadline = ContinuousClock.now + PollingWorker.stopWithin
        storage[WorkersStopByKey.self] = deadline
        return deadline
    }
}

extension PollingWorker {
    /// Expired sessions and spent rate counters go, on every node (deleting what has expired is idempotent).
    static func housekeeping(interval: Duration) -> PollingWorker {
        PollingWorker(name: "housekeeping", interval: interval) { app, _ in
            try await SessionService.purge(on: app.db)
            try await RateLimiter.purge(on: app.db)
            try await SignalHub.purge(on: app.db)
            _ = try await UploadService.expireAbandoned(vault: try app.evidenceVault, on: app.db)
            return false
        }
    }

    /// Video call reminders and missed calls (issue 16): each claimed by a conditional update, so any node may run
    /// it.
    static func videoCalls(interval: Duration) -> PollingWorker {
        PollingWorker(name: "video-calls", interval: interval) { app, _ in
            try await VideoBookingService.sweep(on: app.db) > 0
        }
    }

    /// Recordings probed and given a playable rendition and poster, one at a time on whichever node claims it.
    static func evidenceMedia(_ settings: EvidenceConfig) -> PollingWorker {
        PollingWorker(name: "evidence-media", interval: .seconds(3)) { app, logger in
            try await MediaService.runNext(settings: settings, vault: try app.evidenceVault, logger: logger, on: app.db)
        }
    }

    /// Recordings re-hashed and chains checked continuously: each pass takes the items not verified within
    /// `hours`, a few at a time; a failure is logged as critical and counted for alerting.
    static func evidenceVerification(hours: Int) -> PollingWorker {
        PollingWorker(name: "evidence-verify", interval: .seconds(600)) { app, logger in
            let summary = try await EvidenceVerification.run(
                all: false, hours: hours, limit: 20, vault: try app.evidenceVault, logger: logger, on: app.db)
            return summary.checked == 20
        }
    }

    /// Queued recompute jobs: whichever node claims one runs it.
    static func recompute(interval: Duration) -> PollingWorker {
        PollingWorker(name: "recompute", interval: interval) { app, logger in
            try await RecomputeService.runNext(on: app.db, lanes: app.databaseLanes, logger: logger) != nil
        }
    }

    /// People waiting to be matched (issue 18): whichever node takes the linkage lock matches them. Every node
    /// first brings its index up to date with the log, outside the lock (after a start, the whole log). A hundred to
    /// a transaction, one after another: on SQLite the transaction holds the only write lane, and 500 people held
    /// it for 130–230 ms every two seconds while crimes were being recorded, stalling every request waiting to
    /// write (issue 17).
    static func linkage(interval: Duration) -> PollingWorker {
        PollingWorker(name: "linkage", interval: interval) { app, _ in
            try await app.linkage.keepUp(on: app.db)
            do {
                return try await LinkageService.processQueue(hub: app.linkage, limit: 100, on: app.db) > 0
            } catch LinkageHub.NotReady.training {
                return false  // another node is training the force's model; its next poll finds it stored
            }
        }
    }

    /// Due messages: each node claims its own batch, so nodes share the work.
    static func outbox(interval: Duration, _ messaging: Messaging) -> PollingWorker {
        PollingWorker(name: "outbox", interval: interval) { app, logger in
            try await OutboxService.deliverDue(
                provider: messaging.provider, composer: messaging.composer, settings: messaging.settings,
                logger: logger, on: app.db) > 0
        }
    }

    /// The daily transfer of referrals. Every node looks every few minutes; a batch is made when the last one
    /// is `every` old (open batches, left by a crash, are delivered at once). Claiming is a transaction, so two
    /// nodes looking at once cannot send anyone twice.
    static func referrals(every: TimeInterval, _ settings: ReferralExport.Settings) -> PollingWorker {
        PollingWorker(name: "referrals", interval: .seconds(300)) { app, logger in
            let export = ReferralExport(settings: settings, client: app.client, logger: logger)
            let open = try await ReferralBatch.query(on: app.db).filter(\.$state == "open").count()
            let last = try await ReferralBatch.query(on: app.db).sort(\.$createdAt, .descending).first()
            guard open > 0 || (last?.createdAt ?? .distantPast) < Date().addingTimeInterval(-every) else {
                // Victims sent by `victimcare referrals export --defer-recompute` are worked out here.
                try await export.catchUp(on: app.db)
                return false
            }
            _ = try await export.run(byName: "VictimCare daily transfer", on: app.db)
            return false
        }
    }

    /// The dashboard's snapshot: whichever node first finds the latest one `refreshMinutes` old makes the next.
    static func dashboard(refreshMinutes: Int) -> PollingWorker {
        PollingWorker(name: "dashboard", interval: .seconds(60)) { app, _ in
            _ = try await ComplianceSnapshots.refreshIfDue(
                refreshMinutes: refreshMinutes, node: ProcessInfo.processInfo.hostName, on: app.db)
            return false
        }
    }

    /// The survey's weekly sample: whichever node first finds this week's not yet taken takes it.
    static func survey(perStratum: Int) -> PollingWorker {
        PollingWorker(name: "survey", interval: .seconds(3600)) { app, _ in
            let week = SurveyService.weekOf(London.date(of: Date()))
            guard try await SurveyWave.query(on: app.db).filter(\.$weekOf == week.description).first() == nil else {
                return false
            }
            _ = try await SurveyService.sample(
                weekOf: week, perStratum: perStratum, links: app.config.links, context: .system, on: app.db)
            return false
        }
    }
}

/// An error whose details carry no personal data (sequence numbers, record counts, type names), so a worker's log
/// can name them where it names only the type of any other error.
protocol SafeLogDetails: Error {
    var logDetails: Logger.Metadata { get }
}
