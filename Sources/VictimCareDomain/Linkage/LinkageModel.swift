import Foundation

/// The fields compared, their levels, and Fellegi–Sunter weights trained by EM.
public enum LinkageField: Int, CaseIterable, Sendable {
    case given, family, birth, postcode, phone, email

    /// Level 0 is "missing on either side" (no evidence either way); the others from best to worst.
    public var levels: [String] {
        switch self {
        case .given:
            [
                "missing", "exact", "variant or nickname", "Jaro-Winkler ≥ 0.92, same first letter",
                "similar or same sound", "initial", "different",
            ]
        case .family: ["missing", "exact", "variant", "Jaro-Winkler ≥ 0.92", "similar or same sound", "different"]
        case .birth:
            [
                "missing", "exact", "day and month swapped", "one digit wrong or two transposed", "same year",
                "different",
            ]
        case .postcode: ["missing", "same unit", "same sector", "same district", "different"]
        case .phone: ["missing", "exact", "same last six digits", "different"]
        case .email: ["missing", "exact", "same name, other provider", "different"]
        }
    }

    public var label: String {
        switch self {
        case .given: "given name"
        case .family: "family name"
        case .birth: "date of birth"
        case .postcode: "postcode"
        case .phone: "phone"
        case .email: "email"
        }
    }
}

/// One pair's comparison: a level per field, packed four bits each.
public struct LinkagePattern: Hashable, Sendable {
    public var bits: UInt32

    public init(bits: UInt32 = 0) { self.bits = bits }

    public subscript(field: LinkageField) -> Int {
        get { Int((bits >> (UInt32(field.rawValue) * 4)) & 0xF) }
        set {
            let shift = UInt32(field.rawValue) * 4
            bits = (bits & ~(0xF << shift)) | (UInt32(newValue) << shift)
        }
    }
}

public enum LinkageCompare {
    public static func pattern(_ a: LinkageRecord, _ b: LinkageRecord) -> LinkagePattern {
        var p = LinkagePattern()
        var g = given(a.given, b.given)
        var f = family(a.family, b.family)
        // Names recorded the wrong way round.
        if g >= 4 || f >= 4, a.given != nil, a.family != nil, b.given != nil, b.family != nil {
            let sg = given(a.given, b.family)
            let sf = family(a.family, b.given)
            if sg + sf < g + f && sg <= 3 && sf <= 3 { (g, f) = (sg, sf) }
        }
        p[.given] = g
        p[.family] = f
        p[.birth] = birth(a.birth, b.birth)
        p[.postcode] = postcode(a.postcode, b.postcode)
        p[.phone] = phone(a.phoneNumber, b.phoneNumber)
        p[.email] = email(a, b)
        return p
    }

    static func given(_ a: LinkageRecord.Name?, _ b: LinkageRecord.Name?) -> Int {
        guard let a, let b else { return 0 }
        if a.key == b.key { return 1 }
        if a.isInitial || b.isInitial { return a.scalars.first == b.scalars.first ? 5 : 6 }
        if a.canonicalKey == b.canonicalKey { return 2 }
        let jw = JaroWinkler.similarity(a.scalars, b.scalars)
        // A typo rarely changes the first letter; Amir and Samir are two names.
        if jw >= 0.92 && a.scalars.first == b.scalars.first { return 3 }
        if jw >= 0.8 || (a.soundKey == b.soundKey && a.soundKey != 0) { return 4 }
        return 6
    }

    static func family(_ a: LinkageRecord.Name?, _ b: LinkageRecord.Name?) -> Int {
        guard let a, let b else { return 0 }
        if a.key == b.key { return 1 }
        if a.canonicalKey == b.canonicalKey { return 2 }
        let jw = JaroWinkler.similarity(a.scalars, b.scalars)
        if jw >= 0.92 { return 3 }
        if jw >= 0.8 || (a.soundKey == b.soundKey && a.soundKey != 0) { return 4 }
        return 5
    }

    static func birth(_ a: LinkageText.BirthDate?, _ b: LinkageText.BirthDate?) -> Int {
        guard let a, let b else { return 0 }
        if a == b { return 1 }
        if a.year == b.year && a.month == b.day && a.day == b.month { return 2 }
        // The eight digits yyyymmdd: one wrong, or two neighbours transposed.
        var x = a.packed
        var y = b.packed
        var differing = 0
        var first = -1
        var xd = (0, 0)
        var yd = (0, 0)
        for position in 0..<8 {
            let dx = x % 10
            let dy = y % 10
            x /= 10
            y /= 10
            if dx != dy {
                differing += 1
                if differing > 2 { break }
                if first < 0 {
                    first = position
                    xd.0 = dx
                    yd.0 = dy
                } else if position == first + 1 {
                    xd.1 = dx
                    yd.1 = dy
                } else {
                    differing = 3
                    break
                }
            }
        }
        if differing == 1 { return 3 }
        if differing == 2, xd.0 == yd.1, xd.1 == yd.0 { return 3 }
        if a.year == b.year { return 4 }
        return 5
    }

