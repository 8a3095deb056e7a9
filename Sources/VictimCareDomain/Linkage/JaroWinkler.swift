/// Jaro–Winkler similarity of two sequences of Unicode scalar values (0 to 1; 1 is identical).
public enum JaroWinkler {
    public static func similarity(_ a: [UInt32], _ b: [UInt32]) -> Double {
        if a.isEmpty || b.isEmpty { return a.isEmpty && b.isEmpty ? 1 : 0 }
        if a == b { return 1 }
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let (s, t) = a.count <= b.count ? (a, b) : (b, a)
                let (matches, transpositions) = t.count <= 64 ? matchBits(s, t) : matchFlags(s, t)
                if matches == 0 { return 0 }
                let m = Double(matches)
                let jaro = (m / Double(s.count) + m / Double(t.count) + (m - Double(transpositions / 2)) / m) / 3
                var prefix = 0
                while prefix < min(4, s.count), a[prefix] == b[prefix] { prefix += 1 }
                return jaro + Double(prefix) * 0.1 * (1 - jaro)
            }
        }
    }

    /// Matches and half-transpositions with the matched positions kept as bits (names are short: no allocation).
    static func matchBits(_ s: UnsafeBufferPointer<UInt32>, _ t: UnsafeBufferPointer<UInt32>) -> (Int, Int) {
        let window = max(0, t.count / 2 - 1)
        var sMatched: UInt64 = 0
        var tMatched: UInt64 = 0
        var matches = 0
        for i in 0..<s.count {
            let lo = max(0, i - window)
            let hi = min(t.count - 1, i + window)
            if lo > hi { continue }
            for j in lo...hi where tMatched & (1 << UInt64(j)) == 0 && s[i] == t[j] {
                sMatched |= 1 << UInt64(i)
                tMatched |= 1 << UInt64(j)
                matches += 1
                break
            }
        }
        var transpositions = 0
        var k = 0
        for i in 0..<s.count where sMatched & (1 << UInt64(i)) != 0 {
            while tMatched & (1 << UInt64(k)) == 0 { k += 1 }
            if s[i] != t[k] { transpositions += 1 }
            k += 1
        }
        return (matches, transpositions)
    }

    /// The same for text longer than 64 scalars.
    static func matchFlags(_ s: UnsafeBufferPointer<UInt32>, _ t: UnsafeBufferPointer<UInt32>) -> (Int, Int) {
        let window = max(0, t.count / 2 - 1)
        var sMatched = [Bool](repeating: false, count: s.count)
        var tMatched = [Bool](repeating: false, count: t.count)
        var matches = 0
        for i in 0..<s.count {
            let lo = max(0, i - window)
            let hi = min(t.count - 1, i + window)
            if lo > hi { continue }
            for j in lo...hi where !tMatched[j] && s[i] == t[j] {
                sMatched[i] = true
                tMatched[j] = true
                matches += 1
                break
            }
        }
        var transpositions = 0
        var k = 0
        for i in 0..<s.count where sMatched[i] {
            while !tMatched[k] { k += 1 }
            if s[i] != t[k] { transpositions += 1 }
            k += 1
        }
        return (matches, transpositions)
    }

    public static func similarity(_ a: String, _ b: String) -> Double {
        similarity(a.unicodeScalars.map(\.value), b.unicodeScalars.map(\.value))
    }
}
