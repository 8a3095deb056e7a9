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
