import Foundation

/// The people a force holds, matched as they are recorded. A new or edited record is compared with every record
/// that shares a blocking key with it; its links (pairs at or above the link threshold) join the link graph; and
/// the part of the graph it touches is clustered again exactly as a batch run clusters it (strongest link first,
/// no group joined to another if any pair across them has evidence against it), so adding records one at a time
/// gives the clusters a batch run over the same records gives. Cluster ids are stable: a cluster keeps its id
/// while it grows; when clusters merge the oldest id survives; when one splits the part with most of its old
/// members keeps it. Blocks are compared as the batch run compares them: a block that grows past `maxBlock` is no
/// longer compared (its pairs' links go unless another key brings them together), and one that shrinks back is
/// compared again. Every merge and split is logged with the evidence, field by field, and can be undone; an
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
        /// A merge: every record of the merged cluster and the cluster it was in before (a new record that caused
        /// it counts as the surviving cluster's). A split: every record of the divided cluster and the cluster it
        /// is in after. (What an undo needs.)
        public var sides: [String: ClusterID]
        /// The strongest link across the change, field by field (nil for a split no link decided).
        public var pair: (String, String)?
        public var weight: Double?
        public var evidence: [Evidence]
        /// The event an undo reverses.
        public var undoes: Int?

        public static func == (l: Event, r: Event) -> Bool {
            l.sequence == r.sequence && l.kind == r.kind && l.before == r.before && l.after == r.after
                && l.sides == r.sides && l.pair?.0 == r.pair?.0 && l.pair?.1 == r.pair?.1 && l.weight == r.weight
                && l.undoes == r.undoes
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
    var sameAdjacency: [Int32: Set<Int32>] = [:]
    public private(set) var events: [Event] = []
    var undone: Set<Int> = []

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
        for i in 0..<n { _ = block(Int32(i), batch.records[i]) }
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
    /// officer sees as "possibly the same person as ..." while recording). Weighed exactly as recording would.
    public func preview(_ input: LinkageInput) -> (links: [Match], review: [Match]) {
        let record = LinkageRecord(input, names: settings.names)
        // A new record would be the last; a known one keeps its place.
        let index = position[input.id] ?? Int32(records.count)
        var found: [(Match, LinkagePattern)] = []
        for candidate in candidates(record, at: index) {
            let (pattern, weight, first) = weigh(record, at: index, candidate)
            if weight >= reviewWeight { found.append((match(candidate, pattern, weight, first), pattern)) }
        }
        found.sort { $0.0.weight > $1.0.weight }
        let links = found.filter { $0.0.weight >= linkWeight && LinkageEngine.linkable($0.1) }.map(\.0)
        let review = found.filter { !($0.0.weight >= linkWeight && LinkageEngine.linkable($0.1)) }.map(\.0)
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
            let reopened = unblock(index)
            records[Int(index)] = record
            touched.formUnion(compareAgain(reopened))
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
        for candidate in candidates(record, at: index) {
            let (pattern, weight, first) = weigh(record, at: index, candidate)
            if weight >= linkWeight && LinkageEngine.linkable(pattern) {
                links[Int(index)][candidate] = Float(weight)
                links[Int(candidate)][index] = Float(weight)
                touched.insert(candidate)
                linked.append(match(candidate, pattern, weight, first))
            } else if weight >= reviewWeight {
                review.append(match(candidate, pattern, weight, first))
            }
        }
        let closed = block(index, record)
        touched.formUnion(forgetLinks(closed))
        // A new record joining a cluster is a link, not a merge.
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
        guard x != y else { return [] }
        setDecision(x, y, same: same)
        return recluster([x, y], cause: nil)
    }

    mutating func setDecision(_ x: Int32, _ y: Int32, same: Bool?) {
        let pair = PairKey(x, y)
        sameDecisions.remove(pair)
        differentDecisions.remove(pair)
        sameAdjacency[x]?.remove(y)
        sameAdjacency[y]?.remove(x)
        if same == true {
            sameDecisions.insert(pair)
            sameAdjacency[x, default: []].insert(y)
            sameAdjacency[y, default: []].insert(x)
        } else if same == false {
            differentDecisions.insert(pair)
        }
    }

    /// Reverses a merge or split. An undone merge: the clusters it joined are kept apart (every pair across them
    /// decided "not the same person", and any "same" decision across them withdrawn); records that joined later
    /// are not part of it and go where their own links take them. An undone split: the records it parted are
    /// bound together again. Either way the old cluster ids come back where nothing holds them now.
    @discardableResult
    public mutating func undo(_ sequence: Int) throws -> [Event] {
        guard let event = events.first(where: { $0.sequence == sequence }) else {
            throw Problem.unknownEvent(sequence)
        }
        if undone.contains(sequence) { throw Problem.alreadyUndone(sequence) }
        undone.insert(sequence)
        var sides: [ClusterID: [Int32]] = [:]
        for (id, cluster) in event.sides {
            if let x = position[id] { sides[cluster, default: []].append(x) }
        }
        switch event.kind {
        case .merged:
            let parts = Array(sides.values)
            for (i, part) in parts.enumerated() {
                for other in parts[(i + 1)...] {
                    for x in part { for y in other { setDecision(x, y, same: false) } }
                }
            }
        case .split:
            let all = sides.values.flatMap { $0 }.sorted()
            for x in all.dropFirst() { setDecision(all[0], x, same: true) }
        }
        var changes = recluster(Set(sides.values.flatMap { $0 }), cause: nil)
        // Old ids back: each part of an undone merge, the whole of an undone split.
        let restore: [(ClusterID, [Int32])] =
            switch event.kind {
            case .merged: sides.map { ($0.key, $0.value) }
            case .split: event.before.values.first.map { [($0, sides.values.flatMap { $0 })] } ?? []
            }
        // Until nothing moves: a part's old id may be held by another part until that part has its own back.
        // (Parts are kept apart by the undo's own decisions, so each is one cluster of its own; the bound on rounds
        // only guards against parts that were not.)
        var renamed = true
        var rounds = 0
        while renamed && rounds <= restore.count {
            renamed = false
            rounds += 1
            for (old, part) in restore where members[old] == nil {
                let now = Set(part.map { clusterOf[Int($0)] })
                guard now.count == 1, let current = now.first, current != old else { continue }
                rename(current, to: old)
                renamed = true
                for i in changes.indices {
                    for (key, value) in changes[i].after where value == current { changes[i].after[key] = old }
                    for (key, value) in changes[i].sides where value == current { changes[i].sides[key] = old }
                }
            }
        }
        for i in changes.indices {
            changes[i].undoes = sequence
            if let at = events.lastIndex(where: { $0.sequence == changes[i].sequence }) { events[at] = changes[i] }
        }
        return changes
    }

    mutating func rename(_ current: ClusterID, to old: ClusterID) {
        guard let group = members[current] else { return }
        members[current] = nil
        members[old] = group
        for x in group { clusterOf[Int(x)] = old }
    }

    // MARK: - Matching

    /// The records sharing a key with `record` (at `index`: its own place, or where it would go), in blocks no
    /// larger than the batch run compares.
    func candidates(_ record: LinkageRecord, at index: Int32) -> [Int32] {
        var seen: Set<Int32> = []
        var out: [Int32] = []
        for rule in LinkageEngine.Rule.allCases {
            let key = rule.key(record)
            guard key != 0, let head = heads[rule.rawValue][key] else { continue }
            // Counting this record once, whether or not it is already in the block.
            let inBlock = Int(index) < keys[rule.rawValue].count && keys[rule.rawValue][Int(index)] == key
            if Int(head.count) + (inBlock ? 0 : 1) > settings.maxBlock { continue }
            var i = head.first
            while i >= 0 {
                if i != index, seen.insert(i).inserted { out.append(i) }
                i = next[rule.rawValue][Int(i)]
            }
        }
        return out.sorted()
    }

    /// A pair weighed in record order, as the batch run weighs it (the earlier record first: the exact-name
    /// frequency and a swapped pair's levels are read from it); returns the earlier record too.
    func weigh(_ record: LinkageRecord, at index: Int32, _ candidate: Int32) -> (LinkagePattern, Double, LinkageRecord)
    {
        let other = records[Int(candidate)]
        let first = candidate < index ? other : record
        let (pattern, weight) = candidate < index ? scorer.weigh(other, record) : scorer.weigh(record, other)
        return (pattern, weight, first)
    }

    /// Adds the record to its blocks; returns the blocks this made larger than the batch run compares.
    mutating func block(_ index: Int32, _ record: LinkageRecord) -> [(rule: Int, key: UInt64)] {
        var closed: [(Int, UInt64)] = []
        for rule in LinkageEngine.Rule.allCases {
            let key = rule.key(record)
            keys[rule.rawValue][Int(index)] = key
            guard key != 0 else { continue }
            let head = heads[rule.rawValue][key]
            let count = (head?.count ?? 0) + 1
            next[rule.rawValue][Int(index)] = head?.first ?? -1
            heads[rule.rawValue][key] = (index, count)
            if Int(count) == settings.maxBlock + 1 { closed.append((rule.rawValue, key)) }
        }
        return closed
    }

    /// Takes the record out of its blocks; returns the blocks this brought back to a size the batch run compares.
    mutating func unblock(_ index: Int32) -> [(rule: Int, key: UInt64)] {
        var reopened: [(Int, UInt64)] = []
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
            if Int(head.count) - 1 == settings.maxBlock { reopened.append((rule.rawValue, key)) }
        }
        return reopened
    }

    func blockMembers(_ rule: Int, _ key: UInt64) -> [Int32] {
        var out: [Int32] = []
        var i = heads[rule][key]?.first ?? -1
        while i >= 0 {
            out.append(i)
            i = next[rule][Int(i)]
        }
        return out.sorted()
    }

    /// Whether two records share a key in a block the batch run compares.
    func comparable(_ x: Int32, _ y: Int32) -> Bool {
        for rule in 0..<keys.count {
            let key = keys[rule][Int(x)]
            if key != 0, key == keys[rule][Int(y)], let head = heads[rule][key], Int(head.count) <= settings.maxBlock {
                return true
            }
        }
        return false
    }

    /// A block grew past the batch run's limit: the batch run would not compare its pairs, so their links go
    /// (unless another key still brings the pair together). Returns the records whose links changed.
    mutating func forgetLinks(_ closed: [(rule: Int, key: UInt64)]) -> Set<Int32> {
        var touched: Set<Int32> = []
        for (rule, key) in closed {
            for x in blockMembers(rule, key) {
                for (y, _) in links[Int(x)] where !comparable(x, y) {
                    links[Int(x)][y] = nil
                    links[Int(y)][x] = nil
                    touched.formUnion([x, y])
                }
            }
        }
        return touched
    }

    /// A block shrank back to the batch run's limit: its pairs are compared again. Returns the records whose links
    /// changed.
    mutating func compareAgain(_ reopened: [(rule: Int, key: UInt64)]) -> Set<Int32> {
        var touched: Set<Int32> = []
        for (rule, key) in reopened {
            let members = blockMembers(rule, key)
            for (n, x) in members.enumerated() {
                for y in members[(n + 1)...] where links[Int(x)][y] == nil {
                    let (pattern, weight) = scorer.weigh(records[Int(x)], records[Int(y)])
                    guard weight >= linkWeight && LinkageEngine.linkable(pattern) else { continue }
                    links[Int(x)][y] = Float(weight)
                    links[Int(y)][x] = Float(weight)
                    touched.formUnion([x, y])
                }
            }
        }
        return touched
    }

    func match(_ other: Int32, _ pattern: LinkagePattern, _ weight: Double, _ first: LinkageRecord) -> Match {
        Match(
            record: ids[Int(other)], cluster: clusterOf[Int(other)], weight: weight,
            probability: LinkageModel.probability(weight: weight), evidence: evidence(pattern, first))
    }

    /// Each field's weight in a pair; they add up, with the prior, to the pair's weight.
    func evidence(_ pattern: LinkagePattern, _ first: LinkageRecord) -> [Evidence] {
        LinkageField.allCases.map { field in
            let level = pattern[field]
            return Evidence(
                field: field.label, level: field.levels[level], weight: scorer.weight(field, level: level, first))
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
        while let x = stack.popLast() {
            guard component.insert(x).inserted else { continue }
            for (y, _) in links[Int(x)] where !component.contains(y) { stack.append(y) }
            for y in sameAdjacency[x] ?? [] where !component.contains(y) { stack.append(y) }
            for y in members[clusterOf[Int(x)]] ?? [] where !component.contains(y) { stack.append(y) }
        }
        var edges: [LinkageEngine.Edge] = []
        for x in component {
            for (y, w) in links[Int(x)] where x < y { edges.append(.init(a: x, b: y, weight: w)) }
            for y in sameAdjacency[x] ?? [] where x < y { edges.append(.init(a: x, b: y, weight: .infinity)) }
        }
        let decided = (same: sameDecisions, different: differentDecisions)
        let records = records
        var state = LinkageEngine.greedy(edges, records: { records[Int($0)] }, scorer: scorer, decided: decided)
        let groups = state.groups(of: component)
        return relabel(groups, component: component, cause: cause)
    }

    /// Gives each new group an id and logs what changed. Each old cluster's heir is the group holding most of its
    /// members (on a tie, the one with fewest members from other clusters, then the first); a group takes the oldest id it is heir to, or a new one. A group that
    /// gathered members of several old clusters is a merge; an old cluster whose members went to several groups is
    /// a split. (A new record is no old cluster: joining one is a link, not a merge.)
    mutating func relabel(_ groups: [[Int32]], component: Set<Int32>, cause: Int32?) -> [Event] {
        var oldOf: [Int32: ClusterID] = [:]
        for x in component { oldOf[x] = clusterOf[Int(x)] }
        let fresh = cause.map { clusterOf[Int($0)] }
        var counts: [ClusterID: [Int: Int]] = [:]
        for (g, group) in groups.enumerated() {
            for x in group { counts[oldOf[x]!, default: [:]][g, default: 0] += 1 }
        }
        var idOf: [Int: ClusterID] = [:]
        for (old, byGroup) in counts {
            // Most of its members; on a tie, the group with fewest from elsewhere, then the first group.
            let heir = byGroup.max { l, r in
                (l.value, l.value - groups[l.key].count, -l.key) < (r.value, r.value - groups[r.key].count, -r.key)
            }!.key
            idOf[heir] = min(idOf[heir] ?? old, old)
        }
        for old in Set(oldOf.values) {
            members[old] = (members[old] ?? []).filter { !component.contains($0) }
            if members[old]!.isEmpty { members[old] = nil }
        }
        var groupOf: [Int32: Int] = [:]
        for (g, group) in groups.enumerated() {
            let id =
                idOf[g]
                ?? {
                    let id = nextCluster; nextCluster += 1; return id
                }()
            idOf[g] = id
            members[id, default: []].append(contentsOf: group)
            for x in group {
                clusterOf[Int(x)] = id
                groupOf[x] = g
            }
        }
        var changes: [Event] = []
        func log(_ kind: EventKind, moved: [Int32], sides: [String: ClusterID], across: (Set<Int32>, Set<Int32>)) {
            var before: [String: ClusterID] = [:]
            var after: [String: ClusterID] = [:]
            for x in moved {
                before[ids[Int(x)]] = oldOf[x]
                after[ids[Int(x)]] = clusterOf[Int(x)]
            }
            let strongest = strongestLink(across.0, across.1)
            changes.append(
                Event(
                    sequence: (events.last?.sequence ?? 0) + changes.count + 1, kind: kind, before: before,
                    after: after, sides: sides, pair: strongest.map { (ids[Int($0.0)], ids[Int($0.1)]) },
                    weight: strongest.map { Double($0.2) }, evidence: strongest.map { pairEvidence($0.0, $0.1) } ?? [],
                    undoes: nil))
        }
        // Splits: an old cluster whose members went to several groups.
        for old in Set(oldOf.values).sorted() where old != fresh {
            let part = component.filter { oldOf[$0] == old }.sorted()
            let went = Set(part.map { groupOf[$0]! })
            guard went.count > 1 else { continue }
            let stayed = Set(part.filter { clusterOf[Int($0)] == old })
            let left = part.filter { clusterOf[Int($0)] != old }
            var sides: [String: ClusterID] = [:]
            for x in part { sides[ids[Int(x)]] = clusterOf[Int(x)] }
            log(.split, moved: left, sides: sides, across: (Set(left), stayed))
        }
        // Merges: a group gathering members of several old clusters.
        for (g, group) in groups.enumerated() {
            let id = idOf[g]!
            let olds = Set(group.compactMap { oldOf[$0] == fresh ? nil : oldOf[$0] })
            guard olds.count > 1 else { continue }
            let came = group.filter { oldOf[$0] != id && oldOf[$0] != fresh }
            var sides: [String: ClusterID] = [:]
            for x in group { sides[ids[Int(x)]] = oldOf[x] == fresh ? id : oldOf[x] }
            log(.merged, moved: came, sides: sides, across: (Set(came), Set(group).subtracting(came)))
        }
        events.append(contentsOf: changes)
        return changes
    }

    /// The strongest link across a change; failing that, a pair an analyst said is the same person (weighed as
    /// any pair is, so the log shows what the analyst saw).
    func strongestLink(_ from: Set<Int32>, _ into: Set<Int32>) -> (Int32, Int32, Float)? {
        var best: (Int32, Int32, Float)?
        for x in from.sorted() {
            for (y, w) in links[Int(x)] where into.contains(y) && (best == nil || w > best!.2) {
                best = x < y ? (x, y, w) : (y, x, w)
            }
        }
        if best != nil { return best }
        for x in from.sorted() {
            for y in (sameAdjacency[x] ?? []).sorted() where into.contains(y) {
                let (a, b) = x < y ? (x, y) : (y, x)
                let w = Float(scorer.weigh(records[Int(a)], records[Int(b)]).1)
                if best == nil || w > best!.2 { best = (a, b, w) }
            }
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
