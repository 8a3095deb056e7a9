import Fluent

/// Group commit: the work of every caller that arrives while a write is under way goes together in the next
/// write, so many requests share one transaction and one multi-row statement per table where each would have
/// made its own. Each caller waits until its own work is committed and gets its own result. If the write breaks
/// a constraint, each caller's work is tried again alone, so one bad row fails only its own caller; any other
/// failure (the database gone or busy) fails every caller in the write, as it would have failed each alone.
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
    /// Most weight (rows, crimes) in one write, so a burst does not build one enormous transaction. A single
    /// item heavier than this still goes, alone.
    private let maxWeight: Int
    private let write: Write

    /// How many writes it has made (for tests: fewer than its callers when they came together).
    private(set) var writes = 0

    init(maxWeight: Int, write: @escaping Write) {
        self.maxWeight = maxWeight
        self.write = write
    }

    /// Hands `item` to the next write (starting one if none is under way) and returns once it is committed.
    func submit(_ item: Item, weight: Int = 1, on db: any Database) async throws -> Output {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Output, any Error>) in
            waiting.append(Waiting(item: item, weight: weight, done: done))
            if !writing {
                writing = true
                Task { await self.drain(on: db) }
            }
        }
    }

    private func drain(on db: any Database) async {
        while !waiting.isEmpty {
            var batch: [Waiting] = []
            var weight = 0
            while let next = waiting.first, batch.isEmpty || weight + next.weight <= maxWeight {
                batch.append(waiting.removeFirst())
                weight += next.weight
            }
            do {
                let outputs = try await written(batch.map(\.item), on: db)
                for (waiting, output) in zip(batch, outputs) { waiting.done.resume(returning: output) }
            } catch let error as any DatabaseError where error.isConstraintFailure && batch.count > 1 {
                // One caller's bad row must not fail the others: each is tried again alone. (Any other failure
                // would only fail again, one caller at a time.)
                for waiting in batch {
                    do {
                        waiting.done.resume(returning: try await written([waiting.item], on: db)[0])
                    } catch {
                        waiting.done.resume(throwing: error)
                    }
                }
            } catch {
                for waiting in batch { waiting.done.resume(throwing: error) }
            }
        }
        writing = false
    }

    private func written(_ items: [Item], on db: any Database) async throws -> [Output] {
        let outputs = try await write(items, db)
        writes += 1
        precondition(outputs.count == items.count, "a group write gives one output per item")
        return outputs
    }
}
