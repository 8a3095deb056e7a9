import Foundation

/// Canonical forms for matching: a search for "o'brien" finds "O’Brien"; "sw1a1aa" finds "SW1A 1AA".
public enum Normalise {
    /// Lower-case letters and digits only, accents folded. The key names are searched by.
    public static func nameKey(_ name: String) -> String {
        // A name in plain ASCII (most of an English force's records) needs no Unicode folding: lower case, letters
        // and digits kept, is the same key. Foundation's folding was 2% of a bulk import (issue 17).
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            var key: [UInt8] = []
            key.reserveCapacity(name.utf8.count)
            for byte in name.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): key.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): key.append(byte | 0x20)
                default: continue
                }
            }
            return String(decoding: key, as: UTF8.self)
        }
        return foldedNameKey(name)
    }

    /// The key of any name: accents, case and width folded away, then letters and digits of every script kept.
    static func foldedNameKey(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
        return String(folded.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    /// `SW1A 1AA` from any spacing or case; `nil` if it is not a UK postcode.
    public static func postcode(_ text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard compact.count >= 5, compact.count <= 7, compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        let inward = compact.suffix(3)
        let outward = compact.dropLast(3)
        let inwardOK = inward.first!.isNumber && inward.dropFirst().allSatisfy(\.isLetter)
        let o = Array(outward)
        let outwardOK =
            o.first!.isLetter && o.count >= 2 && o.count <= 4
            && (o[1].isNumber || (o.count >= 3 && o[1].isLetter && o[2].isNumber))
        guard inwardOK, outwardOK else { return nil }
        return "\(outward) \(inward)"
    }

    /// The search key of a (possibly partial) postcode: upper case, no spaces.
    public static func postcodeKey(_ text: String) -> String {
        text.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// A force crime reference in canonical form, or `nil` when it is not one.
    /// Letters, digits, `/` and `-`, starting with a letter or digit, 4 to 32 characters.
    public static func crimeReference(_ text: String) -> String? {
        let ref = text.trimmingWhitespaceAndNewlines().uppercased()
        guard (4...32).contains(ref.count), let first = ref.first, first.isASCII, first.isLetter || first.isNumber,
            ref.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "/" || $0 == "-") })
        else { return nil }
        return ref
    }

    /// A phone number kept as typed but checked: digits with optional `+`, spaces, brackets and dashes.
    public static func phone(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        let digits = trimmed.filter(\.isNumber).count
        guard (7...16).contains(digits), trimmed.count <= 32,
            trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || " +()-".contains($0)) })
        else { return nil }
        return trimmed
    }

    public static func email(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        // `firstIndex(of:)`, a character: `contains(".")` took Foundation's substring search (issue 17).
        guard trimmed.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].firstIndex(of: ".") != nil,
            parts[1].first != ".", parts[1].last != ".", !trimmed.contains(where: \.isWhitespace)
        else { return nil }
        return trimmed
    }
}
