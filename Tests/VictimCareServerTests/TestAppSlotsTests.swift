import Foundation
import NIOConcurrencyHelpers
import Testing

/// The harness's bound on apps running at once: what keeps the PostgreSQL suite within the server's connections.
struct TestAppSlotsTests {
    @Test func noMoreThanTheLimitRunAtOnceAndEveryoneGetsATurn() async throws {
        let slots = TestAppSlots(limit: 3)
        let running = NIOLockedValueBox((now: 0, most: 0, done: 0))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    await slots.acquire()
                    running.withLockedValue {
                        $0.now += 1
                        $0.most = max($0.most, $0.now)
                    }
                    try? await Task.sleep(for: .milliseconds(2))
                    running.withLockedValue {
                        $0.now -= 1
                        $0.done += 1
                    }
                    await slots.release()
                }
            }
        }
        let seen = running.withLockedValue { $0 }
        #expect(seen.done == 40)
        #expect(seen.most == 3, "three at once, never more")
        #expect(await slots.mostInUse == 3)
        #expect(await slots.inUse == 0)
    }

    /// A test that makes a second app inside its first uses the slot it holds: with one slot, waiting for another
    /// would never end.
    @Test func anAppMadeInsideAnotherUsesItsSlot() async throws {
        var inner = false
        try await withTestApp { _ in
            #expect(TestAppSlots.held)
            try await withTestApp { _ in inner = true }
        }
        #expect(inner)
        #expect(!TestAppSlots.held)
    }
}
