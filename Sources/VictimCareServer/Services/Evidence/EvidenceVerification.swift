import Fluent
import FluentSQL
import Foundation
import Logging
import Metrics
import SQLKit
import VictimCareDomain

/// Re-hashes evidence and checks every chain of custody: `victimcare evidence verify [--all]` and the
/// scheduled job. What is wrong is reported with the item and where, and entered in the item's chain; nothing
/// is repaired.
enum EvidenceVerification {
    struct Finding: Sendable {
        var item: UUID
        var problems: [String]
    }

    struct Summary: Sendable {
        var checked = 0
        var bytes: Int64 = 0
        var findings: [Finding] = []
    }

    /// Checks one item: its media (complete items) and its chain. Appends "verified" or "verification-failed".
    static func check(_ item: EvidenceItem, vault: EvidenceVault, actor: Actor, on db: any Database) async throws
        -> [String]
    {
        var problems: [String] = []
        if item.state == .complete, let media = await vault.verify(item) { problems.append(media) }
        problems += CustodyLog.check(
            try await CustodyLog.entries(item.id!, on: db), head: (item.custodySeq, item.custodyHead))
        if problems.isEmpty {
            try await CustodyLog.append(
                .verified, item: item.id!,
                detail: item.state == .complete ? "media sha256 \(item.sha256 ?? "") and chain intact" : "chain intact",
                actor: actor, on: db)
        } else {
            try await CustodyLog.append(
                .verificationFailed, item: item.id!, detail: problems.joined(separator: "; "), actor: actor, on: db)
        }
        return problems
    }

    /// Checks a foil clip (its media and chain) or a video identification (its chain): the same entries, on
    /// their own chains.
    static func checkChainOf(
        _ id: UUID, media: EvidenceItem?, head: (Int, String), table: CustodyLog.HeadTable, vault: EvidenceVault,
        actor: Actor, on db: any Database
    ) async throws -> [String] {
        var problems: [String] = []
        if let media, let wrong = await vault.verify(media) { problems.append(wrong) }
        problems += CustodyLog.check(try await CustodyLog.entries(id, on: db), head: head)
        try await CustodyLog.append(
            problems.isEmpty ? .verified : .verificationFailed, item: id,
            detail: problems.isEmpty
                ? (media.map { "media sha256 \($0.sha256 ?? "") and chain intact" } ?? "chain intact")
                : problems.joined(separator: "; "), actor: actor, head: table, on: db)
        return problems
    }

    /// Ids in `table` whose last verification is older than `hours` (or never), oldest first.
    static func dueIDs(_ table: CustodyLog.HeadTable, all: Bool, hours: Int, limit: Int?, on db: any Database)
        async throws -> [UUID]
    {
        guard let sql = db as? any SQLDatabase else { return [] }
        struct Row: Decodable { var id: UUID }
        let cutoff = all ? Date.distantFuture : Date().addingTimeInterval(-Double(hours) * 3600)
        return try await sql.raw(
            """
            SELECT e.id FROM \(unsafeRaw: table.rawValue) e
            WHERE NOT EXISTS (
              SELECT 1 FROM custody_entries c
              WHERE c.item_id = e.id AND c.action IN ('verified', 'verification-failed') AND c.at > \(bind: cutoff))
            ORDER BY e.created_at LIMIT \(unsafeRaw: String(max(1, limit ?? 1_000_000)))
            """
        ).all(decoding: Row.self).map(\.id)
    }

    /// Items whose last verification is older than `hours` (or never), oldest first; every item with `all`.
    /// The database picks them, so the scheduled job on every node reads only what it will check.
    static func due(all: Bool, hours: Int, limit: Int?, on db: any Database) async throws -> [EvidenceItem] {
        if all { return try await EvidenceItem.query(on: db).sort(\.$createdAt).all() }
        guard let sql = db as? any SQLDatabase else { return [] }
        struct Row: Decodable { var id: UUID }
        let cutoff = Date().addingTimeInterval(-Double(hours) * 3600)
        let ids = try await sql.raw(
            """
            SELECT e.id FROM evidence_items e
            WHERE NOT EXISTS (
              SELECT 1 FROM custody_entries c
              WHERE c.item_id = e.id AND c.action IN ('verified', 'verification-failed') AND c.at > \(bind: cutoff))
            ORDER BY e.created_at LIMIT \(unsafeRaw: String(max(1, limit ?? 1_000_000)))
            """
        ).all(decoding: Row.self).map(\.id)
        guard !ids.isEmpty else { return [] }
        return try await EvidenceItem.query(on: db).filter(\.$id ~~ ids).sort(\.$createdAt).all()
    }

    static func run(
        all: Bool, hours: Int, limit: Int? = nil, vault: EvidenceVault, actor: Actor = .system, logger: Logger,
        on db: any Database
    ) async throws -> Summary {
        var summary = Summary()
        for item in try await due(all: all, hours: hours, limit: limit, on: db) {
            let problems = try await check(item, vault: vault, actor: actor, on: db)
            summary.checked += 1
            if item.state == .complete { summary.bytes += item.received }
            if !problems.isEmpty {
                summary.findings.append(Finding(item: item.id!, problems: problems))
                // Ids and places only: no names, no file names.
                logger.critical(
                    "evidence verification failed",
                    metadata: ["item": "\(item.id!)", "problems": "\(problems.joined(separator: "; "))"])
                Counter(label: "victimcare_evidence_verification_failures_total").increment()
            }
        }
        // The foil library and each video identification's own chain.
        for id in try await dueIDs(.paradeFoils, all: all, hours: hours, limit: limit, on: db) {
            guard let foil = try await ParadeFoil.find(id, on: db) else { continue }
            let problems = try await checkChainOf(
                id, media: foil.sealed, head: (foil.custodySeq, foil.custodyHead), table: .paradeFoils, vault: vault,
                actor: actor, on: db)
            summary.checked += 1
            summary.bytes += foil.length
            record(id, problems, into: &summary, logger: logger)
        }
        for id in try await dueIDs(.parades, all: all, hours: hours, limit: limit, on: db) {
            guard let parade = try await Parade.find(id, on: db) else { continue }
            let problems = try await checkChainOf(
                id, media: nil, head: (parade.custodySeq, parade.custodyHead), table: .parades, vault: vault,
                actor: actor, on: db)
            summary.checked += 1
            record(id, problems, into: &summary, logger: logger)
        }
        return summary
    }

    static func record(_ id: UUID, _ problems: [String], into summary: inout Summary, logger: Logger) {
        guard !problems.isEmpty else { return }
        summary.findings.append(Finding(item: id, problems: problems))
        logger.critical(
            "evidence verification failed",
            metadata: ["item": "\(id)", "problems": "\(problems.joined(separator: "; "))"])
        Counter(label: "victimcare_evidence_verification_failures_total").increment()
    }
}
