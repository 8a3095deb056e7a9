import ConsoleKit
import Fluent
import Vapor

/// `victimcare recompute`: recomputes every victim's enhanced rights and obligations now, with progress.
/// The same work the background job does after a change of policy; useful after an upgrade or a restore.
struct RecomputeCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Recomputes every victim's enhanced rights and obligations, with a progress bar." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let job = try await RecomputeService.enqueue(reason: "victimcare recompute", context: .system, on: app.db)
        var progress = Progress("Victims", total: job.total)
        let started = Date()
        guard
            let done = try await RecomputeService.runNext(
                on: app.db, logger: app.logger, progress: { done, _ in progress.update(done) })
        else {
            throw CommandFailure("another node is already recomputing; try again when it has finished")
        }
        progress.finish()
        context.console.print(
            String(
                format: "Recomputed %d victims (%d obligations changed) in %.1f s.",
                done.done, done.changed, Date().timeIntervalSince(started)))
    }
}
