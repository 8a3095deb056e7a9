import Foundation

/// Byte sequences in a string's UTF-8, found by a plain loop over its bytes (the standard library's generic
/// `firstRange(of:)` on a UTF-8 view builds type metadata as it goes: most of the outbox's time, measured).
enum ByteSearch {
    static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        firstIndex(of: needle, in: Array(text.utf8), from: 0) != nil
    }

    /// Where `needle` next starts in `bytes` at or after `start`.
    static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return needle.isEmpty ? start : nil }
        return bytes.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pattern in
                var index = start
                let last = hay.count - pattern.count
                while index <= last {
                    if hay[index] == first {
                        var k = 1
                        while k < pattern.count && hay[index + k] == pattern[k] { k += 1 }
                        if k == pattern.count { return index }
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}
