import Crypto
import Foundation

/// Time-limited TURN credentials under coturn's REST scheme (`use-auth-secret`): the username is the expiry
/// time and a label, the password the base64 of HMAC-SHA1 of the username under the shared secret. coturn
/// recomputes it, so a credential needs no storage and stops working when it expires.
enum TurnCredentials {
    struct Server: Encodable, Sendable, Equatable {
        var urls: [String]
        var username: String?
        var credential: String?
    }

    static func credential(secret: String, username: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The ICE servers a call page is given: the TURN servers with credentials for this call, valid for the
    /// configured minutes; none when no TURN server is configured (direct media only).
    static func servers(_ config: VideoConfig, label: String, now: Date = Date()) -> [Server] {
        guard !config.turnURLs.isEmpty, let secret = config.turnSecret else { return [] }
        let expiry = Int(now.timeIntervalSince1970) + config.turnMinutes * 60
        let username = "\(expiry):\(label)"
        return [
            Server(
                urls: config.turnURLs, username: username, credential: credential(secret: secret, username: username))
        ]
    }

    /// The page's `data-ice` attribute.
    static func json(_ servers: [Server]) -> String {
        (try? String(decoding: JSONEncoder().encode(servers), as: UTF8.self)) ?? "[]"
    }
}
