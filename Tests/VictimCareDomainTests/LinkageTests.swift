import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 18: recognising the same person across records. Standardisation, comparison levels, EM, and the
/// engine on people built to be hard: twins, junior and senior, households, transliterations, nicknames.
@Suite struct LinkageTests {
    @Test func namesPostcodesPhonesAndDatesAreStandardised() {
        #expect(LinkageText.name("  O'Brien-Smith ") == "obrien smith")
        #expect(LinkageText.name("Zoë") == "zoe")
        #expect(LinkageText.name("F.") == "f")
        #expect(LinkageText.name("محمد") == "محمد")
        #expect(LinkageText.name("张 伟") == "张 伟")
        #expect(LinkageText.name(" .- ") == nil)
        let full = LinkageText.postcode("sw1a 1aa")
        #expect(full == .init(unit: "SW1A1AA", sector: "SW1A1", district: "SW1A"))
        #expect(LinkageText.postcode("E1 6AN")?.sector == "E16")
        #expect(LinkageText.postcode("SW1A") == .init(unit: nil, sector: nil, district: "SW1A"))
        #expect(LinkageText.postcode("N15 8") == .init(unit: nil, sector: "N158", district: "N15"))
        #expect(LinkageText.postcode("x") == nil)
        for raw in ["07700 900123", "+44 7700 900123", "0044 7700 900123", "447700900123"] {
            #expect(LinkageText.phone(raw) == "7700900123", "\(raw)")
        }
        #expect(LinkageText.phone("999") == nil)
        #expect(LinkageText.email(" Ada@Example.COM ") == "ada@example.com")
        #expect(LinkageText.email("not an address") == nil)
        for raw in ["1985-04-12", "12/04/1985", "19850412", "12.04.1985"] {
            #expect(LinkageText.birthDate(raw) == .init(year: 1985, month: 4, day: 12), "\(raw)")
        }
        #expect(LinkageText.birthDate("1985-13-01") == nil)
        #expect(LinkageText.birthDate("") == nil)
        #expect(LinkageText.soundKey("mohammed") == LinkageText.soundKey("muhamad"))
        #expect(LinkageText.soundKey("chowdhury") == LinkageText.soundKey("choudhury"))
        #expect(LinkageText.soundKey("smith") != LinkageText.soundKey("jones"))
    }

    @Test func jaroWinklerHasTheTextbookValues() {
        #expect(abs(JaroWinkler.similarity("martha", "marhta") - 0.961) < 0.001)
        #expect(abs(JaroWinkler.similarity("dixon", "dicksonx") - 0.813) < 0.001)
        #expect(JaroWinkler.similarity("abc", "abc") == 1)
        #expect(JaroWinkler.similarity("abc", "xyz") == 0)
        #expect(JaroWinkler.similarity("", "a") == 0)
    }

    func record(
        _ given: String?, _ family: String?, _ dob: String? = nil, _ postcode: String? = nil, _ phone: String? = nil,
        _ email: String? = nil
    ) -> LinkageRecord {
        LinkageRecord(
            LinkageInput(
                id: "x", givenName: given, familyName: family, dateOfBirth: dob, postcode: postcode, phone: phone,
                email: email), names: .standard)
    }

