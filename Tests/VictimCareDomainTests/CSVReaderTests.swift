import Foundation
import Testing

@testable import VictimCareDomain

@Suite("CSV reader")
struct CSVReaderTests {
    private func read(_ text: String, maxLineBytes: Int = 256 * 1024) -> [CSVReader.Item] {
        CSVReader.records(in: Array(text.utf8), maxLineBytes: maxLineBytes)
    }

    @Test func plainQuotedAndEscapedFields() {
        let items = read("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n\"two\nlines\",z,\n")
        #expect(
            items == [
                .record(line: 1, fields: ["a", "b", "c"]),
                .record(line: 2, fields: ["x, y", "say \"hi\"", ""]),
                .record(line: 3, fields: ["two\nlines", "z", ""]),
            ])
    }

    @Test func emptyLinesAreSkippedAndLineNumbersStayTrue() {
        let items = read("h\n\n\r\nrow\n\n")
        #expect(items == [.record(line: 1, fields: ["h"]), .record(line: 4, fields: ["row"])])
    }

    @Test func aByteOrderMarkIsDropped() {
        #expect(read("\u{FEFF}source_id,x\n") == [.record(line: 1, fields: ["source_id", "x"])])
    }

    @Test func brokenQuotingCostsOneRowAndReadingResumes() {
        let items = read("a,\"open\nb,c\nd,e\n")
        #expect(items.first == .problem(line: 1, reason: "a quoted field is not closed"))
        #expect(items.dropFirst() == [.record(line: 2, fields: ["b", "c"]), .record(line: 3, fields: ["d", "e"])])
        #expect(read("ab\"c,d\n") == [.problem(line: 1, reason: "field 1 has a quote inside an unquoted value")])
        #expect(read("\"ab\"c,d\n") == [.problem(line: 1, reason: "field 1 has text after its closing quote")])
    }

    @Test func anOpenQuoteIsAbandonedAfterTheLineLimit() {
        var text = "x,\"never closed\n"
        for n in 0..<100 { text += "row\(n),v\n" }
        let items = read(text)
        #expect(items.first == .problem(line: 1, reason: "a quoted field is not closed"))
        #expect(items.count == 101)
        #expect(items.last == .record(line: 101, fields: ["row99", "v"]))
    }

    @Test func invalidUTF8IsAProblemOfThatRowOnly() {
        var bytes = Array("ok,1\n".utf8)
        bytes += [0x6E, 0x61, 0xEF, 0x76, 0x65, 0x2C, 0x32, 0x0A]  // "na\xEFve,2" (Latin-1 ï)
        bytes += Array("fine,3\n".utf8)
        let items = CSVReader.records(in: bytes)
        #expect(
            items == [
                .record(line: 1, fields: ["ok", "1"]), .problem(line: 2, reason: "field 1 is not valid UTF-8"),
                .record(line: 3, fields: ["fine", "3"]),
            ])
    }

    @Test func anOverLongLineIsSkippedWithoutBeingKept() {
        let long = String(repeating: "x", count: 1_000_000)
        var reader = CSVReader(maxLineBytes: 4096)
        reader.feed(Array("a,b\n".utf8))
        // Fed in small pieces, as a file is read, the long line is never held whole.
        let piece = Array(("id,\"" + long + "\"\n").utf8)
        var offset = 0
        while offset < piece.count {
            reader.feed(piece[offset..<min(offset + 8192, piece.count)])
            offset += 8192
        }
        reader.feed(Array("c,d".utf8))
        reader.finish()
        var items: [CSVReader.Item] = []
        while let item = reader.next() { items.append(item) }
        #expect(
            items == [
                .record(line: 1, fields: ["a", "b"]),
                .problem(line: 2, reason: "the line is longer than 4096 bytes"),
                .record(line: 3, fields: ["c", "d"]),
            ])
    }

    @Test func chunkBoundariesDoNotMatter() {
        let text = Array("a,\"b\r\nc\",d\r\n\"\"\"\",e\r\nlast,\"\"".utf8)
        let whole = CSVReader.records(in: text)
        for size in 1...7 {
            var reader = CSVReader()
            var items: [CSVReader.Item] = []
            var offset = 0
            while offset < text.count {
                reader.feed(text[offset..<min(offset + size, text.count)])
                offset += size
                while let item = reader.next() { items.append(item) }
            }
            reader.finish()
            while let item = reader.next() { items.append(item) }
            #expect(items == whole, "chunks of \(size)")
        }
        #expect(whole.count == 3)
    }

    /// Random records written with `line` read back as the same fields; random bytes never trap, every
    /// reported line exists, and line numbers only go up.
    @Test func fuzzing() {
        var random = SplitMix(seed: 20_261_123)
        let alphabet: [String] = ["a", "Z", "0", ",", "\"", "\n", "\r\n", " ", "é", "😀", "\t", "\u{FEFF}"]
        for _ in 0..<3_000 {
            var rows: [[String]] = []
            for _ in 0..<(1 + random.next(6)) {
                rows.append(
                    (0..<(1 + random.next(5))).map { _ in
                        (0..<random.next(8)).map { _ in alphabet[random.next(alphabet.count)] }.joined()
                    })
            }
            // A row of one empty field is an empty line, which the reader skips by design.
            rows = rows.filter { $0 != [""] }
            if let first = rows.first?.first, first.hasPrefix("\u{FEFF}") { continue }
            let text = rows.map(CSVReader.line).joined(separator: "\n")
            let got = CSVReader.records(in: Array(text.utf8)).compactMap { item -> [String]? in
                if case .record(_, let fields) = item { return fields } else { return nil }
            }
            #expect(
                got == rows.map { $0.map { $0.replacingOccurrences(of: "\r\n", with: "\n") } },
                "round trip of \(text.debugDescription)")
        }
        for round in 0..<3_000 {
            let count = random.next(400)
            var bytes: [UInt8] = []
            for _ in 0..<count {
                // Mostly the characters that matter to CSV, some of anything.
                let pick = random.next(10)
                bytes.append(
                    pick < 2 ? 0x22 : pick < 4 ? 0x2C : pick < 5 ? 0x0A : pick < 6 ? 0x0D : UInt8(random.next(256)))
            }
            let lineCount = bytes.filter { $0 == 0x0A }.count + 1
            var last = 0
            for item in CSVReader.records(in: bytes, maxLineBytes: 64 + round % 64) {
                let line: Int
                switch item {
                case .record(let l, _): line = l
                case .problem(let l, _): line = l
                }
                #expect(line > last && line <= lineCount)
                last = line
            }
        }
    }
}

/// A small deterministic generator, so a failing case can be replayed.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
