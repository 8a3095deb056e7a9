import Foundation

/// Batch record linkage: standardise, block on several keys, train Fellegi–Sunter weights by EM on the data
/// itself (no labels), score every candidate pair once, and cluster without chaining strangers: two groups join
/// only if every pair across them has a non-negative match weight, so a household's shared surname, address and
/// phone cannot string a mother, her son and his namesake cousin into one person.
public struct LinkageEngine: Sendable {
    public struct Settings: Sendable {
        /// Match probability at or above which a pair links automatically.
        public var linkProbability = 0.95
        /// At or above this (and below `linkProbability`) a pair goes to review.
        public var reviewProbability = 0.5
        /// Blocks larger than this are skipped for that rule (the other rules still compare their members).
        public var maxBlock = 400
        /// Random pairs compared to estimate u.
        public var uSamples = 1_000_000
        /// Pairs of each training rule that EM learns from.
        public var trainingPairs = 2_000_000
        public var names = LinkageNames.standard
        public var seed: UInt64 = 0x5eed

        public init() {}
    }

    /// The blocking rules: records sharing a rule's key are compared.
    public enum Rule: Int, CaseIterable, Sendable {
        case birth, postcodeUnit, phone, email, nameAndYear, nameAndDistrict, swappedNames, sameNames

        /// The fields a rule's pairs agree on by construction (EM does not learn them from those pairs).
        public var blocks: Set<LinkageField> {
            switch self {
            case .birth: [.birth]
            case .postcodeUnit: [.postcode]
            case .phone: [.phone]
            case .email: [.email]
            // The year agrees by construction, the day and month do not: the date's levels are learned here.
            case .nameAndYear: [.given, .family]
            case .nameAndDistrict: [.given, .family, .postcode]
            case .swappedNames: [.given, .family, .birth]
            case .sameNames: [.given, .family]
            }
        }

        func key(_ r: LinkageRecord) -> Int {
            var h = Hasher()
            h.combine(rawValue)
            switch self {
            case .birth:
                guard let b = r.birth else { return 0 }
                h.combine(b)
            case .postcodeUnit:
                guard let unit = r.postcode?.unit else { return 0 }
                h.combine(unit)
            case .phone:
                guard let phone = r.phone else { return 0 }
                h.combine(phone)
            case .email:
                guard let email = r.email else { return 0 }
                h.combine(email)
            case .nameAndYear:
                guard let f = r.family, let g = r.given, let b = r.birth else { return 0 }
                h.combine(f.sound)
                h.combine(g.canonical.unicodeScalars.first?.value ?? 0)
                h.combine(b.year)
            case .nameAndDistrict:
                guard let f = r.family, let g = r.given, !g.isInitial, let p = r.postcode else { return 0 }
                h.combine(f.canonical)
                h.combine(g.canonical)
                h.combine(p.district)
            case .sameNames:
                guard let f = r.family, let g = r.given, !g.isInitial else { return 0 }
                h.combine(f.canonical)
                h.combine(g.canonical)
            case .swappedNames:
                guard let f = r.family, let g = r.given, let b = r.birth else { return 0 }
                h.combine(min(f.canonical, g.canonical))
                h.combine(max(f.canonical, g.canonical))
                h.combine(b.year)
            }
            let key = h.finalize()
            return key == 0 ? 1 : key
        }
    }

    public struct Edge: Sendable {
        public var a: Int32
        public var b: Int32
        public var weight: Float
    }

    public struct Result: Sendable {
        /// Each record's cluster: the index of its cluster's first record.
        public var cluster: [Int32]
        public var model: LinkageModel
        public var candidatePairs: Int
        public var links: Int
        public var review: [Edge]
        public var refusedMerges: Int
        /// Seconds per stage, in order.
        public var timings: [(stage: String, seconds: Double)]
    }

