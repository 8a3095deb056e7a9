/// Trimming without Foundation's `NSString` bridge, which was 3.5% of an import's time (issue 17): the same
/// characters as `trimmingCharacters(in: .whitespaces)` and `(in: .whitespacesAndNewlines)` remove, decided per
/// Unicode scalar as Foundation does (`TrimmingTests` compares every scalar).
extension StringProtocol {
    /// What `trimmingCharacters(in: .whitespaces)` gives: general category Zs, the zero width space and the tab
    /// removed at both ends.
    public func trimmingWhitespace() -> String { trimming(newlines: false) }

    /// What `trimmingCharacters(in: .whitespacesAndNewlines)` gives: also the line and paragraph separators
    /// (general categories Zl and Zp), U+000A to U+000D and U+0085.
    public func trimmingWhitespaceAndNewlines() -> String { trimming(newlines: true) }

    private func trimming(newlines: Bool) -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, Self.isTrimmed(scalars[start], newlines: newlines) { start = scalars.index(after: start) }
        while start < end {
            let last = scalars.index(before: end)
            guard Self.isTrimmed(scalars[last], newlines: newlines) else { break }
            end = last
        }
        return String(self[start..<end])
    }

    private static func isTrimmed(_ scalar: Unicode.Scalar, newlines: Bool) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value == 0x20 || value == 0x09 || (newlines && (0x0A...0x0D).contains(value))
        }
        // Foundation still counts the zero width space among the spaces (Unicode moved it to Cf in 4.0.1).
        if value == 0x200B { return true }
        switch scalar.properties.generalCategory {
        case .spaceSeparator: return true
        case .lineSeparator, .paragraphSeparator: return newlines
        default: return newlines && value == 0x85
        }
    }
}
