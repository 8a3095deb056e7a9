import Crypto
import Foundation
import Vapor

/// "This browser has signed in as this user before": a signed cookie set at each successful sign-in. The
/// sign-in limit per address does not apply to an account on a browser it has signed in on, so an attacker
/// sharing a force's egress address slows down only browsers with no history, not the officers behind it
/// (OWASP's device cookies). The account's own lock still applies to everyone.
enum DeviceCookie {
    static let name = "vc_device"
    static let days = 180
    /// Accounts remembered per browser (a shared station computer).
    static let maxAccounts = 8

    private struct Entry {
        var username: String
        var until: Int
    }

    /// Whether the request's device cookie vouches for `username`.
    static func vouches(for username: String, in request: Request) -> Bool {
        let now = Int(Date().timeIntervalSince1970)
        return entries(request).contains { $0.username == username.lowercased() && $0.until > now }
    }

    /// Adds `username` to the browser's device cookie.
    static func remember(_ username: String, request: Request, on response: Response) {
        let now = Int(Date().timeIntervalSince1970)
        var kept = entries(request).filter { $0.username != username.lowercased() && $0.until > now }
        kept.append(Entry(username: username.lowercased(), until: now + days * 86_400))
        let value = kept.suffix(maxAccounts).map { encode($0, key: request.application.signingKey) }
            .joined(separator: "~")
        response.cookies[name] = HTTPCookies.Value(
            string: value, expires: Date().addingTimeInterval(Double(days) * 86_400), maxAge: days * 86_400,
            path: "/sign-in", isSecure: request.config.secureCookies ?? request.arrivedOverTLS, isHTTPOnly: true,
            sameSite: .strict)
    }

    private static func entries(_ request: Request) -> [Entry] {
        guard let raw = request.cookies[name]?.string, raw.count < 4096 else { return [] }
        let key = request.application.signingKey
        return raw.split(separator: "~").prefix(maxAccounts).compactMap { decode(String($0), key: key) }
    }

    private static func encode(_ entry: Entry, key: SymmetricKey) -> String {
        let body = Secrets.base64URL(Data("\(entry.username)\n\(entry.until)".utf8))
        return body + "." + key.sign("device:" + body)
    }

    private static func decode(_ text: String, key: SymmetricKey) -> Entry? {
        let parts = text.split(separator: ".").map(String.init)
        guard parts.count == 2, key.verify("device:" + parts[0], signature: parts[1]) else { return nil }
        var b64 = parts[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard fields.count == 2, let until = Int(fields[1]) else { return nil }
        return Entry(username: fields[0], until: until)
    }
}
