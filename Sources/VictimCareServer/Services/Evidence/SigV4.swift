import Crypto
import Foundation

/// AWS Signature Version 4 for S3-compatible stores (no Swift S3 SDK here): the canonical request, the
/// string to sign and the signing key as AWS documents them, over whatever headers the request carries.
/// Tested against botocore's signer on the same inputs (`scripts/sigv4-vectors.py`).
struct SigV4: Sendable {
    var accessKey: String
    var secretKey: String
    var region: String
    var service = "s3"

    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func sha256Hex(_ data: some DataProtocol) -> String { Secrets.hex(SHA256.hash(data: data)) }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` in paths).
    static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(Character(UnicodeScalar(byte)))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func amzDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    struct Signed: Sendable {
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String
    }

    /// Signs a request. `path` is the decoded object path (`/bucket/key`); `query` the decoded parameters;
    /// `headers` must include `host`, `x-amz-date` and `x-amz-content-sha256`; every header given is signed.
    func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String,
        date: Date
    ) -> Signed {
        let stamp = Self.amzDate(date)
        let day = String(stamp.prefix(8))
        let encoded: [(String, String)] = query.map { pair in
            (Self.encode(pair.0, keepSlash: false), Self.encode(pair.1, keepSlash: false))
        }
        let sortedQuery = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in
            a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
        }
        let canonicalQuery = sortedQuery.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [
            method, Self.encode(path, keepSlash: true), canonicalQuery, canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", stamp, scope, Self.sha256Hex(Data(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        var key = SymmetricKey(data: Data("AWS4\(secretKey)".utf8))
        for part in [day, region, service, "aws4_request"] { key = hmac(key, part) }
        let signature = Secrets.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        return Signed(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            authorization:
                "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        )
    }
}