    @Test func comparisonLevelsForKnownPairs() {
        func levels(_ a: LinkageRecord, _ b: LinkageRecord) -> [Int] {
            let p = LinkageCompare.pattern(a, b)
            return LinkageField.allCases.map { p[$0] }
        }
        // Transliterations and nicknames are variants; an initial is its own weak level.
        #expect(levels(record("Mohammed", "Khan"), record("Muhammad", "Khan"))[0] == 2)
        #expect(levels(record("Bill", "Jones"), record("William", "Jones"))[0] == 2)
        #expect(levels(record("Fatima", "Begum"), record("Fatma", "Bibi"))[0...1] == [2, 2])
        #expect(levels(record("F.", "Bibi"), record("Fatima", "Begum"))[0] == 5)
        #expect(levels(record("G.", "Bibi"), record("Fatima", "Begum"))[0] == 6)
        // Names recorded the wrong way round still agree.
        #expect(levels(record("Khan", "Imran"), record("Imran", "Khan"))[0...1] == [1, 1])
        // Dates: exact, day and month swapped, one digit, transposed digits, same year, different.
        let dob = record("A", "B", "1985-04-12")
        #expect(levels(dob, record("A", "B", "1985-04-12"))[2] == 1)
        #expect(levels(dob, record("A", "B", "1985-12-04"))[2] == 2)
        #expect(levels(dob, record("A", "B", "1985-04-13"))[2] == 3)
        #expect(levels(dob, record("A", "B", "1958-04-12"))[2] == 3)
        #expect(levels(dob, record("A", "B", "1985-09-30"))[2] == 4)
        #expect(levels(dob, record("A", "B", "1962-09-30"))[2] == 5)
        #expect(levels(dob, record("A", "B"))[2] == 0)
        // Postcode unit, sector, district; phone in any format; email.
        let home = record("A", "B", nil, "E1 6AN", "07700 900123", "a@example.com")
        #expect(levels(home, record("A", "B", nil, "E16AN", "+447700900123", "A@example.com"))[3...5] == [1, 1, 1])
        #expect(levels(home, record("A", "B", nil, "E1 6XX", "07000 900123", "a@example.org"))[3...5] == [2, 2, 2])
        #expect(levels(home, record("A", "B", nil, "E1", nil, "b@example.com"))[3...5] == [3, 0, 3])
    }

    /// The guards: pairs whose fields add up under independence but are not one person.
    @Test func twinsHouseholdsAndJuniorsNeverLinkByThemselves() {
        func pattern(_ a: LinkageRecord, _ b: LinkageRecord) -> LinkagePattern { LinkageCompare.pattern(a, b) }
        let mother = record("Fatima", "Begum", "1979-03-14", "E1 6AN", "07700 111222")
        let daughter = record("Amina", "Begum", "2005-11-02", "E1 6AN", "07700 111222")
        let son = record("Ali", "Begum", "2005-11-02", "E1 6AN", "07700 111222")
        let senior = record("Mohammed", "Khan", "1961-02-03", "E7 9AB", "07700 555666")
        let junior = record("Mohammed", "Khan", "1988-10-21", "E7 9AB", "07700 555666")
        let again = record("Fatma", "Begum", "14/03/1979", "E1 6AN")
        let slip = record("Fatima", "Begum", "1979-03-15", "E1 6AN")
        #expect(LinkageEngine.household(pattern(mother, daughter)))
        #expect(LinkageEngine.siblings(pattern(daughter, son)), "twins")
        #expect(LinkageEngine.bornApart(pattern(senior, junior)))
        for (a, b) in [(mother, daughter), (daughter, son), (senior, junior)] {
            #expect(!LinkageEngine.linkable(pattern(a, b)))
        }
        // The same person with a variant name or a slip of the pen still links.
        #expect(LinkageEngine.linkable(pattern(mother, again)))
        #expect(LinkageEngine.linkable(pattern(mother, slip)))
    }

