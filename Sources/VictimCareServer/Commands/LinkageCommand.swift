import Fluent
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// `victimcare linkage run --input FILE.csv --output clusters.csv`: recognises the same person across records in a
/// file (issue 18), so the engine can be compared with other tools on the same input. Reads only the columns
/// `record_id,given_name,family_name,date_of_birth,postcode,phone,email` (others, labels included, are never
/// read), trains on the file itself, and writes `record_id,cluster_id`, one row per input row.
struct LinkageCommand: AsyncCommandGroup {
    var help: String { "Record linkage: recognise the same person across records." }
    var commands: [String: any AnyAsyncCommand] {
        [
            "run": LinkageRunCommand(), "incremental": LinkageIncrementalCommand(), "status": LinkageStatusCommand(),
            "match": LinkageMatchCommand(),
        ]
    }
}

/// `victimcare linkage status`: what the database's person index holds (for operators and scripts).
struct LinkageStatusCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Shows how many people are matched, waiting, linked and in review, and the model in use." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let db = context.application.db
        guard let sql = db as? any SQLDatabase else { return }
        struct Count: Decodable { var n: Int }
        func count(_ query: String) async throws -> Int {
            try await sql.raw(SQLQueryString(query)).first(decoding: Count.self)?.n ?? 0
        }
        let matched = try await count("SELECT COUNT(*) AS n FROM linkage_clusters")
        let waiting = try await count("SELECT COUNT(*) AS n FROM linkage_queue")
        let clusters = try await count("SELECT COUNT(DISTINCT cluster_id) AS n FROM linkage_clusters")
        let linked = try await count(
            "SELECT COUNT(*) AS n FROM (SELECT cluster_id FROM linkage_clusters GROUP BY cluster_id HAVING COUNT(*) > 1) x"
        )
        let review = try await count("SELECT COUNT(*) AS n FROM linkage_reviews WHERE status IN ('open', 'unsure')")
        let log = try await count("SELECT COUNT(*) AS n FROM linkage_log")
        struct Model: Decodable { var source: String }
        let model = try await sql.select().column("source").from("linkage_models").first(decoding: Model.self)
        context.console.print(
            "matched \(matched) waiting \(waiting) people \(clusters) linked \(linked) review \(review) log \(log) model \(model?.source ?? "none yet")"
        )
    }
}

/// `victimcare linkage match`: matches everyone waiting now (what every node's worker does every two seconds).
struct LinkageMatchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "all", help: "First queue everyone not matched yet (after a bulk load)") var all: Bool
    }

    var help: String { "Matches every person waiting in the linkage queue, then exits." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let started = ContinuousClock.now
        if signature.all { try await LinkageService.enqueueUnmatched(on: app.db) }
        var total = 0
        while true {
            let n = try await LinkageService.processQueue(hub: app.linkage, on: app.db)
            if n == 0 { break }
            total += n
        }
        let elapsed = ContinuousClock.now - started
        context.console.print("matched \(total) people in \(elapsed)")
    }
}

