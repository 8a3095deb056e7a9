import Foundation
import VictimCareDomain
import VictimCareQR

// Measures the pure parts on one core:
//   victimcare-bench engine [VICTIMS]   victims' obligations computed per second (default 1,000,000 victims)
//   victimcare-bench qr [CODES]         QR codes for a personal leaflet link, as PNG and as SVG (default 20,000)
//   victimcare-bench csv FILE           the import's CSV reader over a file, 256 KiB at a time: rows per second
// The facts are synthetic but shaped like a force's: most victims have a report, a few events, a handful of
// contacts and actions; some are enhanced, some in the telephone unit, some closed.

struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func facts(_ count: Int) -> [VictimFacts] {
    var g = Generator(state: 42)
    let now = Date().timeIntervalSince1970
    let triggers: [ObligationTrigger] = [
        .suspectArrested, .suspectInterviewed, .releasedNFA, .bail, .charged, .decisionNotToProsecute,
    ]
    let kinds: [Fulfilment] = [.writtenConfirmation, .informationLeaflet, .needsAssessment, .referral, .vpsOffered]
    return (0..<count).map { i in
        let recorded = now - Double.random(in: 0...(548 * 86_400), using: &g)
        let enhanced = Double.random(in: 0...1, using: &g) < 0.25
        let yes = i % 3 == 0 ? ReferralConsent.no : .yes
        var f = VictimFacts(
            recordedAt: recorded,
            pauses: Double.random(in: 0...1, using: &g) < 0.5
                ? VictimFacts.closed(at: recorded + Double.random(in: 86_400...(200 * 86_400), using: &g)) : [],
            flags: enhanced ? [.domesticAbuse] : [], callBack: i % 20 == 0 ? .required : .notTelephoneUnit,
            enhancedHistory: [(recorded, enhanced)], referralConsent: yes, consentHistory: [(recorded + 600, yes)])
        var t = recorded
        for _ in 0..<Int.random(in: 0...3, using: &g) {
            t += Double.random(in: 3600...(20 * 86_400), using: &g)
            f.events.append(.init(key: "e\(i)-\(t)", trigger: triggers.randomElement(using: &g)!, at: t))
        }
        var c = recorded
        for _ in 0..<Int.random(in: 0...6, using: &g) {
            c += Double.random(in: 3600...(40 * 86_400), using: &g)
            f.done.append(.init(kind: .successfulContact, at: c, label: "Phone call"))
        }
        for kind in kinds where Double.random(in: 0...1, using: &g) < 0.8 {
            f.done.append(
                .init(kind: kind, at: recorded + Double.random(in: 0...(4 * 86_400), using: &g), label: "done"))
        }
        return f
    }
}

func benchEngine(_ count: Int) {
    let engine = ObligationEngine()
    print("generating \(count) victims' facts...")
    let all = facts(count)
    _ = engine.obligations(for: all[0])
    var obligations = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for f in all { obligations += engine.obligations(for: f).count }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(
        String(
            format:
                "victims=%d obligations=%d seconds=%.2f victims_per_second=%.0f obligations_per_second=%.0f (one core)",
            count, obligations, seconds, Double(count) / seconds, Double(obligations) / seconds))
}

/// Links shaped like the real ones: the public address and 43 characters of base64url token.
func benchQR(_ count: Int) throws {
    var g = Generator(state: 7)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    let links = (0..<count).map { _ in
        "https://victimcare.example.police.uk/l/" + String((0..<43).map { _ in alphabet.randomElement(using: &g)! })
    }
    for (name, draw) in [
        ("png", { (code: QRCode) in code.png().count }), ("svg", { (code: QRCode) in code.svg().utf8.count }),
    ] {
        var bytes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for link in links { bytes += draw(try QRCode(link)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(
            String(
                format: "qr_%@ codes=%d seconds=%.2f per_second=%.0f mean_bytes=%.0f (one core)", name, count, seconds,
                Double(count) / seconds, Double(bytes) / Double(count)))
    }
}

/// The import reads files this way: 256 KiB chunks into the streaming reader, records counted, nothing kept.
func benchCSV(_ path: String) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        print("no such file: \(path)")
        exit(2)
    }
    var reader = CSVReader()
    var records = 0
    var problems = 0
    var fields = 0
    var bytes = 0
    let start = DispatchTime.now().uptimeNanoseconds
    while true {
        let chunk = try handle.read(upToCount: 256 * 1024) ?? Data()
        if chunk.isEmpty { reader.finish() } else { reader.feed(chunk) }
        bytes += chunk.count
        while let item = reader.next() {
            switch item {
            case .record(_, let f):
                records += 1
                fields += f.count
            case .problem: problems += 1
            }
        }
        if chunk.isEmpty { break }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(
        String(
            format: "csv records=%d problems=%d fields=%d mib=%.1f seconds=%.2f rows_per_second=%.0f (one core)",
            records, problems, fields, Double(bytes) / 1_048_576, seconds, Double(records) / seconds))
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "engine": benchEngine(arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000)
case "qr": try benchQR(arguments.dropFirst().first.flatMap(Int.init) ?? 20_000)
case "csv" where arguments.count > 1: try benchCSV(arguments[1])
default:
    print("usage: victimcare-bench engine [VICTIMS] | qr [CODES] | csv FILE")
    exit(2)
}
