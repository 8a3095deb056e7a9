import Foundation

/// The people a force holds, matched as they are recorded. A new or edited record is compared with every record
/// that shares a blocking key with it; its links (pairs at or above the link threshold) join the link graph; and
/// the part of the graph it touches is clustered again exactly as a batch run clusters it (strongest link first,
/// no group joined to another if any pair across them has evidence against it), so adding records one at a time
/// gives the clusters a batch run over the same records gives. Cluster ids are stable: a cluster keeps its id
/// while it grows; when clusters merge the oldest id survives; when one splits the part with most of its old
/// members keeps it. Every merge and split is logged with the evidence, field by field, and can be undone; an
/// analyst's decision on a pair (same person, or not) binds every later clustering.
public struct LinkageIndex: Sendable {
    public typealias ClusterID = Int64

    /// One field's part in a pair's weight.
    public struct Evidence: Sendable, Equatable, Codable {
        public var field: String
        public var level: String
        public var weight: Double
    }

    /// A record compared with another, and what the comparison showed.
    public struct Match: Sendable, Equatable {
        public var record: String
        public var cluster: ClusterID
        public var weight: Double
        public var probability: Double
        public var evidence: [Evidence]
    }

    public enum EventKind: String, Sendable, Codable {
        case merged, split
    }

    /// A change of clusters: which records moved from which cluster to which, and the links that decided it.
    public struct Event: Sendable, Equatable {
        public var sequence: Int
        public var kind: EventKind
        /// Cluster by record, before and after, for every record whose cluster changed.
        public var before: [String: ClusterID]
        public var after: [String: ClusterID]
        /// The strongest link across the change, field by field (nil for a split no link decided).
        public var pair: (String, String)?
        public var weight: Double?
        public var evidence: [Evidence]
        /// The event an undo reverses.
        public var undoes: Int?

        public static func == (l: Event, r: Event) -> Bool {
            l.sequence == r.sequence && l.kind == r.kind && l.before == r.before && l.after == r.after
                && l.pair?.0 == r.pair?.0 && l.pair?.1 == r.pair?.1 && l.weight == r.weight && l.undoes == r.undoes
        }
    }

    /// What recording one person did: the cluster they are in, their links, the pairs for review, and any merges
    /// or splits it caused.
    public struct Outcome: Sendable {
        public var cluster: ClusterID
        public var links: [Match]
        public var review: [Match]
        public var events: [Event]
    }

    public enum Problem: Error, Equatable {
        case unknownRecord(String)
        case unknownEvent(Int)
        case alreadyUndone(Int)
    }

    let scorer: LinkageScorer
    let settings: LinkageEngine.Settings
    let linkWeight: Double
    let reviewWeight: Double

    var ids: [String] = []
    var position: [String: Int32] = [:]
    var records: [LinkageRecord] = []
    /// Per rule: key → (first member, count); members chained through `next`.
    var heads: [[UInt64: (first: Int32, count: Int32)]]
    var next: [[Int32]]
    var keys: [[UInt64]]
    /// The link graph: each record's links (pairs at or above the link threshold, not siblings).
    var links: [[Int32: Float]] = []
    var clusterOf: [ClusterID] = []
    var members: [ClusterID: [Int32]] = [:]
    var nextCluster: ClusterID = 1
    /// An analyst's decisions: pairs that are the same person (linked whatever their weight) and pairs that are
    /// not (never in one cluster).
    var sameDecisions: Set<PairKey> = []
    var differentDecisions: Set<PairKey> = []
    public private(set) var events: [Event] = []

    struct PairKey: Hashable, Sendable {
        var a: Int32
        var b: Int32
        init(_ x: Int32, _ y: Int32) { (a, b) = x < y ? (x, y) : (y, x) }
    }

