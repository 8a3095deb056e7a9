import ConsoleKit
import Fluent
import Foundation
import Vapor

/// `victimcare referrals export [--dir DIR]`: delivers any batch left open by an interrupted run, then sends
/// everyone waiting in a new batch. `victimcare referrals resend --batch ID`: sends a batch again (same id,
/// same members), for when the support service lost it.
struct ReferralsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "export or resend") var action: String
        @Option(name: "dir", help: "Directory for the batch files (default: REFERRAL_DIRECTORY)") var dir: String?
        @Option(name: "batch", help: "The batch to send again (resend)") var batch: String?
        @Flag(name: "defer-recompute", help: "Leave working out the sent victims' obligations to the running service")
        var deferRecompute: Bool
    }

    var help: String { "Sends waiting referrals to the support service in a batch, exactly once; or resends a batch." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var settings = app.config.referrals.export
        if let dir = signature.dir { settings.directory = dir }
        let export = ReferralExport(settings: settings, client: app.client, logger: app.logger)
        switch signature.action {
        case "export":
            let delivered = try await export.run(
                byName: "victimcare referrals export", recompute: !signature.deferRecompute, on: app.db)
            if delivered.isEmpty { context.console.print("Nobody is waiting; no batch made.") }
            for batch in delivered {
                context.console.print(
                    "Batch \(batch.batchID.uuidString.lowercased()): \(batch.victims) victims -> \(batch.files.joined(separator: ", "))"
                )
            }
        case "resend":
            guard let raw = signature.batch, let id = UUID(uuidString: raw) else {
                throw CommandFailure("resend needs --batch with the batch id")
            }
            let delivered = try await export.resend(id, context: .system, on: app.db)
            context.console.print("Batch \(raw) sent again: \(delivered.victims) victims")
        default:
            throw CommandFailure("the action is export or resend")
        }
    }
}
