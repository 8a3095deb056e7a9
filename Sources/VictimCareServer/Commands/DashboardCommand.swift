import ConsoleKit
import Fluent
import Vapor
import VictimCareDomain

/// `victimcare dashboard-refresh`: works out the dashboard's figures now (a new snapshot), as the background job
/// does every `DASHBOARD_REFRESH_MINUTES`; for after a bulk load, or to time the aggregate pass.
struct DashboardRefreshCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Works out the compliance dashboard's figures now and prints how long it took." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let window = DashboardService.Window.current()
        // A slot of its own (negative, by the second), so it never waits on or blocks the scheduled ones.
        guard
            let snapshot = try await ComplianceSnapshots.make(
                months: window.months, asOf: window.asOf, slot: -Int64(Date().timeIntervalSince1970), by: "command",
                on: app.db)
        else { throw CommandFailure("another snapshot was started this second; try again") }
        context.console.print(
            String(
                format: "Dashboard figures for %@ to %@ as at %@: %d figures in %.3f s.",
                window.months.first!.description, window.months.last!.description,
                London.formatReadable(snapshot.asOf), snapshot.counts.tallies.count, snapshot.seconds))
    }
}
