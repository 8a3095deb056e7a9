import Foundation

/// Issue 16, item 3: what each side of a video call may say through the signalling relay. The officer admits
/// and offers; the victim answers; either sends candidates and leaves. Anything else is refused, so a victim's
/// page cannot admit itself and an officer's cannot pose as the victim.
public enum Signalling {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case officer, victim

        public var other: Role { self == .officer ? .victim : .officer }
    }

    /// A message larger than this is refused (an SDP with many candidates is a few KiB).
    public static let maxBytes = 64 * 1024
    /// Messages a socket may send in a second before it is closed.
    public static let maxPerSecond = 50

    public static func allowed(_ type: String, from role: Role) -> Bool {
        switch role {
        case .officer: ["admit", "offer", "candidate", "bye", "media"].contains(type)
        case .victim: ["answer", "candidate", "bye", "media"].contains(type)
        }
    }

    /// The message's type if it is a JSON object within the size limit that this role may send.
    public static func check(_ text: String, from role: Role) -> String? {
        guard text.utf8.count <= maxBytes, let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let type = object["type"] as? String, allowed(type, from: role)
        else { return nil }
        return type
    }
}

/// Where a node has read the signals table to (issue 16): every id up to `top` has been read, except the
/// `gaps`. Each pass reads the ids above `top` and the gaps. On PostgreSQL an id is taken before its row
/// commits, so a row can become visible after a higher one: an id skipped over is a gap, read when it shows up,
/// and forgotten after `patience` (a rolled-back insert never shows). On SQLite there are no gaps. `floor` is
/// the id below which everything has been read.
public struct SignalCursor: Sendable, Equatable {
    public private(set) var floor: Int
    /// The highest id read.
    public private(set) var top: Int
    /// Ids skipped over, with when they were first missed.
    public private(set) var gaps: [Int: Date] = [:]
    public let patience: TimeInterval

    public init(floor: Int, patience: TimeInterval = 15) {
        self.floor = floor
        self.top = floor
        self.patience = patience
    }

    /// Takes the ids one pass read (those above the floor, in any order).
    public mutating func read(_ ids: [Int], now: Date) {
        var previous = top
        for id in Set(ids).sorted() where id > top {
            // Ids skipped between two read are gaps, for now; a jump of thousands (rows purged, a long idle
            // node) is not a thousand rows in flight.
            if id - previous > 1, id - previous <= Self.largestGap {
                for missing in (previous + 1)..<id { gaps[missing] = now }
            }
            previous = id
        }
        top = max(top, previous)
        for id in ids { gaps[id] = nil }
        gaps = gaps.filter { now.timeIntervalSince($0.value) < patience }
        floor = (gaps.keys.min().map { $0 - 1 }) ?? top
    }

    public static let largestGap = 1000
}
