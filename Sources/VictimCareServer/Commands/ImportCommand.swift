import ConsoleKit
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor
import VictimCareDomain

/// `victimcare import crimes FILE.csv [--source CRIS]`: loads a records system's extract (layout in
/// `docs/import-layout.md`) with a progress bar, then prints the report: counts, and each bad row with its
/// line and reason. Exits with an error when the file could not be read at all.
struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "what", help: "crimes") var what: String
        @Argument(name: "file", help: "The CSV file") var file: String
        @Option(name: "source", help: "The records system the file comes from (default: IMPORT_SOURCE or records)")
        var source: String?
        @Flag(
            name: "bulk",
            help:
                "A first load at cut-over: indexes built once at the end, large transactions (the service stays up but slow)"
        )
        var bulk: Bool
        @Option(
            name: "rows-per-transaction",
            help: "With --bulk: rows written in each transaction (default 20000 on SQLite, 10000 on PostgreSQL)")
        var rowsPerTransaction: Int?
    }

    var help: String { "Imports crimes, people and case events from a records system's CSV extract." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.what == "crimes" else {
            throw CommandFailure("only crimes can be imported: import crimes FILE.csv")
        }
        let app = context.application
        let path = signature.file
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int
        else { throw CommandFailure("\(path): no such file") }
        let source = signature.source ?? app.config.importSource
        guard CrimeImport.validSource(source) else {
            throw CommandFailure("--source must be 1 to 32 letters, digits, - or _")
        }
        var importer = CrimeImport(
            source: source,
            context: AccessContext(
                actor: Actor(id: nil, kind: .system, role: .administrator, commandUnitID: nil, name: "import \(source)")
            ))
        if signature.bulk {
            importer.bulk = true
            // Measured (BENCHMARKS.md): SQLite reads the tables whose indexes are dropped once a chunk, so fewer and
            // larger chunks; PostgreSQL's server and the planner share the cores better with smaller ones.
            importer.rowsPerTransaction = signature.rowsPerTransaction ?? (app.db.isPostgres ? 10_000 : 20_000)
            importer.pipelined = Environment.get("VICTIMCARE_IMPORT_PIPELINE") != "off"
            guard (100...200_000).contains(importer.rowsPerTransaction) else {
                throw CommandFailure("--rows-per-transaction must be between 100 and 200000")
            }
        } else if signature.rowsPerTransaction != nil {
            throw CommandFailure("--rows-per-transaction goes with --bulk")
        }
        let runID = try await CrimeImport.begin(
            source: source, fileName: URL(fileURLWithPath: path).lastPathComponent, bytes: size,
            byName: "victimcare import crimes", bulk: importer.bulk, on: app.db)
        let bar = NIOLockedValueBox(Progress("Importing", total: size))
        let outcome = try await importer.run(path: path, runID: runID, on: app.db) { read in
            bar.withLockedValue { $0.update(read) }
        }
        bar.withLockedValue { $0.finish() }
        if let failure = outcome.failure { throw CommandFailure(failure) }
        let c = outcome.counts
        context.console.print(
            "Import \(runID.uuidString.lowercased()) from \(source): \(c.rows) rows — \(c.created) created, "
                + "\(c.updated) updated, \(c.unchanged) unchanged, \(c.rejected) rejected")
        for problem in outcome.problems { context.console.print("  line \(problem.line): \(problem.reason)") }
        if c.rejected > outcome.problems.count {
            context.console.print(
                "  … and \(c.rejected - outcome.problems.count) more (all on the import's page, /admin/imports)")
        }
    }
}
