import Foundation
import NIOPosix
import Testing
import Vapor

@testable import VictimCareServer

/// Issue 17: `serve` runs request handling on NIO's event loops; background jobs (the polling workers, imports)
/// run on threads of their own so a long job never holds a loop that serves connections.
@Suite struct BackgroundExecutorTests {
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String] = []
        private var onLoop = false
        func record() {
            lock.lock()
            names.append(BackgroundExecutor.isCurrentThread ? "background" : (Thread.current.name ?? "?"))
            if MultiThreadedEventLoopGroup.currentEventLoop != nil { onLoop = true }
            lock.unlock()
        }
        var snapshot: ([String], Bool) {
            lock.lock()
            defer { lock.unlock() }
            return (names, onLoop)
        }
    }

    @Test func aPollingWorkersStepsRunOnTheBackgroundThreadsNeverOnAnEventLoop() async throws {
        let seen = Seen()
        try await withTestApp { app in
            let worker = PollingWorker(name: "probe", interval: .milliseconds(10)) { _, _ in
                seen.record()
                // Awaiting something that completes on an event loop brings the job back to its own threads.
                try await app.eventLoopGroup.next().makeSucceededVoidFuture().get()
                seen.record()
                return false
            }
            try await worker.didBootAsync(app)
            for _ in 0..<200 where seen.snapshot.0.count < 6 { try await Task.sleep(for: .milliseconds(10)) }
            await worker.shutdownAsync(app)
        }
        let (names, onLoop) = seen.snapshot
        #expect(names.count >= 6)
        #expect(names.allSatisfy { $0 == "background" }, "\(Set(names))")
        #expect(!onLoop)
    }

    @Test func childTasksOfABackgroundJobStayOnItsThreads() async throws {
        let seen = Seen()
        await Task(executorPreference: BackgroundExecutor.shared) {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { seen.record() } }
            }
        }.value
        #expect(seen.snapshot.0.allSatisfy { $0 == "background" }, "\(seen.snapshot.0)")
        #expect(seen.snapshot.0.count == 8)
    }
}
