import Crypto
import Foundation

/// Random tokens and their hashes. Tokens are URL-safe base64 of cryptographically random bytes.
enum Secrets {
    /// `bytes` from the system's generator, eight to a draw (one draw a byte was a system call a byte: 40% of planning
    /// a recorded victim's messages, issue 17), as URL-safe base64 without padding.
    static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        var data = Data(capacity: bytes + 7)
        while data.count < bytes { withUnsafeBytes(of: generator.next() as UInt64) { data.append(contentsOf: $0) } }
        return base64URL(data.prefix(bytes))
    }

    /// URL-safe base64 (RFC 4648 §5) without padding.
    static func base64URL(_ data: Data) -> String {
        var text = Array(data.base64EncodedString().utf8)
        text.removeAll { $0 == UInt8(ascii: "=") }
        for index in text.indices {
            if text[index] == UInt8(ascii: "+") {
                text[index] = UInt8(ascii: "-")
            } else if text[index] == UInt8(ascii: "/") {
                text[index] = UInt8(ascii: "_")
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// Bytes (a digest, a signature) as lower-case hexadecimal.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without stopping at the first difference, so timing does not leak a secret's prefix.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// A password a person can type: four groups of lower-case letters and digits.
    static func readablePassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let groups = (0..<4).map { _ in String((0..<5).map { _ in alphabet.randomElement(using: &generator)! }) }
        return groups.joined(separator: "-")
    }
}