    static func postcode(_ a: LinkageText.Postcode?, _ b: LinkageText.Postcode?) -> Int {
        guard let a, let b else { return 0 }
        if let ua = a.unit, let ub = b.unit, ua == ub { return 1 }
        if let sa = a.sector, let sb = b.sector, sa == sb { return 2 }
        if a.district == b.district { return 3 }
        return 4
    }

    static func phone(_ a: UInt64, _ b: UInt64) -> Int {
        guard a != 0, b != 0 else { return 0 }
        if a == b { return 1 }
        // Numbers have at least seven digits, so the last six are always there.
        if a % 1_000_000 == b % 1_000_000 { return 2 }
        return 3
    }

    static func email(_ a: LinkageRecord, _ b: LinkageRecord) -> Int {
        guard a.emailKey != 0, b.emailKey != 0 else { return 0 }
        if a.emailKey == b.emailKey { return 1 }
        // The same mailbox name at another provider. (Merely similar names are not evidence: addresses are made
        // from names, so namesakes have similar ones.)
        return a.mailboxKey == b.mailboxKey ? 2 : 3
    }
}

/// A trained model made quick to apply: every level's weight, and every exact name's frequency-adjusted weight,
/// computed once. A pair's match weight is the prior plus its fields' weights.
public struct LinkageScorer: Sendable {
    public let model: LinkageModel
    let table: [Double]
    let prior: Double
    let givenExact: [UInt64: Double]
    let familyExact: [UInt64: Double]

    public init(_ model: LinkageModel) {
        self.model = model
        var table = [Double](repeating: 0, count: LinkageField.allCases.count * 16)
        for field in LinkageField.allCases {
            for level in field.levels.indices { table[field.rawValue * 16 + level] = model.weight(field, level: level) }
        }
        self.table = table
        prior = model.priorWeight
        givenExact = model.givenFrequency.reduce(into: [:]) { $0[$1.key] = model.weight(.given, level: 1, key: $1.key) }
        familyExact = model.familyFrequency.reduce(into: [:]) {
            $0[$1.key] = model.weight(.family, level: 1, key: $1.key)
        }
    }

    /// One field's weight in a pair (`a` is either record: an exact name is the same in both).
    public func weight(_ field: LinkageField, level: Int, _ a: LinkageRecord) -> Double {
        if level == 1 {
            if field == .given, let key = a.given?.key, let w = givenExact[key] { return w }
            if field == .family, let key = a.family?.key, let w = familyExact[key] { return w }
        }
        return table[field.rawValue * 16 + level]
    }

    public func weight(_ pattern: LinkagePattern, _ a: LinkageRecord) -> Double {
        var total = prior
        for field in LinkageField.allCases { total += weight(field, level: pattern[field], a) }
        return total
    }

    /// Compares and weighs a pair.
    public func weigh(_ a: LinkageRecord, _ b: LinkageRecord) -> (LinkagePattern, Double) {
        let pattern = LinkageCompare.pattern(a, b)
        return (pattern, weight(pattern, a))
    }
}

/// Fellegi–Sunter parameters: for each field and level, m (how often true matches show it) and u (how often
/// non-matches do), and λ (the share of compared pairs that match).
public struct LinkageModel: Sendable, Codable, Equatable {
    public var m: [[Double]]
    public var u: [[Double]]
    public var lambda: Double
    /// Relative frequency of each standardised given and family name, by `LinkageText.key` (term-frequency
    /// adjustment of exact matches).
    public var givenFrequency: [UInt64: Double] = [:]
    public var familyFrequency: [UInt64: Double] = [:]
    public var iterations = 0

    public init(m: [[Double]], u: [[Double]], lambda: Double) {
        self.m = m
        self.u = u
        self.lambda = lambda
    }

