import Foundation
import VictimCareDomain

/// The reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (`TRUSTED_PROXIES`, a
/// comma-separated list of addresses and CIDR blocks). A client writes whatever it likes into those headers,
/// so only the entries a trusted proxy appended count: the client is the right-most address that is not one
/// of the proxies (2026-11-30, issue 12).
struct TrustedProxies: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var left = prefix
            for (a, b) in zip(address, bytes) {
                if left <= 0 { return true }
                let mask: UInt8 = left >= 8 ? 0xFF : ~(UInt8(0xFF) >> UInt8(left))
                if a & mask != b & mask { return false }
                left -= 8
            }
            return true
        }
    }

    var blocks: [Block]

    static let none = TrustedProxies(blocks: [])
    /// A proxy on the same machine (nginx in front of one node).
    static let loopback = TrustedProxies(parsing: "127.0.0.0/8,::1")!

    /// Parses `10.0.0.0/8, 192.168.1.7, fd00::/8`; nil if any entry is not an address or block.
    init?(parsing text: String) {
        var blocks: [Block] = []
        for raw in text.split(separator: ",") {
            let entry = raw.trimmingWhitespace()
            if entry.isEmpty { continue }
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.bytes(of: parts[0]) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { return nil }
            blocks.append(Block(bytes: bytes, prefix: prefix))
        }
        self.blocks = blocks
    }

    init(blocks: [Block]) {
        self.blocks = blocks
    }

    func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer itself unless it is a trusted proxy; then the right-most entry of
    /// `X-Forwarded-For` that is not a trusted proxy (or the left-most, if every entry is one).
    func client(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map {
            $0.trimmingWhitespace()
        }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !contains(hop) {
            return Self.bytes(of: hop) == nil ? peer : hop
        }
        return hops.first ?? peer
    }

    /// An IPv4 or IPv6 address as bytes (IPv4-mapped IPv6 addresses become IPv4).
    static func bytes(of text: String) -> [UInt8]? {
        var address = text
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") {
            address = String(address[address.index(after: address.startIndex)..<end])
        }
        if let zone = address.firstIndex(of: "%") { address = String(address[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}
