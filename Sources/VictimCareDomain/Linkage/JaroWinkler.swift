/// Jaro–Winkler similarity of two sequences of Unicode scalar values (0 to 1; 1 is identical).
public enum JaroWinkler {
    public static func similarity(_ a: [UInt32], _ b: [UInt32]) -> Double {
        if a.isEmpty || b.isEmpty { return a.isEmpty && b.isEmpty ? 1 : 0 }
        if a == b { return 1 }
        let (s, t) = a.count <= b.count ? (a, b) : (b, a)
        let window = max(0, t.count / 2 - 1)
        // Small names: flags on the stack would be nicer; arrays are fine at these lengths.
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
        if matches == 0 { return 0 }
        var transpositions = 0
        var k = 0
        for i in 0..<s.count where sMatched[i] {
            while !tMatched[k] { k += 1 }
            if s[i] != t[k] { transpositions += 1 }
            k += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(s.count) + m / Double(t.count) + (m - Double(transpositions / 2)) / m) / 3
        var prefix = 0
        while prefix < min(4, s.count), a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    public static func similarity(_ a: String, _ b: String) -> Double {
        similarity(a.unicodeScalars.map(\.value), b.unicodeScalars.map(\.value))
    }
}