    public var settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func run(_ inputs: [LinkageInput]) -> Result {
        var timings: [(String, Double)] = []
        var clock = ContinuousClock.now
        func lap(_ stage: String) {
            let now = ContinuousClock.now
            let d = now - clock
            timings.append((stage, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18))
            clock = now
        }
        let names = settings.names
        let records = inputs.map { LinkageRecord($0, names: names) }
        lap("standardise")

        // Blocks: per rule, key → members; oversized blocks dropped (and their key cleared, so a later rule does
        // not assume the pair was compared).
        var keys = Rule.allCases.map { rule in records.map { rule.key($0) } }
        var blocks: [[[Int32]]] = []
        for rule in Rule.allCases {
            var groups: [Int: [Int32]] = [:]
            for (i, key) in keys[rule.rawValue].enumerated() where key != 0 {
                groups[key, default: []].append(Int32(i))
            }
            var kept: [[Int32]] = []
            for (_, members) in groups where members.count > 1 {
                if members.count > settings.maxBlock {
                    for i in members { keys[rule.rawValue][Int(i)] = 0 }
                } else {
                    kept.append(members)
                }
            }
            blocks.append(kept)
        }
        lap("block")

        // Each candidate pair once: from the first rule that puts it together.
        func forEachPair(_ body: (Int, Int, Int) -> Void) {
            for rule in Rule.allCases {
                for members in blocks[rule.rawValue] {
                    for x in 0..<members.count {
                        let i = Int(members[x])
                        for y in (x + 1)..<members.count {
                            let j = Int(members[y])
                            var earlier = false
                            for r in 0..<rule.rawValue where keys[r][i] != 0 && keys[r][i] == keys[r][j] {
                                earlier = true
                                break
                            }
                            if !earlier { body(rule.rawValue, i, j) }
                        }
                    }
                }
            }
        }

        var model = LinkageModel.initial()
        model.givenFrequency = Self.frequencies(records.compactMap { $0.given?.text })
        model.familyFrequency = Self.frequencies(records.compactMap { $0.family?.text })
        var random = SeededRandom(seed: settings.seed)
        var randomPatterns: [LinkagePattern: Int] = [:]
        if records.count > 1 {
            let samples = min(settings.uSamples, records.count * (records.count - 1) / 2)
            for _ in 0..<samples {
                let i = Int(random.next() % UInt64(records.count))
                var j = Int(random.next() % UInt64(records.count - 1))
                if j >= i { j += 1 }
                randomPatterns[LinkageCompare.pattern(records[i], records[j]), default: 0] += 1
            }
        }
        model.estimateU(from: randomPatterns)
        lap("estimate u (random pairs)")

        // Training sees every pair of a training rule's blocks, including pairs an earlier rule also makes (EM
        // on the name rules must see the pairs that share a date of birth too), up to `trainingPairs` a rule.
        var patterns: [Int: [LinkagePattern: Int]] = [:]
        for rule in Self.trainingRules {
            var table: [LinkagePattern: Int] = [:]
            var seen = 0
            blocks: for members in blocks[rule.rawValue] {
                for x in 0..<members.count {
                    for y in (x + 1)..<members.count {
                        table[LinkageCompare.pattern(records[Int(members[x])], records[Int(members[y])]), default: 0] +=
                            1
                        seen += 1
                        if seen >= settings.trainingPairs { break blocks }
                    }
                }
            }
            patterns[rule.rawValue] = table
        }
        lap("compare training pairs")
        model = Self.train(model, patterns: patterns, records: records.count)
        lap("train m (EM)")
        var candidates = 0

        let linkWeight = log2(settings.linkProbability / (1 - settings.linkProbability))
        let reviewWeight = log2(settings.reviewProbability / (1 - settings.reviewProbability))
        var edges: [Edge] = []
        var review: [Edge] = []
        forEachPair { _, i, j in
            candidates += 1
            let pattern = LinkageCompare.pattern(records[i], records[j])
            let w = model.matchWeight(pattern, records[i], records[j])
            if w >= linkWeight && !Self.siblings(pattern) {
                edges.append(Edge(a: Int32(i), b: Int32(j), weight: Float(w)))
            } else if w >= reviewWeight {
                review.append(Edge(a: Int32(i), b: Int32(j), weight: Float(w)))
            }
        }
        lap("score")

        let (cluster, refused) = Self.cluster(records, edges: edges, model: model)
        lap("cluster")
        return Result(
            cluster: cluster, model: model, candidatePairs: candidates, links: edges.count, review: review,
            refusedMerges: refused, timings: timings)
    }

