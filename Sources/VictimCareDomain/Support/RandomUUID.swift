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
        var generator = SystemRandomNumberGenerator()
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
