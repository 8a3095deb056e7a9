import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor

@testable import VictimCareServer

/// The loop every background job runs in, on every node.
@Suite struct PollingWorkerTests {
    /// Shutting down waits for the step under way before the databases close: a step cut off there went on to use a
    /// closed connection pool, and the worker logged the pool's shutdown error on every stop of a node.
    @Test func shuttingDownWaitsForTheStepUnderWay() async throws {
        try await withTestApp { app in
            let (started, began) = AsyncStream.makeStream(of: Void.self)
            let finished = NIOLockedValueBox<[String]>([])
            let worker = PollingWorker(name: "probe", interval: .seconds(60)) { app, _ in
                began.yield()
                // A step's few statements after the one under way when the stop came.
                var done = 0
                for _ in 0..<5 {
                    done += try await User.query(on: app.db).count() >= 0 ? 1 : 0
                }
                finished.withLockedValue { $0.append("\(done) statements") }
                return false
            }
            try await worker.didBootAsync(app)
            for await _ in started { break }
            await worker.shutdownAsync(app)
            #expect(finished.withLockedValue { $0 } == ["5 statements"], "the step ended before shutdown returned")
        }
    }

    /// A step that does not end is given `stopWithin`, and then the shutdown goes on without it.
    @Test func aStepThatDoesNotEndDoesNotHoldTheShutdownForEver() async throws {
        try await withTestApp { app in
            let (started, began) = AsyncStream.makeStream(of: Void.self)
            let release = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
            let ended = NIOLockedValueBox(false)
            let worker = PollingWorker(name: "stuck", interval: .seconds(60)) { _, _ in
                // Waits, cancelled or not, until the test lets it go.
                await withCheckedContinuation { continuation in
                    release.withLockedValue { $0 = continuation }
                    began.yield()
                }
                ended.withLockedValue { $0 = true }
                return false
            }
            try await worker.didBootAsync(app)
            for await _ in started { break }
            let clock = ContinuousClock()
            let took = await clock.measure { await worker.shutdownAsync(app) }
            #expect(took >= PollingWorker.stopWithin)
            #expect(!ended.withLockedValue { $0 }, "shutdown went on while the step was still waiting")
            release.withLockedValue { $0?.resume() }
        }
    }
}