    public init(model: LinkageModel, settings: LinkageEngine.Settings = .init()) {
        scorer = LinkageScorer(model)
        self.settings = settings
        let engine = LinkageEngine(settings: settings)
        linkWeight = engine.linkWeight
        reviewWeight = engine.reviewWeight
        heads = Array(repeating: [:], count: LinkageEngine.Rule.allCases.count)
        next = Array(repeating: [], count: LinkageEngine.Rule.allCases.count)
        keys = Array(repeating: [], count: LinkageEngine.Rule.allCases.count)
    }

    /// An index over a batch run's records, its links and clusters (cluster ids numbered in record order): what
    /// a force starts from before matching records as they arrive.
    public init(_ inputs: [LinkageInput], batch: LinkageEngine.Result, settings: LinkageEngine.Settings = .init()) {
        self.init(model: batch.model, settings: settings)
        let n = inputs.count
        // Room to grow by a quarter before any table is rehashed or copied (a rehash of a million entries, in the
        // middle of somebody's recording, took a quarter of a second).
        reserve(n + n / 4)
        ids.append(contentsOf: inputs.map(\.id))
        for (i, input) in inputs.enumerated() where position[input.id] == nil { position[input.id] = Int32(i) }
        records.append(contentsOf: batch.records)
        links.append(contentsOf: repeatElement([:], count: n))
        for edge in batch.edges {
            links[Int(edge.a)][edge.b] = edge.weight
            links[Int(edge.b)][edge.a] = edge.weight
        }
        clusterOf.append(contentsOf: repeatElement(0, count: n))
        var idOfRoot: [Int32: ClusterID] = [:]
        for i in 0..<n {
            let root = batch.cluster[i]
            let id = idOfRoot[root] ?? nextCluster
            if idOfRoot[root] == nil {
                idOfRoot[root] = id
                nextCluster += 1
            }
            clusterOf[i] = id
            members[id, default: []].append(Int32(i))
        }
        for rule in 0..<keys.count {
            keys[rule].append(contentsOf: repeatElement(0, count: n))
            next[rule].append(contentsOf: repeatElement(-1, count: n))
        }
        for i in 0..<n { block(Int32(i), batch.records[i]) }
    }

    /// Makes room for `capacity` records.
    public mutating func reserve(_ capacity: Int) {
        ids.reserveCapacity(capacity)
        position.reserveCapacity(capacity)
        records.reserveCapacity(capacity)
        links.reserveCapacity(capacity)
        clusterOf.reserveCapacity(capacity)
        members.reserveCapacity(capacity)
        for rule in 0..<keys.count {
            heads[rule].reserveCapacity(capacity)
            keys[rule].reserveCapacity(capacity)
            next[rule].reserveCapacity(capacity)
        }
    }

    public var count: Int { records.count }
    public var model: LinkageModel { scorer.model }

    public func cluster(of record: String) -> ClusterID? {
        position[record].map { clusterOf[Int($0)] }
    }

    public func members(of cluster: ClusterID) -> [String] {
        (members[cluster] ?? []).map { ids[Int($0)] }
    }

    /// The records a person would be compared with, and how they compare, without recording anything (what an
    /// officer sees as "possibly the same person as ..." while recording).
    public func preview(_ input: LinkageInput) -> (links: [Match], review: [Match]) {
        let record = LinkageRecord(input, names: settings.names)
        var found: [(Int32, LinkagePattern, Double)] = []
        for candidate in candidates(record, excluding: position[input.id]) {
            let (pattern, weight) = scorer.weigh(record, records[Int(candidate)])
            if weight >= reviewWeight { found.append((candidate, pattern, weight)) }
        }
        found.sort { ($1.2, $0.0) < ($0.2, $1.0) }
        var links: [Match] = []
        var review: [Match] = []
        for (candidate, pattern, weight) in found {
            let match = self.match(record, candidate, pattern, weight)
            if weight >= linkWeight && LinkageEngine.linkable(pattern) {
                links.append(match)
            } else {
                review.append(match)
            }
        }
        return (links, review)
    }

