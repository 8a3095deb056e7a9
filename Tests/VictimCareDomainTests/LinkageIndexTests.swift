import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 18: matching people as they are recorded. The index clusters as the batch run does, keeps cluster ids
/// stable, logs merges and splits with their evidence, undoes them, and obeys an analyst's decisions.
@Suite struct LinkageIndexTests {
    /// Records made one at a time give the batch run's clusters, the hard cases included.
    @Test func recordingOneAtATimeGivesTheBatchClusters() {
        let (inputs, truth, hard) = LinkageTests.city()
        let batch = LinkageEngine().run(inputs)
        var index = LinkageIndex(model: batch.model)
        for input in inputs { index.record(input) }
        // The same partition: batch cluster ↔ index cluster is one-to-one.
        var forward: [Int32: LinkageIndex.ClusterID] = [:]
        var backward: [LinkageIndex.ClusterID: Int32] = [:]
        var disagreements = 0
        for (i, input) in inputs.enumerated() {
            let b = batch.cluster[i]
            let c = index.cluster(of: input.id)!
            if forward[b, default: c] != c || backward[c, default: b] != b { disagreements += 1 }
            forward[b] = forward[b] ?? c
            backward[c] = backward[c] ?? b
        }
        #expect(disagreements == 0)
        #expect(Set(forward.values).count == Set(batch.cluster).count)
        func people(_ person: Int) -> Set<LinkageIndex.ClusterID> {
            Set(inputs.filter { truth[$0.id] == person }.map { index.cluster(of: $0.id)! })
        }
        #expect(people(hard.fatima).count == 1)
        #expect(people(hard.twinA).isDisjoint(with: people(hard.twinB)))
        #expect(people(hard.senior).isDisjoint(with: people(hard.junior)))
        // Built from the batch run directly, the index holds the same clusters.
        let built = LinkageIndex(inputs, batch: batch)
        for input in inputs.prefix(500) {
            #expect(
                Set(built.members(of: built.cluster(of: input.id)!))
                    == Set(index.members(of: index.cluster(of: input.id)!)))
        }
    }

    /// Clusters keep their ids as records arrive; only records of clusters that merged take another id, and each
    /// such change is logged.
    @Test func clusterIDsStayStableAsRecordsArrive() {
        let (inputs, _, _) = LinkageTests.city()
        let batch = LinkageEngine().run(inputs)
        let half = inputs.count / 2
        var index = LinkageIndex(model: batch.model)
        for input in inputs[..<half] { index.record(input) }
        let before = Dictionary(uniqueKeysWithValues: inputs[..<half].map { ($0.id, index.cluster(of: $0.id)!) })
        let logged = index.events.count
        for input in inputs[half...] { index.record(input) }
        let changed = before.filter { index.cluster(of: $0.key) != $0.value }.map(\.key)
        let explained = Set(index.events[logged...].flatMap { $0.after.keys })
        #expect(changed.allSatisfy { explained.contains($0) }, "every change of id is a logged merge or split")
        #expect(Double(changed.count) / Double(before.count) < 0.01, "\(changed.count) of \(before.count) changed")
    }

    /// Weights chosen by hand: each name +4, date of birth +10, phone +10, postcode unit +8, email +10, and a
    /// prior of −16, so the pairs below land where the test needs them.
    static func model() -> LinkageModel {
        var model = LinkageModel.initial()
        func set(_ field: LinkageField, exact weight: Double) {
            model.m[field.rawValue][1] = 0.5
            model.u[field.rawValue][1] = 0.5 / pow(2, weight)
        }
        set(.given, exact: 4)
        set(.family, exact: 4)
        set(.birth, exact: 10)
        set(.phone, exact: 10)
        set(.postcode, exact: 8)
        set(.email, exact: 10)
        model.lambda = 1 / (1 + pow(2, 16))
        return model
    }

    static let first = LinkageInput(
        id: "a", givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14", phone: "07700 111222")
    static let second = LinkageInput(
        id: "b", givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14", postcode: "E1 6AN",
        email: "fb@example.com")
    static let bridge = LinkageInput(
        id: "c", givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14", postcode: "E1 6AN",
        phone: "+44 7700 111222", email: "FB@example.com")

    @Test func aRecordThatBridgesTwoClustersMergesThemWithItsEvidenceAndTheMergeCanBeUndone() throws {
        var index = LinkageIndex(model: Self.model())
        let a = index.record(Self.first)
        let b = index.record(Self.second)
        // +2: not a link, but worth an analyst's look.
        #expect(b.cluster != a.cluster)
        #expect(b.links.isEmpty)
        #expect(b.review.map(\.record) == ["a"])
        #expect(abs(b.review[0].weight - 2) < 0.01)
        let c = index.record(Self.bridge)
        #expect(c.links.map(\.record) == ["b", "a"])
        #expect(c.cluster == a.cluster, "the oldest cluster keeps its id")
        #expect(index.cluster(of: "b") == a.cluster)
        let merge = try #require(c.events.first)
        #expect(c.events.count == 1)
        #expect(merge.kind == .merged)
        #expect(merge.before == ["b": b.cluster])
        #expect(merge.after == ["b": a.cluster])
        #expect(merge.pair.map { [$0.0, $0.1] } == ["b", "c"])
        let evidence = Dictionary(uniqueKeysWithValues: merge.evidence.map { ($0.field, $0.weight) })
        #expect(abs(evidence["date of birth"]! - 10) < 0.01)
        #expect(abs(evidence["email"]! - 10) < 0.01)
        #expect(abs(evidence["phone"]!) < 0.01, "b has no phone: no evidence either way")

        let undo = try index.undo(merge.sequence)
        #expect(undo.map(\.undoes) == [merge.sequence])
        #expect(index.cluster(of: "b") == b.cluster, "b gets its own id back")
        #expect(index.cluster(of: "a") == a.cluster)
        #expect(index.cluster(of: "c") == a.cluster)
        #expect(throws: LinkageIndex.Problem.alreadyUndone(merge.sequence)) { try index.undo(merge.sequence) }
        // The same person recorded again links to b, and the undone merge is not redone.
        var again = Self.second
        again.id = "d"
        let d = index.record(again)
        #expect(d.cluster == b.cluster)
        #expect(index.cluster(of: "a") != b.cluster)
    }

    @Test func anEditThatBreaksALinkSplitsTheClusterAndTheSplitCanBeUndone() throws {
        var index = LinkageIndex(model: Self.model())
        let a = index.record(Self.first)
        var copy = Self.first
        copy.id = "e"
        #expect(index.record(copy).cluster == a.cluster)
        // e was somebody else all along.
        let edited = index.record(
            LinkageInput(id: "e", givenName: "Grace", familyName: "Okafor", dateOfBirth: "1990-01-01"))
        #expect(edited.cluster != a.cluster)
        let split = try #require(edited.events.first)
        #expect(split.kind == .split)
        #expect(split.before == ["e": a.cluster])
        #expect(index.members(of: a.cluster) == ["a"])
        try index.undo(split.sequence)
        #expect(index.cluster(of: "e") == a.cluster, "undone: bound to a by an analyst's decision")
    }

    @Test func anAnalystsDecisionsBindLaterClustering() throws {
        var index = LinkageIndex(model: Self.model())
        let a = index.record(Self.first)
        let b = index.record(Self.second)
        // The review pair accepted: one person.
        let accepted = try index.decide("a", "b", same: true)
        #expect(accepted.first?.kind == .merged)
        #expect(index.cluster(of: "b") == a.cluster)
        // Then rejected: apart again, and a bridge does not rejoin them.
        try index.decide("a", "b", same: false)
        #expect(index.cluster(of: "a") != index.cluster(of: "b"))
        index.record(Self.bridge)
        #expect(index.cluster(of: "a") != index.cluster(of: "b"))
        #expect(throws: LinkageIndex.Problem.unknownRecord("zz")) { try index.decide("a", "zz", same: true) }
        _ = b
    }

    /// The same form sent twice changes nothing; a name in another script is matched as itself.
    @Test func recordingTheSameRecordAgainChangesNothing() {
        var index = LinkageIndex(model: Self.model())
        let a = index.record(Self.first)
        let again = index.record(Self.first)
        #expect(again.cluster == a.cluster)
        #expect(again.events.isEmpty)
        #expect(index.count == 1)
        #expect(index.events.isEmpty)
        let arabic = LinkageInput(
            id: "x", givenName: "فاطمة", familyName: "بيجوم", dateOfBirth: "1979-03-14", phone: "07700 999888")
        index.record(arabic)
        var copy = arabic
        copy.id = "y"
        #expect(index.record(copy).links.map(\.record) == ["x"])
    }

    /// The reviewer's case: a merge undone after another record of the merged side arrived keeps that record with
    /// its own side (the undo is about the merge's records, not about whoever came later).
    @Test func undoingAMergeLeavesLaterRecordsWhereTheirLinksTakeThem() throws {
        var index = LinkageIndex(model: Self.model())
        let a = index.record(Self.first)
        let b = index.record(Self.second)
        let merge = try #require(try index.decide("a", "b", same: true).first)
        var copy = Self.second
        copy.id = "d"
        #expect(index.record(copy).cluster == a.cluster)
        try index.undo(merge.sequence)
        #expect(index.cluster(of: "b") == b.cluster)
        #expect(index.cluster(of: "d") == b.cluster, "d is b's: weight 20 to b, 2 to a")
        #expect(index.cluster(of: "a") == a.cluster)
        #expect(throws: LinkageIndex.Problem.alreadyUndone(merge.sequence)) { try index.undo(merge.sequence) }
    }

    /// When a small old cluster and a larger younger one merge, the old id survives; the younger cluster's records
    /// are the ones logged as moved.
    @Test func theOldestIDSurvivesAMerge() throws {
        var index = LinkageIndex(model: Self.model())
        let a = index.record(Self.first)
        let b1 = index.record(Self.second)
        var b2 = Self.second
        b2.id = "b2"
        #expect(index.record(b2).cluster == b1.cluster)
        let c = index.record(Self.bridge)
        #expect(c.cluster == a.cluster)
        let merge = try #require(c.events.first { $0.kind == .merged })
        #expect(merge.before == ["b": b1.cluster, "b2": b1.cluster])
        #expect(Set(index.members(of: a.cluster)) == ["a", "b", "b2", "c"])
    }

    /// A new record that takes a member away from its cluster splits it, and the split is logged as one.
    @Test func aRecordThatTakesAMemberAwayIsLoggedAsASplit() throws {
        var index = LinkageIndex(model: Self.model())
        // x and y: +10 (names, postcode). n and y: +12 (names, date, phone). n and x: different emails, −2.7.
        let x = index.record(
            LinkageInput(
                id: "x", givenName: "Fatima", familyName: "Begum", postcode: "E1 6AN", phone: "07700 111222",
                email: "one@example.com"))
        let y = index.record(
            LinkageInput(
                id: "y", givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14", postcode: "E1 6AN",
                phone: "07700 111222"))
        #expect(y.cluster == x.cluster)
        let n = index.record(
            LinkageInput(
                id: "n", givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14",
                phone: "07700 111222", email: "two@example.com"))
        #expect(n.links.map(\.record).contains("y"))
        #expect(index.cluster(of: "x") == x.cluster, "x keeps the id")
        #expect(index.cluster(of: "y") == n.cluster)
        #expect(n.cluster != x.cluster)
        let split = try #require(n.events.first)
        #expect(n.events.map(\.kind) == [.split])
        #expect(split.before == ["y": x.cluster])
        #expect(split.after == ["y": n.cluster])
    }

    /// A block that outgrows the batch run's limit is not compared, by the batch or by the index.
    @Test func blocksOverTheLimitAreComparedAsTheBatchComparesThem() {
        var settings = LinkageEngine.Settings()
        settings.maxBlock = 2
        let inputs = ["p", "q", "r"].map {
            LinkageInput(
                id: $0, givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14", phone: "07700 111222")
        }
        var index = LinkageIndex(model: Self.model(), settings: settings)
        index.record(inputs[0])
        #expect(index.record(inputs[1]).cluster == index.cluster(of: "p"), "two: compared")
        index.record(inputs[2])
        let clusters = Set(["p", "q", "r"].map { index.cluster(of: $0)! })
        #expect(clusters.count == 3, "three: the blocks are too large, as in the batch run")
        // One of them edited away: the blocks shrink back and are compared again.
        index.record(LinkageInput(id: "r", givenName: "Grace", familyName: "Okafor"))
        #expect(index.cluster(of: "p") == index.cluster(of: "q"))
    }

    /// What an officer sees while recording: the likely matches, nothing recorded.
    @Test func previewShowsPossibleMatchesWithoutRecording() {
        var index = LinkageIndex(model: Self.model())
        index.record(Self.first)
        index.record(Self.second)
        let preview = index.preview(Self.bridge)
        #expect(preview.links.map(\.record) == ["b", "a"])
        #expect(preview.links[0].probability > 0.99)
        #expect(index.count == 2)
        #expect(index.cluster(of: "c") == nil)
    }

    /// The bit-mask Jaro–Winkler (names up to 64 letters) and the general one agree.
    @Test func jaroWinklerFastAndGeneralPathsAgree() {
        let pairs = [("martha", "marhta"), ("dixon", "dicksonx"), ("abcdefghij", "abcdefghji"), ("a", "ab")]
        for (a, b) in pairs {
            let x = a.unicodeScalars.map(\.value)
            let y = b.unicodeScalars.map(\.value)
            let (s, t) = x.count <= y.count ? (x, y) : (y, x)
            let fast = s.withUnsafeBufferPointer { s in t.withUnsafeBufferPointer { JaroWinkler.matchBits(s, $0) } }
            let general = s.withUnsafeBufferPointer { s in
                t.withUnsafeBufferPointer { JaroWinkler.matchFlags(s, $0) }
            }
            #expect(fast == general, "\(a) \(b)")
        }
        let long = String(repeating: "abcdefghij", count: 8)
        #expect(JaroWinkler.similarity(long, long + "x") > 0.99)
    }
}
