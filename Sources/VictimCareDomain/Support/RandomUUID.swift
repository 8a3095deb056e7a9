import Foundation

extension UUID {
    /// A version 4 (random) UUID like `UUID()`'s, drawn from the system's generator. Foundation's `UUID()` on
    /// Linux opened `/dev/urandom` for every id: 4.8% of a bulk import's time, which makes a dozen ids a row.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return random(bitsFrom: &generator)
    }

    /// A version 4 UUID from the given generator's bits (a seeded one in tests).
    public static func random<G: RandomNumberGenerator>(bitsFrom generator: inout G) -> UUID {
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        // Version 4 in the high nibble of byte 6; the RFC 4122 variant (10) in the top bits of byte 8.
        let h = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let l = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        func byte(_ word: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (56 - 8 * index)) }
        return UUID(
            uuid: (
                byte(h, 0), byte(h, 1), byte(h, 2), byte(h, 3), byte(h, 4), byte(h, 5), byte(h, 6), byte(h, 7),
                byte(l, 0), byte(l, 1), byte(l, 2), byte(l, 3), byte(l, 4), byte(l, 5), byte(l, 6), byte(l, 7)
            ))
    }

    /// A record's id: a version 7 UUID (RFC 9562), the Unix time in milliseconds in its first 48 bits, then the
    /// version, then 74 random bits. Ids made one after another sort one after another (as bytes, and as the text
    /// SQLite keeps them in), so each table's primary-key index grows at its end instead of taking every new row
    /// somewhere in the middle: on a bulk load that halved the writer's time (issue 17). 74 random bits are still
    /// far beyond guessing (and access is checked in the services whatever the id); what an id gives away is when
    /// the record was made, to the millisecond, which the record shows anyway. Links sent to victims, tokens and
    /// secrets stay version 4 (`random()`).
    public static func ordered(at date: Date = Date()) -> UUID {
        var generator = PooledSystemRandom()
        return ordered(at: date, bitsFrom: &generator)
    }

    /// A version 7 UUID for the given instant, from the given generator's bits (a seeded one in tests).
    public static func ordered<G: RandomNumberGenerator>(at date: Date, bitsFrom generator: inout G) -> UUID {
        let random = random(bitsFrom: &generator).uuid
        let ms = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        func time(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: ms >> (40 - 8 * index)) }
        // Version 7 in the high nibble of byte 6; the variant already set in byte 8.
        return UUID(
            uuid: (
                time(0), time(1), time(2), time(3), time(4), time(5), (random.6 & 0x0F) | 0x70, random.7, random.8,
                random.9, random.10, random.11, random.12, random.13, random.14, random.15
            ))
    }
}

/// The system's random bits, read a page at a time, for record ids (`UUID.ordered()`). `SystemRandomNumberGenerator`
/// makes a system call for every 64 bits, two for every id: 3% of a bulk import's time, which makes a dozen ids a row
/// (issue 17). One read of `/dev/urandom` here makes 256 ids. The bits are the kernel's, as before; what changes is
/// that the next few hundred ids' bits wait in memory, which is why links sent to victims, tokens and secrets
/// (`UUID.random()`, `Secrets`) do not come from here.
public struct PooledSystemRandom: RandomNumberGenerator {
    public init() {}

    public mutating func next() -> UInt64 { RandomPool.shared.next() }
}

/// The page behind `PooledSystemRandom`, shared by every thread under a lock; each word is handed out once.
final class RandomPool: @unchecked Sendable {
    static let shared = RandomPool(read: RandomPool.urandom)

    static let words = 512
    private let lock = NSLock()
    private var buffer = [UInt64](repeating: 0, count: RandomPool.words)
    private var taken = RandomPool.words
    /// A page of random bytes, or nil when they cannot be had (then the system generator fills it).
    private let read: @Sendable (Int) -> Data?

    init(read: @escaping @Sendable (Int) -> Data?) {
        self.read = read
    }

    /// `/dev/urandom`, opened for each page (a descriptor kept open could be closed and its number reused).
    static func urandom(_ count: Int) -> Data? {
        guard let file = FileHandle(forReadingAtPath: "/dev/urandom") else { return nil }
        defer { try? file.close() }
        return try? file.read(upToCount: count)
    }

    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        if taken == buffer.count { refill() }
        let word = buffer[taken]
        buffer[taken] = 0
        taken += 1
        return word
    }

    /// The buffer filled again from `read`, or (when it gives less than a page) from the system generator.
    private func refill() {
        taken = 0
        let bytes = buffer.count * MemoryLayout<UInt64>.size
        if let data = read(bytes), data.count == bytes {
            buffer.withUnsafeMutableBytes { data.copyBytes(to: $0) }
            return
        }
        var system = SystemRandomNumberGenerator()
        for index in buffer.indices { buffer[index] = system.next() }
    }
}