    /// Records (or re-records, when the id is known) one person and clusters what it touches.
    @discardableResult
    public mutating func record(_ input: LinkageInput) -> Outcome {
        let record = LinkageRecord(input, names: settings.names)
        var touched: Set<Int32> = []
        let index: Int32
        let isNew = position[input.id] == nil
        if let known = position[input.id] {
            index = known
            // Edited: its old links go, so its old cluster is reconsidered too.
            for (other, _) in links[Int(index)] {
                links[Int(other)][index] = nil
                touched.insert(other)
            }
            links[Int(index)] = [:]
            unblock(index)
            records[Int(index)] = record
        } else {
            index = Int32(records.count)
            ids.append(input.id)
            position[input.id] = index
            records.append(record)
            links.append([:])
            clusterOf.append(newCluster([index]))
            for rule in 0..<keys.count {
                keys[rule].append(0)
                next[rule].append(-1)
            }
        }
        touched.insert(index)
        var review: [Match] = []
        var linked: [Match] = []
        for candidate in candidates(record, excluding: index) {
            let other = records[Int(candidate)]
            // Weighed in record order, as the batch run weighs its pairs.
            let (pattern, weight) = candidate < index ? scorer.weigh(other, record) : scorer.weigh(record, other)
            if weight >= linkWeight && LinkageEngine.linkable(pattern) {
                links[Int(index)][candidate] = Float(weight)
                links[Int(candidate)][index] = Float(weight)
                touched.insert(candidate)
                linked.append(match(record, candidate, pattern, weight))
            } else if weight >= reviewWeight {
                review.append(match(record, candidate, pattern, weight))
            }
        }
        block(index, record)
        // A new record joining a cluster is a link, not a merge; an edited record leaving its cluster is a split.
        let changes = recluster(touched, cause: isNew ? index : nil)
        linked.sort { $0.weight > $1.weight }
        review.sort { $0.weight > $1.weight }
        for i in linked.indices { linked[i].cluster = clusterOf[Int(position[linked[i].record]!)] }
        for i in review.indices { review[i].cluster = clusterOf[Int(position[review[i].record]!)] }
        return Outcome(cluster: clusterOf[Int(index)], links: linked, review: review, events: changes)
    }

    /// An analyst's decision that two records are (or are not) the same person; binding on every later
    /// clustering.
    @discardableResult
    public mutating func decide(_ a: String, _ b: String, same: Bool) throws -> [Event] {
        guard let x = position[a] else { throw Problem.unknownRecord(a) }
        guard let y = position[b] else { throw Problem.unknownRecord(b) }
        let pair = PairKey(x, y)
        if same {
            differentDecisions.remove(pair)
            sameDecisions.insert(pair)
        } else {
            sameDecisions.remove(pair)
            differentDecisions.insert(pair)
        }
        return recluster([x, y], cause: nil)
    }

