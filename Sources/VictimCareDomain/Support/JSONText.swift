/// JSON strings written straight into a byte buffer, as `JSONEncoder` writes them: quote, backslash and control
/// characters escaped, every other script as UTF-8. Used where the encoder's generic machinery was the cost (the
/// referral export's lines, a needs assessment's answers: issue 17).
public enum JSONText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// `escapingSlashes`: `/` as `\/`, as `JSONEncoder` does unless told `.withoutEscapingSlashes`.
    public static func quote(_ value: String, escapingSlashes: Bool = false, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied whole: most values have none at all.
            var run = 0
            for index in bytes.indices {
                let byte = bytes[index]
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"),
                    byte != UInt8(ascii: "/") || !escapingSlashes
                {
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                run = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "/"): out.append(contentsOf: "\\/".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0C: out.append(contentsOf: "\\f".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
