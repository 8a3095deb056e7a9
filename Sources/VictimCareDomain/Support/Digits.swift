import Foundation

/// Numbers written as `String(format: "%0Nd")` writes them, without `String(format:)`'s cost (it goes through
/// CoreFoundation's format parser and boxes every argument: a fifth of a recompute's time was spent there,
/// writing due dates).
enum Digits {
    static func pad(_ value: Int, _ width: Int, into out: inout [UInt8]) {
        guard value >= 0 else {
            out.append(contentsOf: String(format: "%0\(width)d", value).utf8)
            return
        }
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        if digits.count < width {
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
        }
        out.append(contentsOf: digits.reversed())
    }

    /// `parts` joined by `separators` (one fewer), each part padded to its width.
    static func join(_ parts: [(Int, Int)], _ separators: [UInt8], prefix: String = "", suffix: String = "")
        -> String
    {
        var out: [UInt8] = Array(prefix.utf8)
        out.reserveCapacity(prefix.utf8.count + 24)
        for (index, part) in parts.enumerated() {
            if index > 0 { out.append(separators[index - 1]) }
            pad(part.0, part.1, into: &out)
        }
        out.append(contentsOf: suffix.utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