    /// Reverses a merge or split: the records it moved go back to the clusters they were in, and every pair
    /// across the two sides is decided (not the same person, for an undone merge; the same, for an undone split)
    /// so that later records do not redo it.
    @discardableResult
    public mutating func undo(_ sequence: Int) throws -> [Event] {
        guard let event = events.first(where: { $0.sequence == sequence }) else {
            throw Problem.unknownEvent(sequence)
        }
        if events.contains(where: { $0.undoes == sequence }) { throw Problem.alreadyUndone(sequence) }
        // Group the moved records by the cluster they were in (before) and are in (after).
        let moved = event.before.keys.compactMap { position[$0] }
        let touched = Set(moved)
        switch event.kind {
        case .merged:
            // Before: several clusters; keep them apart.
            let sides = Dictionary(grouping: moved) { event.before[ids[Int($0)]]! }.values.map { $0 }
            let survivors = Set(members[clusterOf[Int(moved[0])]] ?? []).subtracting(moved)
            var groups = sides
            if !survivors.isEmpty { groups.append(Array(survivors)) }
            for (i, g) in groups.enumerated() {
                for h in groups[(i + 1)...] {
                    for x in g {
                        for y in h { sameDecisions.remove(PairKey(x, y)); differentDecisions.insert(PairKey(x, y)) }
                    }
                }
            }
        case .split:
            // Before: one cluster; bind its moved records to a member that stayed (or to each other).
            let anchor = event.before.values.first.flatMap { old in
                (members[old] ?? []).first { !touched.contains($0) }
            }
            let all = moved + (anchor.map { [$0] } ?? [])
            for x in all {
                for y in all where x < y {
                    differentDecisions.remove(PairKey(x, y))
                    sameDecisions.insert(PairKey(x, y))
                }
            }
        }
        var changes = recluster(touched, cause: nil)
        // The moved records get their old cluster's id back when nothing holds it now.
        for (i, change) in changes.enumerated() {
            let olds = Set(change.after.keys.compactMap { event.before[$0] })
            guard olds.count == 1, let old = olds.first, members[old] == nil,
                let current = change.after.values.first, let group = members[current]
            else { continue }
            members[current] = nil
            members[old] = group
            for x in group { clusterOf[Int(x)] = old }
            for key in changes[i].after.keys { changes[i].after[key] = old }
        }
        for i in changes.indices {
            changes[i].undoes = sequence
            if let at = events.lastIndex(where: { $0.sequence == changes[i].sequence }) { events[at] = changes[i] }
        }
        return changes
    }

    // MARK: - Matching

    func candidates(_ record: LinkageRecord, excluding: Int32?) -> [Int32] {
        var seen: Set<Int32> = []
        var out: [Int32] = []
        for rule in LinkageEngine.Rule.allCases {
            let key = rule.key(record)
            guard key != 0, let head = heads[rule.rawValue][key] else { continue }
            // A block larger than the batch run would compare is not compared here either (counting this record).
            if Int(head.count) + 1 > settings.maxBlock { continue }
            var i = head.first
            while i >= 0 {
                if i != excluding, seen.insert(i).inserted { out.append(i) }
                i = next[rule.rawValue][Int(i)]
            }
        }
        return out.sorted()
    }

    mutating func block(_ index: Int32, _ record: LinkageRecord) {
        for rule in LinkageEngine.Rule.allCases {
            let key = rule.key(record)
            keys[rule.rawValue][Int(index)] = key
            guard key != 0 else { continue }
            let head = heads[rule.rawValue][key]
            next[rule.rawValue][Int(index)] = head?.first ?? -1
            heads[rule.rawValue][key] = (index, (head?.count ?? 0) + 1)
        }
    }

    mutating func unblock(_ index: Int32) {
        for rule in LinkageEngine.Rule.allCases {
            let key = keys[rule.rawValue][Int(index)]
            guard key != 0, let head = heads[rule.rawValue][key] else { continue }
            let after = next[rule.rawValue][Int(index)]
            if head.first == index {
                heads[rule.rawValue][key] = after < 0 ? nil : (after, head.count - 1)
            } else {
                var i = head.first
                while i >= 0 {
                    let n = next[rule.rawValue][Int(i)]
                    if n == index {
                        next[rule.rawValue][Int(i)] = after
                        break
                    }
                    i = n
                }
                heads[rule.rawValue][key] = (head.first, head.count - 1)
            }
            keys[rule.rawValue][Int(index)] = 0
            next[rule.rawValue][Int(index)] = -1
        }
    }

    func match(_ record: LinkageRecord, _ other: Int32, _ pattern: LinkagePattern, _ weight: Double) -> Match {
        Match(
            record: ids[Int(other)], cluster: clusterOf[Int(other)], weight: weight,
            probability: LinkageModel.probability(weight: weight), evidence: evidence(pattern, record))
    }

    func evidence(_ pattern: LinkagePattern, _ record: LinkageRecord) -> [Evidence] {
        LinkageField.allCases.map { field in
            let level = pattern[field]
            return Evidence(
                field: field.label, level: field.levels[level], weight: scorer.weight(field, level: level, record))
        }
    }

