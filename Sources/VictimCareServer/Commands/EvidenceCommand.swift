import ConsoleKit
import Fluent
import Vapor
import VictimCareDomain

/// `victimcare evidence verify [--all]` and `victimcare evidence rotate-key`.
struct EvidenceCommand: AsyncCommandGroup {
    var help: String { "Interview recordings: verify media and chains of custody, rotate the master key." }
    var commands: [String: any AnyAsyncCommand] {
        ["verify": VerifyEvidenceCommand(), "rotate-key": RotateEvidenceKeyCommand()]
    }
}

/// Re-hashes every recording due (or all) and checks every chain of custody; exits non-zero on any finding.
struct VerifyEvidenceCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "all", help: "Every item, not only those not verified within EVIDENCE_VERIFY_HOURS") var all: Bool
    }

    var help: String { "Re-hashes recordings and checks each chain of custody; reports what is wrong and where." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let started = Date()
        let summary = try await EvidenceVerification.run(
            all: signature.all, hours: app.config.evidence.verifyHours, vault: try app.evidenceVault,
            logger: app.logger, on: app.db)
        let seconds = Date().timeIntervalSince(started)
        for finding in summary.findings {
            for problem in finding.problems { context.console.print("FAIL \(finding.item): \(problem)") }
        }
        context.console.print(
            String(
                format: "Verified %d items (%.1f MiB of media) in %.2f s: %d with problems.", summary.checked,
                Double(summary.bytes) / 1_048_576, seconds, summary.findings.count))
        if !summary.findings.isEmpty { throw CommandFailure("\(summary.findings.count) item(s) failed verification") }
    }
}

/// Rewraps every data key not under the current master key (EVIDENCE_MASTER_KEY) with it; the media is not
/// touched. The old key stays needed (EVIDENCE_PREVIOUS_MASTER_KEYS) until this has run.
struct RotateEvidenceKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Rewraps every recording's data key with the current master key, without re-encrypting." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let vault = try app.evidenceVault
        let current = vault.keys.current.id
        let items = try await EvidenceItem.query(on: app.db).filter(\.$keyID != current).all()
        for item in items {
            let (wrapped, keyID) = try vault.keys.rewrap(item.wrappedKey, keyID: item.keyID)
            let old = item.keyID
            item.wrappedKey = wrapped
            item.keyID = keyID
            try await item.save(on: app.db)
            try await CustodyLog.append(
                .keyRewrapped, item: item.id!, detail: "data key rewrapped from master key \(old) to \(keyID)",
                actor: .system, on: app.db)
        }
        // The foil library's clips are sealed the same way.
        for foil in try await ParadeFoil.query(on: app.db).filter(\.$keyID != current).all() {
            let (wrapped, keyID) = try vault.keys.rewrap(foil.wrappedKey, keyID: foil.keyID)
            let old = foil.keyID
            foil.wrappedKey = wrapped
            foil.keyID = keyID
            try await foil.save(on: app.db)
            try await CustodyLog.append(
                .keyRewrapped, item: foil.id!, detail: "data key rewrapped from master key \(old) to \(keyID)",
                actor: .system, head: .paradeFoils, on: app.db)
        }
        context.console.print("Rewrapped \(items.count) data key(s) under master key \(current).")
    }
}
