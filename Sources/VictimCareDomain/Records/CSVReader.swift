import Foundation

/// A streaming reader of RFC 4180 CSV that never gives up on a file: each record comes out with the line it
/// started on, or as a problem with that line and a reason, and reading goes on with the next record.
///
/// Memory is bounded whatever the input: a physical line longer than `maxLineBytes` is skipped without being
/// kept, and a quoted field left open (a stray `"`) is abandoned after `maxRecordLines` lines or at the end of
/// the input — the record is reported and reading resumes on the line after the one it started on, so one
/// broken quote costs one row, not the rest of the file. A line break inside a quoted field comes out as `\n`.
public struct CSVReader: Sendable {
    public enum Item: Equatable, Sendable {
        case record(line: Int, fields: [String])
        case problem(line: Int, reason: String)
    }

    public var maxLineBytes: Int
    public var maxRecordLines: Int

    /// Bytes not yet split into lines.
    private var buffer: [UInt8] = []
    private var scanFrom = 0
    /// Whole physical lines waiting to be parsed: (line number, bytes, too long).
    private var lines: [(number: Int, bytes: [UInt8], tooLong: Bool)] = []
    private var nextLineNumber = 1
    /// A line over the limit is being skipped until its end.
    private var skipping = false
    private var finished = false
    private var sawBOM = false

    public init(maxLineBytes: Int = 256 * 1024, maxRecordLines: Int = 64) {
        self.maxLineBytes = maxLineBytes
        self.maxRecordLines = maxRecordLines
    }

    /// Adds bytes read from the input, in chunks of any size.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        splitLines()
    }

    /// Says the input has ended; the last line need not end with a newline.
    public mutating func finish() {
        finished = true
        if !buffer.isEmpty || skipping {
            appendLine(skipping ? [] : buffer, tooLong: skipping)
            buffer.removeAll()
            skipping = false
        }
    }

    /// The next record or problem, or nil when more input is needed (or, after `finish`, when there is no more).
    public mutating func next() -> Item? {
        while let first = lines.first {
            if first.tooLong {
                lines.removeFirst()
                return .problem(line: first.number, reason: "the line is longer than \(maxLineBytes) bytes")
            }
            if first.bytes.isEmpty || first.bytes == [0x0D] {
                lines.removeFirst()
                continue
            }
            switch parse() {
            case .needMore:
                return nil
            case .record(let used, let fields):
                lines.removeFirst(used)
                return .record(line: first.number, fields: fields)
            case .problem(let used, let reason):
                lines.removeFirst(used)
                return .problem(line: first.number, reason: reason)
            }
        }
        return nil
    }

    private enum Parsed {
        case needMore
        case record(used: Int, fields: [String])
        case problem(used: Int, reason: String)
    }

    /// Parses one record from the queued lines, taking continuation lines while a quoted field is open.
    private func parse() -> Parsed {
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var afterQuote = false
        var fieldStarted = false
        var index = 0
        while index < lines.count {
            if lines[index].tooLong {
                return .problem(used: 1, reason: "a quoted field is not closed")
            }
            var bytes = lines[index].bytes
            if bytes.last == 0x0D { bytes.removeLast() }
            if index == 0, lines[0].number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                bytes.removeFirst(3)
            }
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if quoted {
                    if b == 0x22 {
                        if i + 1 < bytes.count, bytes[i + 1] == 0x22 {
                            field.append(0x22)
                            i += 1
                        } else {
                            quoted = false
                            afterQuote = true
                        }
                    } else {
                        field.append(b)
                    }
                } else if b == 0x2C {
                    guard let text = String(validating: field, as: UTF8.self) else {
                        return .problem(used: index + 1, reason: "field \(fields.count + 1) is not valid UTF-8")
                    }
                    fields.append(text)
                    field.removeAll(keepingCapacity: true)
                    afterQuote = false
                    fieldStarted = false
                } else if afterQuote {
                    return .problem(
                        used: index + 1, reason: "field \(fields.count + 1) has text after its closing quote")
                } else if b == 0x22 {
                    if fieldStarted {
                        return .problem(
                            used: index + 1, reason: "field \(fields.count + 1) has a quote inside an unquoted value")
                    }
                    quoted = true
                    fieldStarted = true
                } else {
                    field.append(b)
                    fieldStarted = true
                }
                i += 1
            }
            if !quoted {
                guard let text = String(validating: field, as: UTF8.self) else {
                    return .problem(used: index + 1, reason: "field \(fields.count + 1) is not valid UTF-8")
                }
                fields.append(text)
                return .record(used: index + 1, fields: fields)
            }
            // The quoted field goes on over the line break.
            field.append(0x0A)
            index += 1
            if index >= maxRecordLines {
                return .problem(used: 1, reason: "a quoted field is not closed")
            }
        }
        // The open quote reaches past the lines we have.
        if finished { return .problem(used: 1, reason: "a quoted field is not closed") }
        return .needMore
    }

    private mutating func splitLines() {
        var start = 0
        while let newline = buffer[(start + scanFrom)...].firstIndex(of: 0x0A) {
            let tooLong = skipping || newline - start > maxLineBytes
            appendLine(tooLong ? [] : Array(buffer[start..<newline]), tooLong: tooLong)
            skipping = false
            start = newline + 1
            scanFrom = 0
        }
        buffer.removeFirst(start)
        if skipping || buffer.count > maxLineBytes {
            // Keep nothing of an over-long line; remember to report it when it ends.
            skipping = true
            buffer.removeAll(keepingCapacity: true)
        }
        scanFrom = buffer.count
    }

    private mutating func appendLine(_ bytes: [UInt8], tooLong: Bool) {
        lines.append((nextLineNumber, bytes, tooLong))
        nextLineNumber += 1
    }
}

extension CSVReader {
    /// Reads a whole input held in memory (tests and small uploads).
    public static func records(in bytes: [UInt8], maxLineBytes: Int = 256 * 1024) -> [Item] {
        var reader = CSVReader(maxLineBytes: maxLineBytes)
        reader.feed(bytes)
        reader.finish()
        var items: [Item] = []
        while let item = reader.next() { items.append(item) }
        return items
    }

    /// One record as a CSV line (quoting only where needed), the inverse of reading it.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            // By byte: "\r\n" is one Character, equal to neither "\r" nor "\n".
            field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}