    // MARK: - Clustering

    mutating func newCluster(_ records: [Int32]) -> ClusterID {
        let id = nextCluster
        nextCluster += 1
        members[id] = records
        return id
    }

    /// Clusters again the records linked (directly or through others, or by an analyst's decision, or by sharing
    /// a cluster) to `touched`, the batch run's way, and logs what changed.
    mutating func recluster(_ touched: Set<Int32>, cause: Int32?) -> [Event] {
        // The component: the link graph's connected part, plus the clusters its records are in now.
        var component: Set<Int32> = []
        var stack = Array(touched)
        var sameNeighbours: [Int32: [Int32]] = [:]
        for pair in sameDecisions {
            sameNeighbours[pair.a, default: []].append(pair.b)
            sameNeighbours[pair.b, default: []].append(pair.a)
        }
        while let x = stack.popLast() {
            guard component.insert(x).inserted else { continue }
            for (y, _) in links[Int(x)] where !component.contains(y) { stack.append(y) }
            for y in sameNeighbours[x] ?? [] where !component.contains(y) { stack.append(y) }
            for y in members[clusterOf[Int(x)]] ?? [] where !component.contains(y) { stack.append(y) }
        }
        var edges: [LinkageEngine.Edge] = []
        for x in component {
            for (y, w) in links[Int(x)] where x < y { edges.append(.init(a: x, b: y, weight: w)) }
            for y in sameNeighbours[x] ?? [] where x < y { edges.append(.init(a: x, b: y, weight: .infinity)) }
        }
        let decided = (same: sameDecisions, different: differentDecisions)
        let records = records
        var state = LinkageEngine.greedy(edges, records: { records[Int($0)] }, scorer: scorer, decided: decided)
        let groups = state.groups(of: component)
        return relabel(groups, component: component, cause: cause)
    }

    /// Gives each new group an id: a group keeps the id of the old cluster most of its members came from (the
    /// oldest on a tie), unless a larger share of that cluster went elsewhere; any other group is new. Logs a
    /// merge for each group that gathered several old clusters and a split for each old cluster that was divided.
    mutating func relabel(_ groups: [[Int32]], component: Set<Int32>, cause: Int32?) -> [Event] {
        var oldOf: [Int32: ClusterID] = [:]
        for x in component { oldOf[x] = clusterOf[Int(x)] }
        // Which group each old cluster's members went to, and how many.
        var shares: [(group: Int, old: ClusterID, count: Int)] = []
        for (g, group) in groups.enumerated() {
            var counts: [ClusterID: Int] = [:]
            for x in group { counts[oldOf[x]!, default: 0] += 1 }
            for (old, n) in counts { shares.append((g, old, n)) }
        }
        // Largest share first, then oldest id, then group order: each old id to at most one group.
        shares.sort { ($1.count, $0.old, $0.group) < ($0.count, $1.old, $1.group) }
        var idOf: [Int: ClusterID] = [:]
        var taken: Set<ClusterID> = []
        for share in shares where idOf[share.group] == nil && !taken.contains(share.old) {
            idOf[share.group] = share.old
            taken.insert(share.old)
        }
        // Old clusters restricted to the component; clusters not kept disappear.
        for old in Set(oldOf.values) {
            members[old] = (members[old] ?? []).filter { !component.contains($0) }
            if members[old]!.isEmpty { members[old] = nil }
        }
        var changes: [Event] = []
        for (g, group) in groups.enumerated() {
            let id =
                idOf[g]
                ?? {
                    let id = nextCluster; nextCluster += 1; return id
                }()
            members[id, default: []].append(contentsOf: group)
            for x in group { clusterOf[Int(x)] = id }
            let moved = group.filter { oldOf[$0] != id && $0 != cause }
            let newcomer = cause.map { group.contains($0) && oldOf[$0] != id } ?? false
            // A record recorded into an existing cluster is not a merge; records brought from elsewhere are.
            guard !moved.isEmpty else { continue }
            // A group made only of records that left one old cluster is that cluster split.
            let kind: EventKind = group.contains(where: { oldOf[$0] == id }) || newcomer ? .merged : .split
            var before: [String: ClusterID] = [:]
            var after: [String: ClusterID] = [:]
            for x in moved {
                before[ids[Int(x)]] = oldOf[x]
                after[ids[Int(x)]] = id
            }
            let strongest = strongestLink(from: moved, into: group.filter { !moved.contains($0) })
            changes.append(
                Event(
                    sequence: (events.last?.sequence ?? 0) + changes.count + 1, kind: kind, before: before,
                    after: after,
                    pair: strongest.map { (ids[Int($0.0)], ids[Int($0.1)]) },
                    weight: strongest.map { Double($0.2) },
                    evidence: strongest.map { pairEvidence($0.0, $0.1) } ?? [], undoes: nil))
        }
        events.append(contentsOf: changes)
        return changes
    }

