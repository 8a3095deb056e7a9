import Foundation

/// Text made comparable for record linkage: case, accents and punctuation removed, names mapped to their
/// canonical variant, UK postcodes split into unit/sector/district, phone numbers reduced to their national
/// digits, dates of birth read in the formats records systems export.
public enum LinkageText {
    /// Lower case, accents folded, anything but letters and digits dropped, runs of space collapsed. Scripts other
    /// than Latin keep their letters (an Arabic or Chinese name compares as itself).
    public static func name(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        var out = ""
        out.reserveCapacity(raw.utf8.count)
        var pendingSpace = false
        let asciiOnly = raw.utf8.allSatisfy { $0 < 0x80 }
        let folded = asciiOnly ? raw : raw.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        for scalar in folded.unicodeScalars {
            if scalar.isASCII {
                let v = scalar.value
                if v >= 65 && v <= 90 {
                    if pendingSpace && !out.isEmpty { out.append(" ") }
                    pendingSpace = false
                    out.unicodeScalars.append(Unicode.Scalar(v + 32)!)
                } else if (v >= 97 && v <= 122) || (v >= 48 && v <= 57) {
                    if pendingSpace && !out.isEmpty { out.append(" ") }
                    pendingSpace = false
                    out.unicodeScalars.append(scalar)
                } else if v == 32 || v == 45 || v == 9 {
                    pendingSpace = true
                }
                // Apostrophes and full stops vanish: O'Brien is obrien, "F." is f.
            } else if scalar.properties.isAlphabetic {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else if scalar.properties.isWhitespace {
                pendingSpace = true
            }
        }
        return out.isEmpty ? nil : out
    }

    /// A UK postcode as unit ("SW1A1AA"), sector ("SW1A1") and district ("SW1A"); a partial postcode gives what
    /// it has (an outward code alone is a district).
    public struct Postcode: Sendable, Hashable {
        public var unit: String?
        public var sector: String?
        public var district: String
    }

    public static func postcode(_ raw: String?) -> Postcode? {
        guard let raw else { return nil }
        // Written with a space, the outward code is what comes before it ("N15 8" is sector N15 8).
        let parts = raw.uppercased().split(separator: " ", omittingEmptySubsequences: true)
        if parts.count == 2, parts[0].count >= 2, parts[0].count <= 4, parts[1].count == 1, parts[1].first!.isNumber {
            return Postcode(unit: nil, sector: String(parts[0]) + String(parts[1]), district: String(parts[0]))
        }
        let compact = String(
            raw.uppercased().unicodeScalars.filter {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
            }.map(Character.init))
        guard compact.count >= 2 else { return nil }
        if compact.count >= 5 {
            // The inward code is always digit letter letter.
            let inward = compact.suffix(3)
            let chars = Array(inward)
            if chars[0].isNumber && chars[1].isLetter && chars[2].isLetter {
                let outward = String(compact.dropLast(3))
                if outward.count >= 2 && outward.count <= 4 {
                    return Postcode(unit: compact, sector: outward + String(chars[0]), district: outward)
                }
            }
        }
        if compact.count <= 4 { return Postcode(unit: nil, sector: nil, district: compact) }
        // "SW1A 1" (a sector).
        if compact.count <= 5, let last = compact.last, last.isNumber {
            return Postcode(unit: nil, sector: compact, district: String(compact.dropLast()))
        }
        return nil
    }

    /// A phone number's national significant digits: "+44 7700 900123", "07700900123" and "0044 7700 900123" are
    /// all "7700900123". Fewer than 7 digits is no number.
    public static func phone(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var digits = String(raw.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
        if digits.hasPrefix("0044") {
            digits.removeFirst(4)
        } else if digits.hasPrefix("44") && digits.count == 12 {
            digits.removeFirst(2)
        }
        while digits.hasPrefix("0") { digits.removeFirst() }
        return digits.count >= 7 ? digits : nil
    }

    public static func email(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingWhitespaceAndNewlines().lowercased()
        guard let at = trimmed.firstIndex(of: "@"), at != trimmed.startIndex,
            trimmed.index(after: at) < trimmed.endIndex
        else { return nil }
        return trimmed
    }

    /// A date of birth as (year, month, day), from ISO (1985-04-12), UK (12/04/1985) or compact (19850412) text.
    public struct BirthDate: Sendable, Hashable {
        public var year: Int
        public var month: Int
        public var day: Int
        /// yyyymmdd as one number.
        public var packed: Int { year * 10_000 + month * 100 + day }
    }

    public static func birthDate(_ raw: String?) -> BirthDate? {
        guard let raw else { return nil }
        let parts = raw.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." || $0 == " " }).map(String.init)
        var y = 0, m = 0, d = 0
        if parts.count == 3 {
            if parts[0].count == 4 {
                (y, m, d) = (Int(parts[0]) ?? 0, Int(parts[1]) ?? 0, Int(parts[2]) ?? 0)
            } else if parts[2].count == 4 {
                (d, m, y) = (Int(parts[0]) ?? 0, Int(parts[1]) ?? 0, Int(parts[2]) ?? 0)
            }
        } else if parts.count == 1, parts[0].count == 8, let n = Int(parts[0]) {
            (y, m, d) = (n / 10_000, n / 100 % 100, n % 100)
        }
        guard y >= 1880, y <= 2100, m >= 1, m <= 12, d >= 1, d <= 31 else { return nil }
        return BirthDate(year: y, month: m, day: d)
    }

    /// A 64-bit key for a standardised value (FNV-1a over its UTF-8; never 0, which means "none"). The same in
    /// every process, so keys can be stored.
    public static func key(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x100_0000_01b3
        }
        return h == 0 ? 1 : h
    }

    /// A sound key for a Latin-script name: first letter kept, then consonants grouped by sound, vowels and h/w/y
    /// dropped, repeats collapsed ("mohammed" and "muhamad" share "mmt"; "chowdhury" and "choudhury" share "ktr").
    /// Other scripts key as themselves.
    public static func soundKey(_ name: String) -> String {
        var scalars = Array(name.unicodeScalars.filter { $0 != " " })
        guard let first = scalars.first else { return "" }
        guard first.isASCII else { return String(String.UnicodeScalarView(scalars)) }
        // Digraphs first.
        var i = 0
        var mapped: [Character] = []
        func code(_ c: Unicode.Scalar) -> Character? {
            switch c {
            case "b", "p": "p"
            case "f", "v": "f"
            case "c", "k", "q", "g", "x": "k"
            case "s", "z": "s"
            case "d", "t": "t"
            case "l": "l"
            case "m", "n": "m"
            case "r": "r"
            case "j": "j"
            default: nil
            }
        }
        while i < scalars.count {
            let c = scalars[i]
            let next: Unicode.Scalar? = i + 1 < scalars.count ? scalars[i + 1] : nil
            if c == "p", next == "h" {
                mapped.append("f")
                i += 2
                continue
            }
            if (c == "c" || c == "k" || c == "g"), next == "h" {
                mapped.append("k")
                i += 2
                continue
            }
            if c == "s", next == "h" {
                mapped.append("s")
                i += 2
                continue
            }
            if let k = code(c) {
                if mapped.last != k { mapped.append(k) }
            } else if i == 0 {
                mapped.append(Character(c))
            }
            i += 1
        }
        scalars = []
        return String(mapped)
    }
}
