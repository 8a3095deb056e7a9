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
            // The year agrees by construction, so the date's levels are skewed here (u, from random pairs, is not
            // conditioned on the year): it is not learned from these pairs.
            case .nameAndYear: [.given, .family, .birth]
            case .nameAndDistrict: [.given, .family, .postcode]
            case .swappedNames: [.given, .family, .birth]
            case .sameNames: [.given, .family]
            }
        }

        /// The record's blocking key under this rule (0: the record has no key, so this rule never compares it).
        /// The same in every process, so keys can be stored.
        public func key(_ r: LinkageRecord) -> UInt64 {
            // Each part mixed in (SplitMix64's finaliser), so keys of different rules and parts do not collide.
            var h = SeededRandom.mix(UInt64(rawValue + 1))
            func add(_ part: UInt64) { h = SeededRandom.mix(h ^ part) }
            switch self {
            case .birth:
                guard let b = r.birth else { return 0 }
                add(UInt64(b.packed))
            case .postcodeUnit:
                guard let unit = r.postcode?.unit else { return 0 }
                add(LinkageText.key(unit))
            case .phone:
                guard r.phoneNumber != 0 else { return 0 }
                add(r.phoneNumber)
            case .email:
                guard r.emailKey != 0 else { return 0 }
                add(r.emailKey)
            case .nameAndYear:
                guard let f = r.family, let g = r.given, let b = r.birth else { return 0 }
                add(f.soundKey)
                add(UInt64(g.canonical.unicodeScalars.first?.value ?? 0))
                add(UInt64(b.year))
            case .nameAndDistrict:
                guard let f = r.family, let g = r.given, !g.isInitial, let p = r.postcode else { return 0 }
                add(f.canonicalKey)
                add(g.canonicalKey)
                add(LinkageText.key(p.district))
            case .sameNames:
                guard let f = r.family, let g = r.given, !g.isInitial else { return 0 }
                add(f.canonicalKey)
                add(g.canonicalKey)
            case .swappedNames:
                guard let f = r.family, let g = r.given, let b = r.birth else { return 0 }
                add(min(f.canonicalKey, g.canonicalKey))
                add(max(f.canonicalKey, g.canonicalKey))
                add(UInt64(b.year))
            }
            return h == 0 ? 1 : h
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
        /// The linked pairs (at or above the link threshold, not siblings).
        public var edges: [Edge]
        public var review: [Edge]
        /// The records as compared.
        public var records: [LinkageRecord]
        public var refusedMerges: Int
        /// Seconds per stage, in order.
        public var timings: [(stage: String, seconds: Double)]
    }

    public var settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public var linkWeight: Double { log2(settings.linkProbability / (1 - settings.linkProbability)) }
    public var reviewWeight: Double { log2(settings.reviewProbability / (1 - settings.reviewProbability)) }

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
        let records = LinkageParallel.chunked(inputs.count) { range in
            range.map { LinkageRecord(inputs[$0], names: names) }
        }.flatMap { $0 }
        lap("standardise")

        // Blocks: per rule, key → members; oversized blocks dropped (and their key cleared, so a later rule does
        // not assume the pair was compared).
        let maxBlock = settings.maxBlock
        let perRule = LinkageParallel.map(Rule.allCases.count) { r -> ([UInt64], [[Int32]]) in
            let rule = Rule(rawValue: r)!
            var keys = records.map { rule.key($0) }
            var groups: [UInt64: [Int32]] = [:]
            for (i, key) in keys.enumerated() where key != 0 { groups[key, default: []].append(Int32(i)) }
            var kept: [[Int32]] = []
            for (_, members) in groups where members.count > 1 {
                if members.count > maxBlock {
                    for i in members { keys[Int(i)] = 0 }
                } else {
                    kept.append(members)
                }
            }
            // In record order, so that work is split the same way on every run.
            kept.sort { $0[0] < $1[0] }
            return (keys, kept)
        }
        let keys = perRule.map(\.0)
        let blocks = perRule.map(\.1)
        lap("block")

        var model = LinkageModel.initial()
        model.givenFrequency = Self.frequencies(records.compactMap { $0.given?.key })
        model.familyFrequency = Self.frequencies(records.compactMap { $0.family?.key })
        let seed = settings.seed
        let samples = records.count > 1 ? min(settings.uSamples, records.count * (records.count - 1) / 2) : 0
        let workers = LinkageParallel.workers
        let randomPatterns = LinkageParallel.map(workers) { w -> [LinkagePattern: Int] in
            var random = SeededRandom(seed: seed &+ UInt64(w))
            var table: [LinkagePattern: Int] = [:]
            for _ in 0..<(samples / workers + (w < samples % workers ? 1 : 0)) {
                let i = Int(random.next() % UInt64(records.count))
                var j = Int(random.next() % UInt64(records.count - 1))
                if j >= i { j += 1 }
                table[LinkageCompare.pattern(records[i], records[j]), default: 0] += 1
            }
            return table
        }.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
        model.estimateU(from: randomPatterns)
        lap("estimate u (random pairs)")

        // Training sees every pair of a training rule's blocks, including pairs an earlier rule also makes (EM
        // on the name rules must see the pairs that share a date of birth too), up to `trainingPairs` a rule.
        let trainingPairs = settings.trainingPairs
        let tables = LinkageParallel.map(Self.trainingRules.count) { t -> [LinkagePattern: Int] in
            var table: [LinkagePattern: Int] = [:]
            var seen = 0
            // In an order unrelated to the blocks' sizes or keys, so a capped sample is a fair one.
            blocks: for members in blocks[Self.trainingRules[t].rawValue] {
                for x in 0..<members.count {
                    for y in (x + 1)..<members.count {
                        table[LinkageCompare.pattern(records[Int(members[x])], records[Int(members[y])]), default: 0] +=
                            1
                        seen += 1
                        if seen >= trainingPairs { break blocks }
                    }
                }
            }
            return table
        }
        var patterns: [Int: [LinkagePattern: Int]] = [:]
        var totals: [Int: Double] = [:]
        for (t, rule) in Self.trainingRules.enumerated() {
            patterns[rule.rawValue] = tables[t]
            totals[rule.rawValue] = blocks[rule.rawValue].reduce(0) { $0 + Double($1.count * ($1.count - 1) / 2) }
        }
        lap("compare training pairs")
        model = Self.train(model, patterns: patterns, totals: totals, records: records.count)
        lap("train m (EM)")

        // Each candidate pair once (from the first rule that puts it together), scored on every core.
        let scorer = LinkageScorer(model)
        let linkWeight = linkWeight
        let reviewWeight = reviewWeight
        let scored = LinkageParallel.map(workers) { w -> (Int, [Edge], [Edge]) in
            var candidates = 0
            var edges: [Edge] = []
            var review: [Edge] = []
            for rule in Rule.allCases {
                let ruleBlocks = blocks[rule.rawValue]
                var index = w
                while index < ruleBlocks.count {
                    let members = ruleBlocks[index]
                    index += workers
                    for x in 0..<members.count {
                        let i = Int(members[x])
                        for y in (x + 1)..<members.count {
                            let j = Int(members[y])
                            var earlier = false
                            for r in 0..<rule.rawValue where keys[r][i] != 0 && keys[r][i] == keys[r][j] {
                                earlier = true
                                break
                            }
                            if earlier { continue }
                            candidates += 1
                            let (pattern, weight) = scorer.weigh(records[i], records[j])
                            if weight >= linkWeight && Self.linkable(pattern) {
                                edges.append(Edge(a: Int32(i), b: Int32(j), weight: Float(weight)))
                            } else if weight >= reviewWeight {
                                review.append(Edge(a: Int32(i), b: Int32(j), weight: Float(weight)))
                            }
                        }
                    }
                }
            }
            return (candidates, edges, review)
        }
        let candidates = scored.reduce(0) { $0 + $1.0 }
        let edges = scored.flatMap(\.1)
        let review = scored.flatMap(\.2).sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        lap("score")

        let (cluster, refused) = Self.cluster(records, edges: edges, scorer: scorer)
        lap("cluster")
        return Result(
            cluster: cluster, model: model, candidatePairs: candidates, links: edges.count, edges: edges,
            review: review, records: records, refusedMerges: refused, timings: timings)
    }

    /// The rules EM learns from. Pairs that share an address, a phone or an email are mostly households and
    /// flatmates: trained on them, EM takes "lives together" for "is the same person". The date of birth is not
    /// learned by EM at all: among pairs of alike names EM takes a junior and his father, who share everything but
    /// the date, for one person; among pairs of one birth year it would be measured against the wrong u. See
    /// `birthM`.
    public static let trainingRules: [Rule] = [.birth, .nameAndYear, .phone, .swappedNames]

    /// The fields a training rule's m estimates are taken for (the phone rule's pairs teach the date of birth,
    /// by `birthM`).
    static func learns(_ rule: Rule) -> Set<LinkageField> {
        rule == .phone ? [] : Set(LinkageField.allCases).subtracting(rule.blocks)
    }

    /// m for the date of birth from anchor pairs: a shared phone number and the same (or variant) given and family
    /// names. Almost all such pairs are one person recorded twice (a junior named after his father is the
    /// exception, and he is counted, as he should be, against agreement), so how their dates compare is how a
    /// person's dates compare with themselves.
    static func birthM(_ table: [LinkagePattern: Int]) -> [Double]? {
        var counts = [Double](repeating: 0, count: LinkageField.birth.levels.count)
        for (p, n) in table where (1...2).contains(p[.given]) && (1...2).contains(p[.family]) && p[.birth] > 0 {
            counts[p[.birth]] += Double(n)
        }
        guard counts.reduce(0, +) >= 20 else { return nil }
        // Every level a little weight, so no weight is infinite.
        return LinkageModel.normalised(counts.enumerated().map { $0.offset == 0 ? 0 : $0.element + 0.5 })
    }

    /// m trained by EM on each training rule's pairs separately (each rule has its own share of matches), a field
    /// learned only from the rules that do not block on it, the estimates weighted by each rule's expected
    /// matches; λ then set for the whole comparison space (expected matches ÷ all pairs), so a pair's prior is
    /// that of two records picked at random and the fields' weights must earn a link.
    ///
    /// The expected matches are counted once each: all of the date-of-birth rule's, and of the name rules' only
    /// those whose dates are not the same (the others the date rule has counted); each rule's count scaled from
    /// the pairs EM saw to all the rule's pairs (`totals`), since training sees at most `trainingPairs` a rule.
    static func train(
        _ start: LinkageModel, patterns: [Int: [LinkagePattern: Int]], totals: [Int: Double] = [:], records: Int
    ) -> LinkageModel {
        var sums = LinkageField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
        var weights = [Double](repeating: 0, count: LinkageField.allCases.count)
        var expectedMatches = 0.0
        var iterations = 0
        for rule in trainingRules {
            // The phone rule teaches nothing by EM (its pairs give the date of birth's m, below).
            guard let table = patterns[rule.rawValue], !table.isEmpty, !learns(rule).isEmpty else { continue }
            var model = start
            model.trainM([0: table], blockedFields: [rule.blocks])
            iterations = max(iterations, model.iterations)
            let pairs = Double(table.values.reduce(0, +))
            let scale = max(totals[rule.rawValue] ?? pairs, pairs) / pairs
            let matches = model.lambda * pairs * scale
            if rule == .birth {
                expectedMatches += matches
            } else {
                expectedMatches += scale * model.expectedMatches(table, blocked: rule.blocks) { $0[.birth] != 1 }
            }
            for field in learns(rule) {
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
        if let phone = patterns[Rule.phone.rawValue], let birth = birthM(phone) {
            trained.m[LinkageField.birth.rawValue] = birth
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

    /// Another member of the household, not the same person: given names that are different (or only alike)
    /// and dates of birth that are not the same, swapped or a slip of one digit. A household shares its family
    /// name, address, phone and often its email, and Fellegi–Sunter, adding the fields' weights as if they were
    /// independent, would make one person of a mother and her daughter; among true matches both names and dates
    /// disagreeing is rare enough to leave to review.
    public static func household(_ p: LinkagePattern) -> Bool {
        (p[.given] == 4 || p[.given] == 6) && p[.birth] >= 4
    }

    /// Two dates of birth, both recorded, that differ by more than a swap or a slip of one digit: a junior and
    /// his father, or namesakes, however much else they share.
    public static func bornApart(_ p: LinkagePattern) -> Bool { p[.birth] == 5 }

    /// Whether a pair may link by itself: not siblings, not other members of one household, not born apart.
    public static func linkable(_ p: LinkagePattern) -> Bool { !siblings(p) && !household(p) && !bornApart(p) }

    /// Whether two records may be in one cluster: no evidence against it (a negative match weight), and a pair
    /// that could link.
    public static func compatible(_ a: LinkageRecord, _ b: LinkageRecord, scorer: LinkageScorer) -> Bool {
        let (pattern, weight) = scorer.weigh(a, b)
        return weight >= 0 && linkable(pattern)
    }

    /// Joins linked records strongest link first; two groups join only if no pair across them has evidence
    /// against being the same person. Ties are broken by record order, so the result does not depend on how the
    /// scoring was split across cores. Each record's cluster is its group's first record.
    static func cluster(_ records: [LinkageRecord], edges: [Edge], scorer: LinkageScorer) -> ([Int32], Int) {
        var state = greedy(edges, records: { records[Int($0)] }, scorer: scorer, decided: ([], []))
        return ((0..<Int32(records.count)).map { state.find($0) }, state.refused)
    }

    static func frequencies(_ values: [UInt64]) -> [UInt64: Double] {
        var counts: [UInt64: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        let total = Double(max(values.count, 1))
        return counts.mapValues { Double($0) / total }
    }
}

/// Work split across the machine's cores (the linkage stages are pure functions of their inputs).
enum LinkageParallel {
    static var workers: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16)) }

    /// Where each worker writes its result (each to its own slot).
    struct Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T?>
    }

    /// `body(0..<count)` on every core; results in index order.
    static func map<T>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: count) { i in slots.base[i] = body(i) }
        }
        return results.map { $0! }
    }

    /// `0..<count` in one chunk per core.
    static func chunked<T>(_ count: Int, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        let n = max(1, min(workers, count))
        return map(n) { w in body((count * w / n)..<(count * (w + 1) / n)) }
    }
}
