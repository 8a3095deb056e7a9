import ConsoleKit
import Fluent
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// `victimcare demo-data [--crimes N] [--seed S]`: loads a synthetic force. The same seed and date give the
/// same force. Nothing in it is a real person.
struct DemoDataCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "crimes", help: "How many crimes (default 2000)") var crimes: Int?
        @Option(name: "seed", help: "Random seed (default 20221014)") var seed: Int?
        @Option(name: "as-of", help: "The date the data ends, YYYY-MM-DD (default today)") var asOf: String?
        @Option(
            name: "password", help: "Password for every demo account (default: VICTIMCARE_DEMO_PASSWORD, or generated)")
        var password: String?
        @Option(name: "batch", help: "Crimes per transaction (default 2000)") var batch: Int?
        @Flag(
            name: "i-understand-this-is-not-live",
            help: "Load into a database named by DATABASE_URL (a PostgreSQL server) that holds nothing else")
        var notLive: Bool
    }

    var help: String {
        "Loads a deterministic synthetic force: units, teams, officers of every role, crimes, victims, property and places."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        // One connection throughout, so the bulk-loading settings apply to every statement.
        let db = app.databases.database(logger: app.logger, on: app.eventLoopGroup.next())!
        let total = signature.crimes ?? 2000
        guard total >= 0 else { throw CommandFailure("--crimes must be zero or more") }
        if try await InstanceFacts.isDemo(on: db) {
            context.console.print("Demo data is already loaded; nothing to do.")
            return
        }
        try await Self.refuseUnlessEmpty(
            db, databaseURLSet: Environment.get("DATABASE_URL").map { !$0.isEmpty } ?? false,
            told: signature.notLive)
        try await InstanceFacts.setOnce(
            InstanceFacts.demoKey, "demo-data, seed \(signature.seed ?? 20_221_014)", on: db)
        // Whole seconds, as every stored time the demo makes is then exact in both databases: the obligations
        // worked out while generating have the fingerprint a recompute from the stored rows gives.
        var asOf = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        if let raw = signature.asOf {
            guard let day = LocalDate(raw) else { throw CommandFailure("--as-of must be a date like 2026-11-01") }
            asOf = London.startOfDay(day).addingTimeInterval(12 * 3600)
        }
        let password = signature.password ?? Environment.get("VICTIMCARE_DEMO_PASSWORD") ?? Secrets.readablePassword()
        if let problem = PasswordHasher.problems(with: password, username: "demo.officer") {
            throw CommandFailure("--password: \(problem)")
        }
        let seed = UInt64(signature.seed ?? 20_221_014)
        var random = DemoRandom(seed: seed)
        var ids = SequentialIDs(seed: seed)
        let started = Date()

        let hash = try await app.passwordHasher.hash(password)
        let force = try await DemoForce.create(passwordHash: hash, random: &random, ids: &ids, on: db)
        let offences = try await Offence.query(on: db).all()
        var generator = DemoCrimes(
            force: force, profiles: DemoCrimes.profiles(from: offences), asOf: asOf,
            config: try await VictimsCodeConfig.current(on: db), random: random, ids: ids)
        let batch = max(100, signature.batch ?? 2000)
        var progress = Progress("Crimes", total: total)
        var done = 0
        try await BulkLoad.dropIndexes(on: db)
        do {
            // Generating the next batch overlaps with writing the previous one: two cores, two jobs.
            var writing: Task<Void, any Error>?
            while done < total {
                let count = min(batch, total - done)
                var tables = DemoCrimes.Tables()
                generator.generate(count, into: &tables)
                try await writing?.value
                let filled = tables
                writing = Task {
                    try await db.transaction { tx in
                        var pending = filled
                        try await pending.flush(on: tx)
                    }
                }
                done += count
                progress.update(done)
            }
            try await writing?.value
            progress.finish()
        } catch {
            try? await BulkLoad.createIndexes(on: db)
            throw error
        }
        context.console.print("Building indexes...")
        try await BulkLoad.createIndexes(on: db)
        // Every victim's obligations were written with them; this finds none left (a victim whose facts changed
        // while loading would be caught up here).
        try await Self.computeObligations(on: db, lanes: app.databaseLanes)
        try await BulkLoad.analyze(on: db)
        // The people were written in bulk, past the queue that recording a person fills. A demo-sized force is
        // queued for matching now (each node's worker matches them in the background); a benchmark-sized one is
        // left for `victimcare linkage match --all`, so a load test is not also a linkage run.
        if total <= Self.linkageQueueLimit {
            try await LinkageService.enqueueUnmatched(on: db)
        } else {
            context.console.print(
                "People not queued for linkage (over \(Self.linkageQueueLimit) crimes): run `victimcare linkage match --all`."
            )
        }
        try await AuditLog.record(
            .create, "demo_data", nil, summary: "\(total) crimes, seed \(seed)", context: .system, on: db)
        let seconds = Date().timeIntervalSince(started)
        context.console.print("Loaded \(total) crimes in \(String(format: "%.1f", seconds)) s.")
        context.console.print("Demo accounts (every one uses the same password):")
        for (username, role, unit) in force.showcase { context.console.print("  \(username)  \(role), \(unit)") }
        context.console.print(
            "  plus <unit>.officerN, <unit>.sgtN, <unit>.di, <unit>.lead for every unit (e.g. sn.officer1), desk1-4, analyst1-2"
        )
        if signature.password == nil, Environment.get("VICTIMCARE_DEMO_PASSWORD") == nil {
            context.console.print("Demo password: \(password)")
            try Self.remember(password, app: app)
        }
    }

    static let linkageQueueLimit = 20_000

    /// Demo data goes only into a database that holds nothing else (at most the first administrator, who has
    /// not yet been used), and never into one named by `DATABASE_URL` unless the operator says it is not live
    /// (2026-11-30, issue 12: `make run` once loaded demo accounts into whatever database it was given).
    static func refuseUnlessEmpty(_ db: any Database, databaseURLSet: Bool, told: Bool) async throws {
        if databaseURLSet, !told {
            throw CommandFailure(
                "DATABASE_URL is set. Demo data goes only into a throwaway database: run again with --i-understand-this-is-not-live if this database is not live and holds nothing else."
            )
        }
        let crimes = try await Crime.query(on: db).count()
        let people = try await Person.query(on: db).count()
        let users = try await User.query(on: db).all()
        let onlyFirstAdministrator =
            users.isEmpty || (users.count == 1 && users[0].role == .administrator && users[0].lastSignInAt == nil)
        guard crimes == 0, people == 0, onlyFirstAdministrator else {
            throw CommandFailure(
                "This database already holds records (\(crimes) crimes, \(people) people, \(users.count) users). Demo data is loaded only into an empty database, so real records and made-up ones never mix."
            )
        }
    }

    /// Works out what every loaded victim is owed, with the engine every other change goes through, on a
    /// connection per core.
    static func computeObligations(on db: any Database, lanes: [any Database]) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        struct IDRow: Decodable { var id: UUID }
        let total = try await Victim.query(on: db).filter(\.$computedVersion == 0).count()
        var progress = Progress("Obligations", total: total)
        var after: UUID?
        var done = 0
        var batch = 0
        var inFlight: [(Int, Task<ObligationService.Changes, any Error>)] = []
        while true {
            var query = sql.select().column("id").from("victims").where("computed_version", .equal, 0).orderBy("id")
                .limit(2000)
            if let after { query = query.where("id", .greaterThan, after) }
            let ids = try await query.all(decoding: IDRow.self).map(\.id)
            guard !ids.isEmpty else { break }
            after = ids.last
            let lane = lanes.isEmpty ? db : lanes[batch % lanes.count]
            batch += 1
            inFlight.append((ids.count, Task { try await RecomputeService.recomputeBatch(ids, on: lane) }))
            if inFlight.count >= max(lanes.count, 1) {
                let (count, task) = inFlight.removeFirst()
                _ = try await task.value
                done += count
                progress.update(done)
            }
        }
        for (count, task) in inFlight {
            _ = try await task.value
            done += count
            progress.update(done)
        }
        progress.finish()
    }

    /// Keeps the generated demo password where the developer can find it again (development data only).
    static func remember(_ password: String, app: Application) throws {
        guard case .sqlite(let path) = app.config.database, path != ":memory:" else { return }
        let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("demo-password.txt")
            .path
        FileManager.default.createFile(
            atPath: file, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
    }
}
