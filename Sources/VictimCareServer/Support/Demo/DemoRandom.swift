import Foundation
import VictimCareDomain

/// The demo force's random choices, from a seeded generator, so a seed always gives the same force.
struct DemoRandom: RandomNumberGenerator {
    private var source: SeededRandom

    init(seed: UInt64) {
        source = SeededRandom(seed: seed)
    }

    mutating func next() -> UInt64 { source.next() }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    /// Picks by weight; `weights` need not sum to anything in particular.
    mutating func weighted<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var roll = Double(next() >> 11) / Double(1 << 53) * total
        for (item, weight) in items {
            roll -= weight
            if roll < 0 { return item }
        }
        return items[items.count - 1].0
    }
}

/// Ids that rise with each call, so bulk inserts append to the primary-key index instead of scattering
/// across it (the difference between minutes and seconds at a million crimes). Version-7 layout.
struct SequentialIDs {
    private var counter: UInt64
    private var random: DemoRandom

    init(seed: UInt64, start: UInt64 = 0x0190_0000_0000) {
        counter = start
        random = DemoRandom(seed: seed ^ 0x5EED_1D5)
    }

    mutating func next() -> UUID {
        counter += 1
        let tail = random.next()
        let c = counter
        return UUID(
            uuid: (
                UInt8(truncatingIfNeeded: c >> 40), UInt8(truncatingIfNeeded: c >> 32),
                UInt8(truncatingIfNeeded: c >> 24),
                UInt8(truncatingIfNeeded: c >> 16), UInt8(truncatingIfNeeded: c >> 8), UInt8(truncatingIfNeeded: c),
                0x70 | UInt8(truncatingIfNeeded: tail & 0x0F), UInt8(truncatingIfNeeded: tail >> 8),
                0x80 | UInt8(truncatingIfNeeded: (tail >> 16) & 0x3F), UInt8(truncatingIfNeeded: tail >> 24),
                UInt8(truncatingIfNeeded: tail >> 32), UInt8(truncatingIfNeeded: tail >> 40),
                UInt8(truncatingIfNeeded: tail >> 48),
                UInt8(truncatingIfNeeded: tail >> 56), UInt8(truncatingIfNeeded: tail >> 20),
                UInt8(truncatingIfNeeded: tail >> 28)
            ))
    }
}
