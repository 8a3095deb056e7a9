import Foundation

/// Threads of their own for the background jobs of `serve` (the polling workers, imports), apart from the event
/// loops that serve connections. `serve` runs its request handling on NIO's event loops (one pool of threads
/// instead of two: each statement and response was a hop from one to the other, issue 17); a job that plans
/// an import chunk or hashes a recording for seconds would then stall every connection on its loop. Tasks
/// started with this executor as their preference run here, and their child tasks with them.
final class BackgroundExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = BackgroundExecutor(threads: max(1, min(2, ProcessInfo.processInfo.activeProcessorCount)))

    private static let marker = "victimcare.background"

    /// Whether the calling code runs on one of these threads (tests; a job that must not be on an event loop).
    static var isCurrentThread: Bool { Thread.current.threadDictionary[marker] != nil }

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    init(threads: Int) {
        for _ in 0..<threads {
            let thread = Thread { [unowned self] in
                Thread.current.threadDictionary[Self.marker] = true
                self.run()
            }
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head > 1024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