    func strongestLink(from moved: [Int32], into rest: [Int32]) -> (Int32, Int32, Float)? {
        let restSet = Set(rest)
        var best: (Int32, Int32, Float)?
        for x in moved {
            for (y, w) in links[Int(x)] where restSet.contains(y) && (best == nil || w > best!.2) { best = (x, y, w) }
        }
        return best
    }

    func pairEvidence(_ x: Int32, _ y: Int32) -> [Evidence] {
        let (a, b) = x < y ? (records[Int(x)], records[Int(y)]) : (records[Int(y)], records[Int(x)])
        return evidence(LinkageCompare.pattern(a, b), a)
    }
}

extension LinkageEngine {
    /// Union–find over a set of links, strongest first (record order on ties); two groups join only if every
    /// pair across them is compatible and no analyst said they differ. A pair an analyst said is the same person
    /// (weight +∞) joins without the check.
    struct Greedy {
        var parent: [Int32: Int32] = [:]
        /// Links not followed because the groups were incompatible.
        var refused = 0

        mutating func find(_ x: Int32) -> Int32 {
            var x = x
            while let p = parent[x], p != x {
                parent[x] = parent[p] ?? p
                x = p
            }
            return x
        }

        mutating func groups(of records: Set<Int32>) -> [[Int32]] {
            var byRoot: [Int32: [Int32]] = [:]
            for x in records.sorted() { byRoot[find(x), default: []].append(x) }
            return byRoot.values.sorted { $0[0] < $1[0] }
        }
    }

    static func greedy(
        _ edges: [Edge], records: (Int32) -> LinkageRecord, scorer: LinkageScorer,
        decided: (same: Set<LinkageIndex.PairKey>, different: Set<LinkageIndex.PairKey>)
    ) -> Greedy {
        var state = Greedy()
        var members: [Int32: [Int32]] = [:]
        let ordered = edges.sorted { ($1.weight, $0.a, $0.b) < ($0.weight, $1.a, $1.b) }
        for edge in ordered {
            let ra = state.find(edge.a)
            let rb = state.find(edge.b)
            if ra == rb { continue }
            let ma = members[ra] ?? [ra]
            let mb = members[rb] ?? [rb]
            var ok = edge.weight == .infinity || ma.count * mb.count <= 10_000
            if ok {
                outer: for x in ma {
                    for y in mb {
                        let pair = LinkageIndex.PairKey(x, y)
                        if decided.different.contains(pair)
                            || (edge.weight != .infinity && !decided.same.contains(pair)
                                && !compatible(records(min(x, y)), records(max(x, y)), scorer: scorer))
                        {
                            ok = false
                            break outer
                        }
                    }
                }
            }
            guard ok else {
                state.refused += 1
                continue
            }
            let (root, child) = ra < rb ? (ra, rb) : (rb, ra)
            state.parent[child] = root
            state.parent[root] = root
            members[root] = ma + mb
            members[child] = nil
        }
        return state
    }
}
