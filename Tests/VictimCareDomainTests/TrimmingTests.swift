import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 17: the trimming the validators and the import use trims exactly what Foundation's does.
@Suite struct TrimmingTests {
    /// Every scalar of the Basic Multilingual Plane and the first supplementary ones, alone and at both ends
    /// of text, trims as `trimmingCharacters(in:)` trims.
    @Test func trimsTheCharactersFoundationTrims() {
        var checked = 0
        for value in UInt32(0)...0x2_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let s = String(Character(scalar))
            for text in [s, s + "a" + s, " \t" + s + "Żółć محمد" + s + "\u{3000}", "x" + s + "y"] {
                #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces), "U+\(value)")
                #expect(
                    text.trimmingWhitespaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines),
                    "U+\(value)")
            }
            checked += 1
        }
        #expect(checked > 100_000)
    }

    @Test func trimsByScalarNotByCharacter() {
        // A space that a combining accent follows makes one Character with it; Foundation trims the space scalar.
        let text = " \u{301}é \u{2028}\r\n"
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
        #expect(text.trimmingWhitespaceAndNewlines() == "\u{301}é")
        #expect(Substring("  王小明  ").trimmingWhitespace() == "王小明")
        #expect("".trimmingWhitespace() == "" && "   ".trimmingWhitespaceAndNewlines() == "")
    }
}

@Suite struct RandomUUIDTests {
    @Test func idsAreVersionFourAndDoNotRepeat() {
        var seen = Set<UUID>()
        for _ in 0..<50_000 {
            let id = UUID.random()
            let text = id.uuidString
            // xxxxxxxx-xxxx-4xxx-[89AB]xxx-xxxxxxxxxxxx
            #expect(Array(text)[14] == "4")
            #expect("89AB".contains(Array(text)[19]))
            #expect(UUID(uuidString: text) == id)
            seen.insert(id)
        }
        #expect(seen.count == 50_000)
    }

    @Test func theBitsAreTheGeneratorsBitsApartFromVersionAndVariant() {
        struct Fixed: RandomNumberGenerator {
            var words: [UInt64]
            mutating func next() -> UInt64 { words.removeFirst() }
        }
        var ones = Fixed(words: [.max, .max])
        #expect(UUID.random(bitsFrom: &ones).uuidString == "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF")
        var zeros = Fixed(words: [0, 0])
        #expect(UUID.random(bitsFrom: &zeros).uuidString == "00000000-0000-4000-8000-000000000000")
        var counting = Fixed(words: [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210])
        #expect(UUID.random(bitsFrom: &counting).uuidString == "01234567-89AB-4DEF-BEDC-BA9876543210")
    }

    /// RFC 9562's own example of a version 7 UUID (appendix A.6): its time, and its random bits from the generator.
    @Test func anOrderedIdIsTheRFCsVersionSeven() {
        struct Fixed: RandomNumberGenerator {
            var words: [UInt64]
            mutating func next() -> UInt64 { words.removeFirst() }
        }
        var bits = Fixed(words: [0x0000_0000_0000_0CC3, 0x98C4_DC0C_0C07_398F])
        let at = Date(timeIntervalSince1970: 1_645_557_742)
        #expect(UUID.ordered(at: at, bitsFrom: &bits).uuidString == "017F22E2-79B0-7CC3-98C4-DC0C0C07398F")
    }

    /// Ids made later sort later, as bytes and as text (SQLite keeps them as text, PostgreSQL as bytes), and
    /// ids made in the same millisecond still do not repeat.
    @Test func orderedIdsSortInTheOrderTheyWereMade() {
        let start = Date(timeIntervalSince1970: 1_764_000_000)
        var ids: [UUID] = []
        for n in 0..<20_000 {
            let id = UUID.ordered(at: start.addingTimeInterval((Double(n / 4) + 0.5) / 1000))
            #expect(Array(id.uuidString)[14] == "7")
            #expect("89AB".contains(Array(id.uuidString)[19]))
            ids.append(id)
        }
        #expect(Set(ids).count == ids.count)
        func bytes(_ id: UUID) -> [UInt8] { withUnsafeBytes(of: id.uuid) { Array($0) } }
        for n in stride(from: 4, to: ids.count, by: 4) {
            #expect(ids[n - 1].uuidString < ids[n].uuidString)
            #expect(bytes(ids[n - 1]).lexicographicallyPrecedes(bytes(ids[n])))
        }
        #expect(UUID.ordered().uuidString > ids.last!.uuidString)
    }

    /// Ids are drawn from a page of the system's random bits shared by every thread: each word is handed out once,
    /// across page boundaries and to threads taking them at the same time, and the words are random (about half
    /// their bits set).
    @Test func thePooledBitsAreHandedOutOnceAndAreRandom() async {
        let perTask = RandomPool.words * 3 + 7
        let drawn = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var pool = PooledSystemRandom()
                    return (0..<perTask).map { _ in pool.next() }
                }
            }
            var all: [UInt64] = []
            for await words in group { all += words }
            return all
        }
        #expect(Set(drawn).count == 8 * perTask)
        let ones = drawn.reduce(0) { $0 + $1.nonzeroBitCount }
        let bits = Double(drawn.count * 64)
        #expect(abs(Double(ones) / bits - 0.5) < 0.01, "\(ones) of \(Int(bits)) bits set")
    }

    /// The words are the page's bytes, in order, each once; a page that cannot be read whole is made by the system
    /// generator instead (random, not zeros).
    @Test func aPoolHandsOutItsPageAndFallsBackWhenItCannotReadOne() {
        let page = (0..<RandomPool.words * 8).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let pages = RandomPool { count in count == page.count ? Data(page) : nil }
        let words = (0..<RandomPool.words * 2).map { _ in pages.next() }
        let expected = page.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
        #expect(Array(words[..<RandomPool.words]) == expected)
        #expect(Array(words[RandomPool.words...]) == expected)

        for broken in [RandomPool { _ in nil }, RandomPool { count in Data(count: count / 2) }] {
            let words = (0..<RandomPool.words + 3).map { _ in broken.next() }
            #expect(Set(words).count == words.count)
            #expect(!words.contains(0))
        }
    }
}
