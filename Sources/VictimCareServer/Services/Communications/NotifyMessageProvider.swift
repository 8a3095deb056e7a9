import Foundation
import Vapor
import VictimCareDomain

/// GOV.UK Notify's HTTP API (v2): email, text message and letter, each through a template whose
/// personalisation carries the subject and body VictimCare rendered. Authenticated with a JWT signed as Notify
/// specifies: HS256 with the API key's secret, `iss` the service id, `iat` the time of the request.
struct NotifyMessageProvider: MessageProvider {
    let baseURL: String
    let key: NotifyAPIKey
    let emailTemplateID: String
    let smsTemplateID: String
    let letterTemplateID: String?
    let client: any Client

    var name: String { "notify" }
    var channels: Set<MessageChannel> { letterTemplateID == nil ? [.email, .sms] : [.email, .sms, .letter] }

    struct Accepted: Decodable {
        var id: String
    }

    func send(_ message: OutgoingMessage) async throws -> String {
        let reference = message.id.uuidString.lowercased()
        let path: String
        let body: [String: AnyCodableValue]
        switch message.channel {
        case .email:
            path = "/v2/notifications/email"
            body = [
                "email_address": .string(message.recipient), "template_id": .string(emailTemplateID),
                "reference": .string(reference),
                "personalisation": .object(["subject": .string(message.subject), "body": .string(message.bodyText)]),
            ]
        case .sms:
            path = "/v2/notifications/sms"
            body = [
                "phone_number": .string(message.recipient), "template_id": .string(smsTemplateID),
                "reference": .string(reference), "personalisation": .object(["body": .string(message.bodyText)]),
            ]
        case .letter:
            guard let letterTemplateID else { throw ProviderError.permanent("no Notify letter template configured") }
            path = "/v2/notifications/letter"
            var personalisation: [String: AnyCodableValue] = ["body": .string(message.bodyText)]
            for (index, line) in Self.addressLines(message.recipient).enumerated() {
                personalisation["address_line_\(index + 1)"] = .string(line)
            }
            body = [
                "template_id": .string(letterTemplateID), "reference": .string(reference),
                "personalisation": .object(personalisation),
            ]
        }
        let response: ClientResponse
        do {
            response = try await client.post(URI(string: baseURL + path)) { request in
                request.headers.bearerAuthorization = .init(token: try NotifyJWT.token(for: key))
                try request.content.encode(body, as: .json)
            }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError.temporary("Notify could not be reached")
        }
        switch response.status.code {
        case 200..<300:
            return (try? response.content.decode(Accepted.self).id) ?? reference
        case 429, 500...:
            throw ProviderError.temporary("Notify answered \(response.status.code)")
        default:
            throw ProviderError.permanent("Notify answered \(response.status.code)")
        }
    }

    /// Notify wants at least three address lines, at most seven, the postcode last.
    static func addressLines(_ address: String) -> [String] {
        let parts = address.split(whereSeparator: { $0 == "\n" || $0 == "," })
            .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        return Array(parts.prefix(7))
    }
}

/// A Notify API key: `{key name}-{service id}-{secret}`, the two last parts UUIDs.
struct NotifyAPIKey: Sendable {
    let serviceID: String
    let secret: String

    init?(_ key: String) {
        guard key.count >= 74 else { return nil }
        let secret = String(key.suffix(36))
        let service = String(key.dropLast(37).suffix(36))
        guard UUID(uuidString: secret) != nil, UUID(uuidString: service) != nil else { return nil }
        self.serviceID = service
        self.secret = secret
    }
}

enum NotifyJWT {
    static func token(for key: NotifyAPIKey, issuedAt: Date = Date()) throws -> String {
        let header = #"{"typ":"JWT","alg":"HS256"}"#
        let claims = #"{"iss":"\#(key.serviceID)","iat":\#(Int(issuedAt.timeIntervalSince1970))}"#
        let signingInput = Secrets.base64URL(Data(header.utf8)) + "." + Secrets.base64URL(Data(claims.utf8))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(signingInput.utf8), using: SymmetricKey(data: Data(key.secret.utf8)))
        return signingInput + "." + Secrets.base64URL(Data(mac))
    }
}

/// A JSON value, for request bodies built from parts.
enum AnyCodableValue: Encodable, Sendable {
    case string(String)
    case object([String: AnyCodableValue])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .object(let o): try container.encode(o)
        }
    }
}
