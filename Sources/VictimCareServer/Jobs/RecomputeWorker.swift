import Fluent
import Foundation
import Logging
import Vapor

/// Polls for queued recompute jobs on every node; whichever claims one runs it.
struct RecomputeWorker: LifecycleHandler {
    let interval: Duration

    func didBootAsync(_ app: Application) async throws {
        let logger = Logger(label: "victimcare.recompute")
        let task = Task.detached {
            while !Task.isCancelled {
                do {
                    while try await RecomputeService.runNext(on: app.db, lanes: app.databaseLanes, logger: logger)
                        != nil
                    {}
                } catch {
                    logger.error("recompute worker error", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        app.storage[WorkerKey.self] = task
    }

    func shutdownAsync(_ app: Application) async {
        app.storage[WorkerKey.self]?.cancel()
    }

    struct WorkerKey: StorageKey {
        typealias Value = Task<Void, Never>
    }
}
