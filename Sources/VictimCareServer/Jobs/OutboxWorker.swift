import Fluent
import Foundation
import Logging
import Vapor

/// Delivers due messages on every node: each claims its own batch, so nodes share the work.
struct OutboxWorker: LifecycleHandler {
    let interval: Duration

    func didBootAsync(_ app: Application) async throws {
        let logger = Logger(label: "victimcare.outbox")
        let messaging = app.messaging
        let task = Task.detached {
            while !Task.isCancelled {
                do {
                    while try await OutboxService.deliverDue(
                        provider: messaging.provider, composer: messaging.composer, settings: messaging.settings,
                        logger: logger, on: app.db) > 0
                    {}
                } catch {
                    logger.error("outbox worker error", metadata: ["error_type": "\(type(of: error))"])
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
