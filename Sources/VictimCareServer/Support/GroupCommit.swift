import Fluent

/// Group commit: the work of every caller that arrives while a write is under way goes together in the next
/// write, so many requests share one transaction and one multi-row statement per table where each would have
/// made its own. Each caller waits until its own work is committed and gets its own result.
///
/// If a write fails, each caller's work is tried again alone, so one caller's bad data (a reference another
/// request took, a value the database refuses) fails only that caller. A failure of the database itself (the
/// connection lost, SQLite's write lane busy past its timeout) is not tried again: it fails that write's callers and
/// every caller still waiting, who would each have waited the whole timeout again for the same answer.
actor GroupCommit<Item: Sendable, Output: Sendable> {
    /// Writes a batch and gives one output per item, in the items' order.
    typealias Write = @Sendable ([Item], any Database) async throws -> [Output]

    private struct Waiting {
        let item: Item
        let weight: Int
        let done: CheckedContinuation<Output, any Error>
    }
    private var waiting: [Waiting] = []
    private var writing = false
    /// Most weight (rows) in one write, so a burst does not build one enormous transaction. A single item heavier
    /// than this still goes, alone.
    private let maxWeight: Int
    /// The application's database: every write goes through it, whichever request started the write.
    private let database: @Sendable () -> any Database
    private let write: Write

    /// How many writes it has committed (for tests: fewer than its callers when they came together).
    private(set) var writes = 0
    /// How many callers are not yet answered: waiting for a write, or in the one under way (for tests).
    var pending: Int { waiting.count + inWrite }
    private var inWrite = 0

    init(maxWeight: Int, database: @escaping @Sendable () -> any Database, write: @escaping Write) {
        self.maxWeight = maxWeight
        self.database = database
        self.write = write
    }

    /// Hands `item` to the next write (starting one if none is under way) and returns once it is committed.
    func submit(_ item: Item, weight: Int = 1) async throws -> Output {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Output, any Error>) in
            waiting.append(Waiting(item: item, weight: weight, done: done))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        let db = database()
        while !waiting.isEmpty {
            var batch: [Waiting] = []
            var weight = 0
            while let next = waiting.first, batch.isEmpty || weight + next.weight <= maxWeight {
                batch.append(waiting.removeFirst())
                weight += next.weight
            }
            inWrite = batch.count
            defer { inWrite = 0 }
            do {
                let outputs = try await written(batch.map(\.item), on: db)
                for (caller, output) in zip(batch, outputs) { caller.done.resume(returning: output) }
            } catch  where Self.isTheDatabase(error) {
                let everyone = batch + waiting
                waiting.removeAll()
                for caller in everyone { caller.done.resume(throwing: error) }
            } catch  where batch.count > 1 {
                // One caller's bad data must not fail the others: each is tried again alone.
                for caller in batch {
                    do {
                        caller.done.resume(returning: try await written([caller.item], on: db)[0])
                    } catch {
                        caller.done.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].done.resume(throwing: error)
            }
        }
        writing = false
    }

    /// A failure of the database rather than of what was written.
    private static func isTheDatabase(_ error: any Error) -> Bool {
        if error is WriteLaneBusy || error is CancellationError { return true }
        if let error = error as? any DatabaseError { return error.isConnectionClosed }
        return false
    }

    private struct WrongCount: Error {}

    private func written(_ items: [Item], on db: any Database) async throws -> [Output] {
        let outputs = try await write(items, db)
        // A write that does not give one output per item is a defect; its callers get an error, not a crash.
        guard outputs.count == items.count else { throw WrongCount() }
        writes += 1
        return outputs
    }
}