struct LinkageRunCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "input", help: "CSV with record_id,given_name,family_name,date_of_birth,postcode,phone,email")
        var input: String?
        @Option(name: "output", help: "Where to write record_id,cluster_id") var output: String?
        @Flag(name: "no-nicknames", help: "Compare names without the nickname and variant lists") var noNicknames: Bool
        @Option(name: "review", help: "Also write the pairs for review (grey band) to this CSV") var review: String?
        @Option(name: "model", help: "Also write the trained model (m, u, lambda) as JSON to this file")
        var model: String?
    }

    var help: String { "Clusters the records of a CSV file into people; prints timings per stage and peak memory." }

    static let columns = ["record_id", "given_name", "family_name", "date_of_birth", "postcode", "phone", "email"]

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let input = signature.input, let output = signature.output else {
            throw Abort(.badRequest, reason: "Give --input FILE.csv and --output clusters.csv.")
        }
        let started = ContinuousClock.now
        let (records, problems) = try Self.read(input)
        let readSeconds = Self.seconds(ContinuousClock.now - started)
        context.console.print(
            "read \(records.count) records in \(Self.format(readSeconds)) s; \(problems.count) rows skipped")
        for problem in problems.prefix(10) { context.console.print("  \(problem)") }
        var settings = LinkageEngine.Settings()
        if signature.noNicknames { settings.names = .none }
        let result = LinkageEngine(settings: settings).run(records)
        for (stage, seconds) in result.timings { context.console.print("\(stage): \(Self.format(seconds)) s") }
        // The trained weights, field by field: what the model learned from this file.
        for field in LinkageField.allCases {
            let levels = field.levels.indices.dropFirst().map { level in
                "\(field.levels[level]) m=\(String(format: "%.3f", result.model.m[field.rawValue][level])) u=\(String(format: "%.5f", result.model.u[field.rawValue][level])) w=\(String(format: "%+.1f", result.model.weight(field, level: level)))"
            }
            context.console.print("\(field.label): " + levels.joined(separator: "; "))
        }
        let writeStart = ContinuousClock.now
        var out = "record_id,cluster_id\n"
        out.reserveCapacity(records.count * 24)
        for (index, record) in records.enumerated() {
            out += CSVReader.line([record.id, records[Int(result.cluster[index])].id]) + "\n"
        }
        try out.write(toFile: output, atomically: true, encoding: .utf8)
        if let review = signature.review {
            var text = "record_id_a,record_id_b,match_weight\n"
            for edge in result.review {
                text += CSVReader.line([records[Int(edge.a)].id, records[Int(edge.b)].id, String(edge.weight)]) + "\n"
            }
            try text.write(toFile: review, atomically: true, encoding: .utf8)
        }
        if let path = signature.model {
            try JSONEncoder().encode(result.model).write(to: URL(fileURLWithPath: path))
        }
        context.console.print("write: \(Self.format(Self.seconds(ContinuousClock.now - writeStart))) s")
        let clusters = Set(result.cluster).count
        context.console.print(
            "records=\(records.count) clusters=\(clusters) candidate_pairs=\(result.candidatePairs) links=\(result.links) review=\(result.review.count) refused_merges=\(result.refusedMerges) em_iterations=\(result.model.iterations) lambda=\(result.model.lambda)"
        )
        context.console.print(
            "total: \(Self.format(Self.seconds(ContinuousClock.now - started))) s; peak memory \(Self.peakMemoryMiB()) MiB"
        )
    }

    /// The file's rows as inputs; rows without an id or with too few fields are reported and skipped.
    static func read(_ path: String) throws -> ([LinkageInput], [String]) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Abort(.notFound, reason: "No file at \(path).")
        }
        defer { try? handle.close() }
        var reader = CSVReader()
        var header: [String: Int]?
        var records: [LinkageInput] = []
        var problems: [String] = []
        func drain() {
            while let item = reader.next() {
                switch item {
                case .problem(let line, let reason):
                    problems.append("line \(line): \(reason)")
                case .record(let line, let fields):
                    guard let columns = header else {
                        header = Dictionary(
                            fields.enumerated().map { ($1.trimmingWhitespace().lowercased(), $0) },
                            uniquingKeysWith: { a, _ in a })
                        continue
                    }
                    func field(_ name: String) -> String? {
                        guard let i = columns[name], i < fields.count else { return nil }
                        let v = fields[i].trimmingWhitespace()
                        return v.isEmpty ? nil : v
                    }
                    guard let id = field("record_id") else {
                        problems.append("line \(line): no record_id")
                        continue
                    }
                    records.append(
                        LinkageInput(
                            id: id, givenName: field("given_name"), familyName: field("family_name"),
                            dateOfBirth: field("date_of_birth"), postcode: field("postcode"), phone: field("phone"),
                            email: field("email")))
                }
            }
        }
        while true {
            let chunk = handle.readData(ofLength: 4 << 20)
            if chunk.isEmpty { break }
            reader.feed(chunk)
            drain()
        }
        reader.finish()
        drain()
        if let header, header["record_id"] == nil {
            throw Abort(.badRequest, reason: "The file has no record_id column.")
        }
        return (records, problems)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func format(_ s: Double) -> String { String(format: "%.2f", s) }

    static func peakMemoryMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}

/// `victimcare linkage incremental --input BASE.csv --add NEW.csv`: the batch run over BASE, then each record of
/// NEW matched and clustered as it would be when recorded; prints the time per record (p50, p99, max), how many
/// of BASE's cluster ids changed, and the merges and splits the new records caused.
struct LinkageIncrementalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "input", help: "CSV of the records already held") var input: String?
        @Option(name: "add", help: "CSV of the records to record one at a time") var add: String?
        @Option(name: "output", help: "Where to write record_id,cluster_id for every record afterwards")
        var output: String?
    }

    var help: String { "Records matched one at a time against a batch-clustered file; latency and stability." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let input = signature.input, let add = signature.add else {
            throw Abort(.badRequest, reason: "Give --input BASE.csv and --add NEW.csv.")
        }
        let started = ContinuousClock.now
        let (base, _) = try LinkageRunCommand.read(input)
        let (arriving, _) = try LinkageRunCommand.read(add)
        let batch = LinkageEngine().run(base)
        var index = LinkageIndex(base, batch: batch)
        context.console.print(
            "batch over \(base.count) records and index built in \(LinkageRunCommand.format(LinkageRunCommand.seconds(ContinuousClock.now - started))) s"
        )
        let before = base.map { index.cluster(of: $0.id)! }
        var micros: [Double] = []
        micros.reserveCapacity(arriving.count)
        var merges = 0
        var splits = 0
        var linked = 0
        for record in arriving {
            let t = ContinuousClock.now
            let outcome = index.record(record)
            micros.append(LinkageRunCommand.seconds(ContinuousClock.now - t) * 1e6)
            if !outcome.links.isEmpty { linked += 1 }
            merges += outcome.events.count { $0.kind == .merged }
            splits += outcome.events.count { $0.kind == .split }
        }
        micros.sort()
        func percentile(_ p: Double) -> String {
            micros.isEmpty ? "-" : String(format: "%.0f", micros[min(micros.count - 1, Int(Double(micros.count) * p))])
        }
        let changed = zip(base, before).count { index.cluster(of: $0.id) != $1 }
        context.console.print(
            "recorded=\(arriving.count) linked=\(linked) merges=\(merges) splits=\(splits) p50_us=\(percentile(0.5)) p99_us=\(percentile(0.99)) max_us=\(micros.last.map { String(format: "%.0f", $0) } ?? "-")"
        )
        context.console.print(
            "existing_cluster_ids_unchanged=\(String(format: "%.4f", 1 - Double(changed) / Double(max(base.count, 1)))) changed=\(changed) of \(base.count)"
        )
        if let output = signature.output {
            var out = "record_id,cluster_id\n"
            for record in base + arriving {
                out += CSVReader.line([record.id, String(index.cluster(of: record.id)!)]) + "\n"
            }
            try out.write(toFile: output, atomically: true, encoding: .utf8)
        }
        context.console.print("peak memory \(LinkageRunCommand.peakMemoryMiB()) MiB")
    }
}
