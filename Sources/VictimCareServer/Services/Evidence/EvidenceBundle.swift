import Crypto
import Foundation
import NIOCore
import NIOFoundationEssentialsCompat
import VictimCareDomain

/// An interview's recordings as a tar archive a defence expert can check with `sha256sum` alone
/// (`docs/evidence-bundle.md`): the original bytes, `SHA256SUMS`, a manifest, and each chain of custody as
/// one file per entry holding exactly the text its hash is taken over, with `chain.txt` listing the hashes.
struct EvidenceBundle: Sendable {
    struct Member: Sendable {
        var name: String
        var size: Int64
        /// Small members are held whole; media is read from the vault when written.
        var data: Data?
        var item: EvidenceItem?
    }

    var members: [Member]
    var fileName: String

    static func memberName(_ item: EvidenceItem) -> String {
        let ext = (item.fileName as NSString).pathExtension.lowercased().filter { $0.isLetter || $0.isNumber }
        return "media/\(item.id!.uuidString.lowercased())" + (ext.isEmpty ? "" : ".\(ext.prefix(8))")
    }

    static func make(
        interview: Interview, crimeReference: String, items: [EvidenceItem], custody: [UUID: [CustodyEntry]],
        exportedBy: String, at: Date
    ) -> EvidenceBundle {
        var members: [Member] = []
        var sums = ""
        var manifestItems: [[String: Any]] = []
        for item in items {
            let name = memberName(item)
            members.append(Member(name: name, size: item.received, data: nil, item: item))
            sums += "\(item.sha256 ?? "")  \(name)\n"
            let id = item.id!.uuidString.lowercased()
            var chain = ""
            for entry in custody[item.id!] ?? [] {
                let text = CustodyLog.text(of: entry)
                let file = String(format: "custody/%@/%06d.txt", id, entry.seq)
                members.append(Member(name: file, size: Int64(text.utf8.count), data: Data(text.utf8)))
                chain += "\(entry.seq) \(entry.hash) \(entry.action)\n"
            }
            members.append(
                Member(name: "custody/\(id)/chain.txt", size: Int64(chain.utf8.count), data: Data(chain.utf8)))
            manifestItems.append([
                "id": id, "file": name, "original_name": item.fileName, "content_type": item.contentType,
                "bytes": item.received, "sha256": item.sha256 ?? "",
                "uploaded_at": item.completedAt.map(Instant.format) ?? "", "uploaded_by": item.uploadedByName,
                "custody_entries": custody[item.id!]?.count ?? 0,
                "custody_head": custody[item.id!]?.last?.hash ?? CustodyLog.genesis,
            ])
        }
        let manifest: [String: Any] = [
            "format": "victimcare-evidence-bundle/1",
            "interview": interview.id!.uuidString.lowercased(), "crime_reference": crimeReference,
            "kind": interview.kindCode, "exported_at": Instant.format(at), "exported_by": exportedBy,
            "items": manifestItems,
            "verify": "See docs/evidence-bundle.md: sha256sum -c SHA256SUMS, then each custody/<item>/*.txt",
        ]
        let manifestData =
            (try? JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        members.insert(Member(name: "SHA256SUMS", size: Int64(sums.utf8.count), data: Data(sums.utf8)), at: 0)
        members.insert(Member(name: "manifest.json", size: Int64(manifestData.count), data: manifestData), at: 0)
        let safeReference = crimeReference.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return EvidenceBundle(
            members: members,
            fileName: "evidence-\(String(safeReference))-\(interview.id!.uuidString.prefix(8).lowercased()).tar")
    }

    /// The archive's size: each member a 512-byte header and its data padded to 512, then two empty blocks.
    var size: Int64 {
        members.reduce(Int64(1024)) { $0 + 512 + ($1.size + 511) / 512 * 512 }
    }

    /// A POSIX ustar header.
    static func header(name: String, size: Int64, mtime: Date) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            let bytes = Array(text.utf8.prefix(width))
            for (i, b) in bytes.enumerated() { block[offset + i] = b }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            put(
                String(repeating: "0", count: max(0, width - 1 - String(value, radix: 8).count))
                    + String(value, radix: 8), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(Int64(mtime.timeIntervalSince1970), at: 136, width: 12)
        for i in 148..<156 { block[i] = 0x20 }
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(
            String(repeating: "0", count: max(0, 6 - String(sum, radix: 8).count)) + String(sum, radix: 8), at: 148,
            width: 6)
        block[154] = 0
        block[155] = 0x20
        return block
    }

    /// Writes the archive, reading each recording from the vault as it goes.
    func write(vault: EvidenceVault, at: Date, _ emit: (ByteBuffer) async throws -> Void) async throws {
        for member in members {
            try await emit(ByteBuffer(bytes: Self.header(name: member.name, size: member.size, mtime: at)))
            if let data = member.data {
                try await emit(ByteBuffer(data: data))
            } else if let item = member.item, member.size > 0 {
                for try await chunk in vault.read(item, range: 0...(member.size - 1)) {
                    try await emit(ByteBuffer(data: chunk))
                }
            }
            let padding = Int((512 - member.size % 512) % 512)
            if padding > 0 { try await emit(ByteBuffer(bytes: [UInt8](repeating: 0, count: padding))) }
        }
        try await emit(ByteBuffer(bytes: [UInt8](repeating: 0, count: 1024)))
    }
}
