import Foundation

/// Issue 16, item 3: what each side of a video call may say through the signalling relay, and to whom. A call has
/// up to three sides: the officer, the victim and a guest the officer invited (an interpreter, a parent or
/// guardian, a supporter). Every pair has its own connection, offered by the side that comes first in
/// `Role.allCases` and answered by the other. Only the officer admits; a victim's page cannot admit itself and an
/// officer's cannot pose as the victim. Anything else is refused.
public enum Signalling {
    public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
        case officer, victim, guest

        /// Who a message goes to when it does not say: the officer hears from the victim and the guest; the
        /// officer's messages go to the victim.
        public var defaultRecipient: Role { self == .officer ? .victim : .officer }

        public static func < (a: Role, b: Role) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// A message larger than this is refused (an SDP with many candidates is a few KiB).
    public static let maxBytes = 64 * 1024
    /// Messages a socket may send in a second before it is closed.
    public static let maxPerSecond = 50

    /// Whether `role` may send a message of `type` to `recipient`: offers go from the earlier side of a pair to
    /// the later, answers back; only the officer admits (the victim or the guest); the guest offers to nobody.
    public static func allowed(_ type: String, from role: Role, to recipient: Role) -> Bool {
        guard role != recipient else { return false }
        switch type {
        case "admit": return role == .officer
        case "offer": return role < recipient
        case "answer": return recipient < role
        case "candidate", "bye", "media": return true
        default: return false
        }
    }

    /// A checked message: its type and who it goes to.
    public struct Checked: Sendable, Equatable {
        public var type: String
        public var to: Role
        /// For `admit` to the guest: the invitation the officer saw waiting.
        public var guest: String?

        public init(type: String, to: Role, guest: String? = nil) {
            self.type = type
            self.to = to
            self.guest = guest
        }
    }

    /// The message's type and recipient if it is a JSON object within the size limit that this role may send
    /// (to its `to`, or the default recipient).
    public static func check(_ text: String, from role: Role) -> Checked? {
        guard text.utf8.count <= maxBytes, let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let type = object["type"] as? String
        else { return nil }
        let recipient: Role
        switch object["to"] {
        case nil: recipient = role.defaultRecipient
        case let named as String:
            guard let named = Role(rawValue: named) else { return nil }
            recipient = named
        default: return nil
        }
        guard object["from"] == nil, allowed(type, from: role, to: recipient) else { return nil }
        return Checked(type: type, to: recipient, guest: object["guest"] as? String)
    }

    /// The message as relayed: the sender named by the relay (a page cannot say who it is), so a side with two
    /// connections knows which one a message is for.
    public static func stamped(_ text: String, from role: Role) -> String {
        guard let brace = text.firstIndex(of: "{") else { return text }
        let rest = text[text.index(after: brace)...]
        let empty = rest.drop(while: { $0.isWhitespace }).first == "}"
        return #"{"from":"\#(role.rawValue)""# + (empty ? "" : ",") + rest
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