    /// A start for EM: agreement likely among matches, levels spread evenly among non-matches.
    public static func initial() -> LinkageModel {
        var m: [[Double]] = []
        var u: [[Double]] = []
        for field in LinkageField.allCases {
            let n = field.levels.count - 1
            var mf = [0.0]
            var uf = [0.0]
            for level in 1...n {
                mf.append(level == 1 ? 0.7 : 0.3 / Double(n - 1) * (level == n ? 0.2 : 1))
                uf.append(level == n ? 0.9 : 0.1 / Double(n - 1))
            }
            m.append(normalised(mf))
            u.append(normalised(uf))
        }
        return LinkageModel(m: m, u: u, lambda: 0.01)
    }

    static func normalised(_ values: [Double]) -> [Double] {
        let total = values.dropFirst().reduce(0, +)
        return total > 0 ? [0] + values.dropFirst().map { max($0 / total, 1e-6) } : values
    }

    /// The weight (log2 Bayes factor) of one field's level; an exact name adjusted for how common it is when its
    /// key is given.
    public func weight(_ field: LinkageField, level: Int, key: UInt64? = nil) -> Double {
        guard level > 0 else { return 0 }
        var uValue = u[field.rawValue][level]
        if level == 1, let key {
            let frequency: Double? =
                switch field {
                case .given: givenFrequency[key]
                case .family: familyFrequency[key]
                default: nil
                }
            if let frequency { uValue = max(frequency, 1e-7) }
        }
        return log2(m[field.rawValue][level] / uValue)
    }

    public var priorWeight: Double { log2(lambda / (1 - lambda)) }

    public static func probability(weight: Double) -> Double { 1 / (1 + pow(2, -weight)) }

    /// Estimates u from comparisons of random pairs (almost all non-matches).
    public mutating func estimateU(from patterns: [LinkagePattern: Int]) {
        for field in LinkageField.allCases {
            var counts = [Double](repeating: 0, count: field.levels.count)
            for (pattern, n) in patterns { counts[pattern[field]] += Double(n) }
            // Every level seen at least a little, so no weight is infinite.
            u[field.rawValue] = Self.normalised(counts.enumerated().map { $0.offset == 0 ? 0 : $0.element + 0.5 })
        }
    }

    /// The expected number of matches among the pairs of `table` that satisfy `including` (each pair's posterior
    /// match probability, the fields in `blocked` left out as in training).
    public func expectedMatches(
        _ table: [LinkagePattern: Int], blocked: Set<LinkageField>, including: (LinkagePattern) -> Bool
    ) -> Double {
        var total = 0.0
        for (pattern, n) in table where including(pattern) {
            total += Double(n) * posterior(pattern, blocked: blocked)
        }
        return total
    }

    /// P(match | pattern) under m, u and λ, the fields in `blocked` left out.
    func posterior(_ pattern: LinkagePattern, blocked: Set<LinkageField>) -> Double {
        var matchLog = log2(lambda)
        var nonLog = log2(1 - lambda)
        for field in LinkageField.allCases where !blocked.contains(field) {
            let level = pattern[field]
            guard level > 0 else { continue }
            matchLog += log2(m[field.rawValue][level])
            nonLog += log2(u[field.rawValue][level])
        }
        return 1 / (1 + pow(2, nonLog - matchLog))
    }

    /// Expectation–maximisation of m and λ over the blocked pairs, u held fixed. `patterns` counts each
    /// comparison pattern per blocking rule; a field a rule blocked on is not learned from that rule's pairs
    /// (they agree on it by construction).
    public mutating func trainM(
        _ patterns: [Int: [LinkagePattern: Int]], blockedFields: [Set<LinkageField>], iterations: Int = 40
    ) {
        for iteration in 0..<iterations {
            var mCounts = LinkageField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
            var matched = 0.0
            var total = 0.0
            for (rule, table) in patterns {
                let blocked = rule >= 0 && rule < blockedFields.count ? blockedFields[rule] : []
                for (pattern, n) in table {
                    // A blocked field is left out of the likelihood too: every pair agrees on it by construction.
                    let p = posterior(pattern, blocked: blocked)
                    let count = Double(n)
                    matched += p * count
                    total += count
                    for field in LinkageField.allCases where !blocked.contains(field) {
                        let level = pattern[field]
                        if level > 0 { mCounts[field.rawValue][level] += p * count }
                    }
                }
            }
            let previous = self
            for field in LinkageField.allCases where mCounts[field.rawValue].dropFirst().reduce(0, +) > 0 {
                m[field.rawValue] = Self.normalised(mCounts[field.rawValue].map { $0 + 1e-3 })
            }
            if total > 0 { lambda = min(max(matched / total, 1e-6), 0.999) }
            self.iterations = iteration + 1
            let change = zip(previous.m.joined(), m.joined()).map { abs($0 - $1) }.max() ?? 0
            if change < 1e-5 { break }
        }
    }
}
