import Foundation
import Logging
import VictimCareDomain

/// A message ready for a provider: rendered, checked by the safety gate, addressed.
struct OutgoingMessage: Sendable {
    var id: UUID
    var channel: MessageChannel
    var recipient: String
    var subject: String
    var bodyText: String
    var bodyHTML: String?
    var language: String
    /// Files sent with an email (a calendar invitation); other channels carry none.
    var attachments: [Attachment] = []

    struct Attachment: Sendable, Equatable {
        var filename: String
        /// With its parameters, e.g. `text/calendar; method=REQUEST`.
        var contentType: String
        var data: String
    }
}

/// Why a provider did not take a message. Temporary failures are retried with backoff; permanent ones go
/// straight to the dead letters.
enum ProviderError: Error, Sendable {
    case temporary(String)
    case permanent(String)

    var summary: String {
        switch self {
        case .temporary(let s), .permanent(let s): s
        }
    }
}

/// Something that delivers messages: GOV.UK Notify, an SMTP relay, or the log (development).
protocol MessageProvider: Sendable {
    var name: String { get }
    var channels: Set<MessageChannel> { get }
    /// Hands the message over; returns the provider's reference for it.
    func send(_ message: OutgoingMessage) async throws -> String
}

/// Development: records that a message would have gone, by its id only (never its recipient or content).
struct LogMessageProvider: MessageProvider {
    let logger: Logger
    var name: String { "log" }
    var channels: Set<MessageChannel> { [.email, .sms, .letter] }

    func send(_ message: OutgoingMessage) async throws -> String {
        logger.info(
            "message delivered to the log provider",
            metadata: ["message_id": "\(message.id)", "channel": "\(message.channel.rawValue)"])
        return "log-\(message.id.uuidString.lowercased())"
    }
}