    /// The rules EM learns from. Pairs that share only an address, a phone or an email are mostly households and
    /// flatmates: trained on them (or on names within a district, where a household's junior and senior meet),
    /// EM takes "lives together" for "is the same person".
    public static let trainingRules: [Rule] = [.birth, .nameAndYear, .swappedNames]

    /// m trained by EM on each training rule's pairs separately (each rule has its own share of matches), a field
    /// learned only from the rules that do not block on it, the estimates weighted by each rule's expected
    /// matches; λ then set for the whole comparison space (expected matches ÷ all pairs), so a pair's prior is
    /// that of two records picked at random and the fields' weights must earn a link.
    static func train(_ start: LinkageModel, patterns: [Int: [LinkagePattern: Int]], records: Int) -> LinkageModel {
        var sums = LinkageField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
        var weights = [Double](repeating: 0, count: LinkageField.allCases.count)
        var expectedMatches = 0.0
        var iterations = 0
        for rule in trainingRules {
            guard let table = patterns[rule.rawValue], !table.isEmpty else { continue }
            var model = start
            model.trainM([0: table], blockedFields: [rule.blocks])
            iterations = max(iterations, model.iterations)
            let pairs = Double(table.values.reduce(0, +))
            let matches = model.lambda * pairs
            expectedMatches += matches
            for field in LinkageField.allCases where !rule.blocks.contains(field) {
                weights[field.rawValue] += matches
                for level in sums[field.rawValue].indices {
                    sums[field.rawValue][level] += model.m[field.rawValue][level] * matches
                }
            }
        }
        var trained = start
        for field in LinkageField.allCases where weights[field.rawValue] > 0 {
            trained.m[field.rawValue] = LinkageModel.normalised(
                sums[field.rawValue].map { $0 / weights[field.rawValue] })
        }
        let allPairs = Double(records) * Double(max(records - 1, 1)) / 2
        trained.lambda = min(max(expectedMatches / allPairs, 1e-12), 0.5)
        trained.iterations = iterations
        return trained
    }

    /// Same family name and date of birth but another given name: twins (or siblings recorded with one date), not
    /// one person, however much their shared address and phone weigh. Fellegi–Sunter adds the fields' weights as
    /// if independent, and in a household they are not. Such a pair never links by itself; it goes to review.
    public static func siblings(_ p: LinkagePattern) -> Bool {
        p[.birth] == 1 && (1...3).contains(p[.family]) && (p[.given] == 4 || p[.given] == 6)
    }

    /// Joins linked records strongest link first; two groups join only if no pair across them has evidence
    /// against being the same person (a negative match weight).
    static func cluster(_ records: [LinkageRecord], edges: [Edge], model: LinkageModel) -> ([Int32], Int) {
        var parent = Array(0..<Int32(records.count))
        var members: [Int32: [Int32]] = [:]
        func find(_ x: Int32) -> Int32 {
            var x = x
            while parent[Int(x)] != x {
                parent[Int(x)] = parent[Int(parent[Int(x)])]
                x = parent[Int(x)]
            }
            return x
        }
        var refused = 0
        for edge in edges.sorted(by: { $0.weight > $1.weight }) {
            let ra = find(edge.a)
            let rb = find(edge.b)
            if ra == rb { continue }
            let ma = members[ra] ?? [ra]
            let mb = members[rb] ?? [rb]
            var compatible = ma.count * mb.count <= 10_000
            if compatible {
                outer: for x in ma {
                    for y in mb {
                        let a = records[Int(x)]
                        let b = records[Int(y)]
                        let pattern = LinkageCompare.pattern(a, b)
                        if Self.siblings(pattern) || model.matchWeight(pattern, a, b) < 0 {
                            compatible = false
                            break outer
                        }
                    }
                }
            }
            guard compatible else {
                refused += 1
                continue
            }
            let (root, child) = ra < rb ? (ra, rb) : (rb, ra)
            parent[Int(child)] = root
            members[root] = ma + mb
            members[child] = nil
        }
        return ((0..<Int32(records.count)).map { find($0) }, refused)
    }

    static func frequencies(_ values: [String]) -> [String: Double] {
        var counts: [String: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        let total = Double(max(values.count, 1))
        return counts.mapValues { Double($0) / total }
    }
}