    /// Patterns drawn from known m, u and λ: EM (u fixed, as the engine fixes it from random pairs) recovers m
    /// and λ.
    @Test func emRecoversKnownMAndLambda() {
        var truth = LinkageModel.initial()
        truth.m = [
            [0, 0.80, 0.08, 0.06, 0.03, 0.02, 0.01], [0, 0.85, 0.05, 0.05, 0.03, 0.02],
            [0, 0.88, 0.03, 0.05, 0.02, 0.02], [0, 0.50, 0.10, 0.10, 0.30], [0, 0.60, 0.05, 0.35],
            [0, 0.50, 0.05, 0.45],
        ]
        truth.u = [
            [0, 0.01, 0.005, 0.01, 0.05, 0.02, 0.905], [0, 0.02, 0.005, 0.01, 0.05, 0.915],
            [0, 0.0005, 0.0005, 0.005, 0.02, 0.974], [0, 0.001, 0.01, 0.05, 0.939], [0, 0.001, 0.001, 0.998],
            [0, 0.001, 0.001, 0.998],
        ]
        truth.lambda = 0.2
        var rng = SeededRandom(seed: 42)
        func draw(_ probabilities: [Double]) -> Int {
            let x = Double(rng.next() % 1_000_000) / 1_000_000
            var sum = 0.0
            for (level, p) in probabilities.enumerated().dropFirst() {
                sum += p
                if x < sum { return level }
            }
            return probabilities.count - 1
        }
        var patterns: [LinkagePattern: Int] = [:]
        for _ in 0..<200_000 {
            let match = Double(rng.next() % 1000) / 1000 < truth.lambda
            var p = LinkagePattern()
            for field in LinkageField.allCases {
                p[field] = draw(match ? truth.m[field.rawValue] : truth.u[field.rawValue])
            }
            patterns[p, default: 0] += 1
        }
        var model = LinkageModel.initial()
        model.u = truth.u
        model.trainM([0: patterns], blockedFields: [[]], iterations: 200)
        #expect(abs(model.lambda - truth.lambda) < 0.01, "λ \(model.lambda)")
        for field in LinkageField.allCases {
            for level in 1..<truth.m[field.rawValue].count {
                #expect(
                    abs(model.m[field.rawValue][level] - truth.m[field.rawValue][level]) < 0.02,
                    "\(field) level \(level): \(model.m[field.rawValue][level])")
            }
        }
    }

    /// A small city built to be hard: 3,000 people, half recorded twice (moved, no phone, other capitals), and
    /// the hard cases, each its own person: Fatima Begum / Fatma Begum / Fatima Bibi; twins Amir and Samir
    /// Haddad; Mohammed Khan senior and junior. Returns the records (ids r0, r1, ...), each record's person, and
    /// the hard cases' person numbers.
    static func city() -> (
        inputs: [LinkageInput], truth: [String: Int],
        hard: (fatima: Int, twinA: Int, twinB: Int, senior: Int, junior: Int)
    ) {
        var rng = SeededRandom(seed: 7)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        let given = [
            "oliver", "amelia", "george", "isla", "harry", "ava", "noah", "emily", "jack", "sophie",
            "priya", "wei", "ngozi", "piotr", "zainab", "omar", "hodan", "tariq", "chloe", "leo",
        ]
        let family = [
            "smith", "jones", "taylor", "brown", "okafor", "nowak", "wang", "patel", "evans", "hughes",
            "walker", "green", "shaw", "lloyd", "mensah", "eze", "gill", "kumar", "ward", "cole",
        ]
        var inputs: [LinkageInput] = []
        var truth: [String: Int] = [:]
        func add(_ person: Int, _ input: LinkageInput) {
            var input = input
            input.id = "r\(inputs.count)"
            truth[input.id] = person
            inputs.append(input)
        }
        for person in 0..<3000 {
            let g = pick(given)
            let f = pick(family)
            let dob = String(
                format: "%04d-%02d-%02d", 1940 + Int(rng.next() % 70), 1 + Int(rng.next() % 12),
                1 + Int(rng.next() % 28))
            let postcode = "E\(1 + rng.next() % 20) \(1 + rng.next() % 9)A\(pick(["B", "D", "E", "F", "G"]))"
            let phone = "07700 9\(String(format: "%05d", Int(rng.next() % 100_000)))"
            add(
                person,
                LinkageInput(id: "", givenName: g, familyName: f, dateOfBirth: dob, postcode: postcode, phone: phone))
            if rng.next() % 2 == 0 {
                // Recorded again: moved, new phone, a typo in the date.
                add(
                    person,
                    LinkageInput(
                        id: "", givenName: g.capitalized, familyName: f.uppercased(), dateOfBirth: dob,
                        postcode: "N\(1 + rng.next() % 20) 1AB"))
            }
        }
        // The hard cases, each its own person id.
        var next = 10_000
        func person() -> Int {
            next += 1
            return next
        }
        let fatima = person()
        add(
            fatima,
            LinkageInput(
                id: "", givenName: "Fatima", familyName: "Begum", dateOfBirth: "1979-03-14", postcode: "E1 6AN",
                phone: "07700 111222"))
        add(
            fatima,
            LinkageInput(id: "", givenName: "Fatma", familyName: "Begum", dateOfBirth: "14/03/1979", postcode: "E1 6AN")
        )
        add(
            fatima,
            LinkageInput(
                id: "", givenName: "Fatima", familyName: "Bibi",
                dateOfBirth: "1979-03-41".replacingOccurrences(of: "41", with: "14"), phone: "+44 7700 111222"))
        // Twins: same birthday, surname, address and phone; different given names.
        let twinA = person()
        let twinB = person()
        add(
            twinA,
            LinkageInput(
                id: "", givenName: "Amir", familyName: "Haddad", dateOfBirth: "2001-07-09", postcode: "SE15 4QT",
                phone: "07700 333444"))
        add(
            twinB,
            LinkageInput(
                id: "", givenName: "Samir", familyName: "Haddad", dateOfBirth: "2001-07-09", postcode: "SE15 4QT",
                phone: "07700 333444"))
        add(
            twinA,
            LinkageInput(
                id: "", givenName: "Amir", familyName: "Haddad", dateOfBirth: "2001-07-09", postcode: "SE15 4QT"))
        // Junior and senior: same name and address, born 27 years apart.
        let senior = person()
        let junior = person()
        add(
            senior,
            LinkageInput(
                id: "", givenName: "Mohammed", familyName: "Khan", dateOfBirth: "1961-02-03", postcode: "E7 9AB",
                phone: "07700 555666"))
        add(
            junior,
            LinkageInput(
                id: "", givenName: "Mohammed", familyName: "Khan", dateOfBirth: "1988-10-21", postcode: "E7 9AB",
                phone: "07700 555666"))
        add(
            junior,
            LinkageInput(
                id: "", givenName: "Muhammad", familyName: "Khan", dateOfBirth: "1988-10-21", postcode: "E7 9AB"))

        return (inputs, truth, (fatima, twinA, twinB, senior, junior))
    }

    /// A small city built to be hard, then the engine: the same people found again, strangers kept apart.
    @Test func theEngineLinksTheSamePersonAndKeepsTwinsJuniorsAndHouseholdsApart() {
        let (inputs, truth, hard) = Self.city()
        let (fatima, twinA, twinB, senior, junior) = hard
        let result = LinkageEngine().run(inputs)
        func cluster(_ id: String) -> Int32 { result.cluster[inputs.firstIndex { $0.id == id }!] }
        let ids = inputs.map(\.id)
        let fatimas = ids.filter { truth[$0] == fatima }
        #expect(Set(fatimas.map(cluster)).count == 1, "Fatima Begum, Fatma Begum and Fatima Bibi are one person")
        let twins = ids.filter { truth[$0] == twinA || truth[$0] == twinB }
        #expect(Set(twins.filter { truth[$0] == twinA }.map(cluster)).count == 1)
        #expect(
            cluster(twins.first { truth[$0] == twinA }!) != cluster(twins.first { truth[$0] == twinB }!), "twins apart")
        let khans = ids.filter { truth[$0] == senior || truth[$0] == junior }
        #expect(
            cluster(khans.first { truth[$0] == senior }!) != cluster(khans.first { truth[$0] == junior }!),
            "junior and senior apart")
        #expect(Set(khans.filter { truth[$0] == junior }.map(cluster)).count == 1)

        // Pairwise precision and recall over the whole file.
        var truePairs = 0
        var foundPairs = 0
        var bothPairs = 0
        var byCluster: [Int32: [Int]] = [:]
        for (index, id) in ids.enumerated() { byCluster[result.cluster[index], default: []].append(truth[id]!) }
        for members in byCluster.values {
            foundPairs += members.count * (members.count - 1) / 2
            var counts: [Int: Int] = [:]
            for m in members { counts[m, default: 0] += 1 }
            bothPairs += counts.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        }
        var byPerson: [Int: Int] = [:]
        for id in ids { byPerson[truth[id]!, default: 0] += 1 }
        truePairs = byPerson.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        let precision = Double(bothPairs) / Double(max(foundPairs, 1))
        let recall = Double(bothPairs) / Double(max(truePairs, 1))
        #expect(precision > 0.95, "precision \(precision)")
        #expect(recall > 0.9, "recall \(recall)")
        #expect((byCluster.values.map(\.count).max() ?? 0) <= 2 * (byPerson.values.max() ?? 1))
    }
}
