import Fluent
import FluentSQL
import Foundation
import Logging
import NIOCore
import NIOFoundationEssentialsCompat
import SQLKit
import VictimCareDomain

/// After a recording is whole: ffprobe reads its duration, codecs and streams, and ffmpeg makes a
/// browser-playable rendition (remuxed where the codecs allow, else transcoded) and a poster frame, each stored
/// beside the untouched original as evidence items of their own, encrypted the same way and entered in the
/// original's chain of custody. Any node claims the next recording; a claim older than 15 minutes (a node
/// killed mid-way) is taken again.
enum MediaService {
    static let ffprobe = "/usr/bin/ffprobe"
    static let ffmpeg = "/usr/bin/ffmpeg"

    struct Probe: Sendable {
        var format: String
        var duration: Double?
        var video: String?
        var audio: String?
        var width: Int?
        var height: Int?
        var json: String
    }

    /// Claims the next original waiting for media work.
    static func claimNext(on db: any Database) async throws -> EvidenceItem? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let now = Date()
        let stale = now.addingTimeInterval(-60 * 60)
        struct Row: Decodable { var id: UUID }
        let rows = try await sql.raw(
            """
            UPDATE evidence_items SET media_state = 'processing', media_claimed_at = \(bind: now)
            WHERE id = (
              SELECT id FROM evidence_items
              WHERE kind = 'original' AND state = 'complete'
                AND (media_state = 'pending' OR (media_state = 'processing' AND media_claimed_at < \(bind: stale)))
              ORDER BY completed_at LIMIT 1)
            AND (media_state = 'pending' OR media_claimed_at < \(bind: stale))
            RETURNING id
            """
        ).all(decoding: Row.self)
        guard let id = rows.first?.id else { return nil }
        return try await EvidenceItem.find(id, on: db)
    }

    /// Runs a program, returning its exit status, standard output and the start of its standard error.
    static func run(_ program: String, _ arguments: [String]) async throws -> (Int32, Data, String) {
        let result = try await Subprocess.run(program, arguments, errorLimit: 2000)
        return (result.status, result.output, String(decoding: result.errors, as: UTF8.self))
    }

    static func probe(_ path: String) async throws -> Probe? {
        let (status, output, _) = try await run(
            ffprobe, ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path])
        guard status == 0,
            let json = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let format = json["format"] as? [String: Any],
            let streams = json["streams"] as? [[String: Any]], !streams.isEmpty
        else { return nil }
        let video = streams.first { $0["codec_type"] as? String == "video" }
        let audio = streams.first { $0["codec_type"] as? String == "audio" }
        guard video != nil || audio != nil else { return nil }
        // Only what describes the media, never tags (a kit may put names in the title or comment).
        let summary: [String: Any] = [
            "format": format["format_name"] ?? "", "duration": format["duration"] ?? "",
            "streams": streams.map {
                [
                    "type": $0["codec_type"] ?? "", "codec": $0["codec_name"] ?? "", "width": $0["width"] ?? 0,
                    "height": $0["height"] ?? 0, "sample_rate": $0["sample_rate"] ?? "",
                ]
            },
        ]
        let text =
            (try? JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return Probe(
            format: format["format_name"] as? String ?? "",
            duration: (format["duration"] as? String).flatMap(Double.init), video: video?["codec_name"] as? String,
            audio: audio?["codec_name"] as? String, width: video?["width"] as? Int, height: video?["height"] as? Int,
            json: text)
    }

    /// A private working directory for one job on this machine's own temporary space (never the shared
    /// evidence mount); the decrypted copy lives only while ffmpeg reads it. Directories left by a killed
    /// process are swept by the next job.
    static func workDirectory(_ settings: EvidenceConfig) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("victimcare-media")
        if let old = try? FileManager.default.contentsOfDirectory(
            at: root, includingPropertiesForKeys: [.contentModificationDateKey])
        {
            for dir in old {
                let modified = (try? dir.resourceValues(forKeys: [.contentModificationDateKey]))?
                    .contentModificationDate
                if let modified, modified < Date().addingTimeInterval(-2 * 3600) {
                    try? FileManager.default.removeItem(at: dir)
                }
            }
        }
        let url = root.appendingPathComponent(UUID.random().uuidString)
        try FileManager.default.createDirectory(
            at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return url
    }

    /// The arguments that make a browser-playable file from `input`: a remux when the codecs are ones browsers
    /// play, else a transcode to VP8 and Opus.
    static func renditionArguments(_ probe: Probe, input: String, output: String) -> (arguments: [String], type: String)
    {
        let webmVideo: Set<String> = ["vp8", "vp9", "av1"]
        let webmAudio: Set<String> = ["opus", "vorbis"]
        let mp4Video: Set<String> = ["h264"]
        let mp4Audio: Set<String> = ["aac", "mp3"]
        let v = probe.video
        let a = probe.audio
        if (v == nil || webmVideo.contains(v!)) && (a == nil || webmAudio.contains(a!)) {
            return (
                ["-y", "-v", "error", "-i", input, "-map", "0", "-c", "copy", "-f", "webm", output + ".webm"],
                "video/webm"
            )
        }
        if (v == nil || mp4Video.contains(v!)) && (a == nil || mp4Audio.contains(a!)) {
            return (
                [
                    "-y", "-v", "error", "-i", input, "-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4",
                    output + ".mp4",
                ],
                "video/mp4"
            )
        }
        return (
            [
                "-y", "-v", "error", "-i", input, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v",
                "1M",
                "-c:a", "libopus", "-f", "webm", output + ".webm",
            ], "video/webm"
        )
    }

    /// Probes one original and makes its rendition and poster.
    static func process(
        _ item: EvidenceItem, settings: EvidenceConfig, vault: EvidenceVault, logger: Logger, on db: any Database
    ) async throws {
        let work = try workDirectory(settings)
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("original").path
        // The decrypted copy, for ffprobe and ffmpeg to seek in (a pipe cannot serve an MP4 whose index is last).
        guard FileManager.default.createFile(atPath: input, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        let length = item.length ?? item.received
        if length > 0 {
            for try await chunk in vault.read(item, range: 0...(length - 1)) { try handle.write(contentsOf: chunk) }
        }
        try handle.close()
        guard let probe = try await probe(input) else {
            item.mediaState = "unreadable"
            item.mediaError =
                "ffprobe found no audio or video stream: the file may be truncated, corrupt or not a recording"
            try await item.save(on: db)
            try await CustodyLog.append(
                .probed, item: item.id!, detail: "unreadable: no audio or video stream", actor: .system, on: db)
            return
        }
        item.mediaInfo = probe.json
        item.durationSeconds = probe.duration
        try await item.save(on: db)
        try await CustodyLog.append(
            .probed, item: item.id!,
            detail:
                "\(probe.format); \(probe.video ?? "no video") \(probe.width.map { "\($0)x\(probe.height ?? 0)" } ?? ""); \(probe.audio ?? "no audio"); "
                + (probe.duration.map { String(format: "%.3f s", $0) } ?? "duration unknown"),
            actor: .system, on: db)
        let base = work.appendingPathComponent("rendition").path
        let (arguments, type) = renditionArguments(probe, input: input, output: base)
        let (status, _, errors) = try await run(ffmpeg, arguments)
        // Deleted at review meanwhile: nothing is made from it.
        guard try await EvidenceItem.find(item.id!, on: db)?.state == .complete else { return }
        if status == 0, let output = arguments.last {
            let rendition = try await ingest(
                path: output, from: item, kind: "rendition", type: type, settings: settings, vault: vault, on: db)
            if let probed = try await self.probe(output) {
                rendition.durationSeconds = probed.duration
                rendition.mediaInfo = probed.json
                try await rendition.save(on: db)
            }
            try await CustodyLog.append(
                .renditionMade, item: item.id!,
                detail:
                    "rendition \(rendition.id!.uuidString.lowercased()) (\(type), sha256 \(rendition.sha256 ?? "")) by ffmpeg "
                    + arguments.filter { !$0.hasPrefix("/") }.joined(separator: " "),
                actor: .system, on: db)
        } else {
            logger.warning("evidence rendition failed", metadata: ["item": "\(item.id!)", "status": "\(status)"])
            item.mediaError = "No playable copy could be made: " + String(errors.prefix(200))
        }
        if probe.video != nil {
            let poster = work.appendingPathComponent("poster.jpg").path
            let at = String(format: "%.2f", min(1.0, (probe.duration ?? 0) / 2))
            let (posterStatus, _, _) = try await run(
                ffmpeg, ["-y", "-v", "error", "-ss", at, "-i", input, "-frames:v", "1", "-q:v", "4", poster])
            if posterStatus == 0, FileManager.default.fileExists(atPath: poster) {
                _ = try await ingest(
                    path: poster, from: item, kind: "poster", type: "image/jpeg", settings: settings, vault: vault,
                    on: db)
            }
        }
        item.mediaState = "done"
        try await item.save(on: db)
    }

    /// Stores a file made from `original` as an evidence item of its own.
    static func ingest(
        path: String, from original: EvidenceItem, kind: String, type: String, settings: EvidenceConfig,
        vault: EvidenceVault, on db: any Database
    ) async throws -> EvidenceItem {
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        let (_, wrapped, keyID) = try vault.keys.newDataKey()
        let item = EvidenceItem()
        item.id = UUID.random()
        item.$interview.id = original.$interview.id
        item.crimeID = original.crimeID
        item.fileName = "\(kind) of \(original.fileName)"
        item.contentType = type
        item.source = "derived"
        item.length = size
        item.received = 0
        item.stateCode = EvidenceItem.State.uploading.rawValue
        item.segmentSize = original.segmentSize
        item.wrappedKey = wrapped
        item.keyID = keyID
        item.uploadedByName = "system"
        item.createdAt = Date()
        item.kind = kind
        item.custodySeq = 0
        item.custodyHead = CustodyLog.genesis
        item.derivedFrom = original.id
        item.mediaState = "done"
        try await item.create(on: db)
        let session = try await vault.resume(item)
        defer { session.close() }
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try await session.append(ByteBuffer(data: chunk))
        }
        let digest = try await session.finish()
        item.received = size
        item.sha256 = digest
        item.stateCode = EvidenceItem.State.complete.rawValue
        item.completedAt = Date()
        try await item.save(on: db)
        try await vault.store.finished(item.id!)
        try await CustodyLog.append(
            .uploaded, item: item.id!,
            detail: "\(size) bytes; sha256 \(digest); made from \(original.id!.uuidString.lowercased())",
            actor: .system,
            on: db)
        return item
    }

    /// One unit of the background work: true if a recording was processed.
    static func runNext(settings: EvidenceConfig, vault: EvidenceVault, logger: Logger, on db: any Database)
        async throws
        -> Bool
    {
        guard let item = try await claimNext(on: db) else { return false }
        do {
            try await process(item, settings: settings, vault: vault, logger: logger, on: db)
        } catch {
            logger.error(
                "evidence media processing failed",
                metadata: ["item": "\(item.id!)", "error_type": "\(type(of: error))"])
            item.mediaState = "unreadable"
            item.mediaError = "Processing failed; the original is unchanged."
            try? await item.save(on: db)
        }
        return true
    }
}
