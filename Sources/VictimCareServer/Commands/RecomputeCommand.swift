import ConsoleKit
import Fluent
import Vapor

/// `victimcare recompute [--verify]`: recomputes every victim's enhanced rights and obligations now, with
/// progress. The same work the background job does after a change of policy; `--verify` also compares every
/// stored obligation row, for use after a restore or any change made outside the application.
struct RecomputeCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "verify", help: "Compare every stored obligation, not just the fingerprints") var verify: Bool
    }

    var help: String { "Recomputes every victim's enhanced rights and obligations, with a progress bar." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let job = try await RecomputeService.enqueue(
            reason: signature.verify ? "victimcare recompute --verify" : "victimcare recompute", context: .system,
            on: app.db)
        var progress = Progress("Victims", total: job.total)
        let started = Date()
        guard
            let done = try await RecomputeService.runNext(
                on: app.db, lanes: app.databaseLanes, logger: app.logger, verify: signature.verify,
                progress: { done, _ in progress.update(done) }
            )
        else {
            throw CommandFailure("another node is already recomputing; try again when it has finished")
        }
        progress.finish()
        context.console.print(
            String(
                format: "Recomputed %d victims: %d had obligations changed (%d obligations) in %.1f s.", done.done,
                done.victimsChanged, done.changed, Date().timeIntervalSince(started)))
    }
}
