import Foundation
import NIOCore
import NIOPosix
import VictimCareDomain

/// Email through an SMTP relay (RFC 5321): EHLO, MAIL FROM, RCPT TO, DATA, QUIT, one connection per message.
/// Plain SMTP to a relay on the force's own network; the relay does TLS and authentication onwards.
struct SMTPMessageProvider: MessageProvider {
    let host: String
    let port: Int
    let from: String
    let heloName: String
    let group: any EventLoopGroup
    var timeout: Duration = .seconds(30)

    var name: String { "smtp" }
    var channels: Set<MessageChannel> { [.email] }

    func send(_ message: OutgoingMessage) async throws -> String {
        let data = MIMEMessage.build(
            from: from, to: message.recipient, subject: message.subject, text: message.bodyText,
            html: message.bodyHTML, language: message.language, attachments: message.attachments,
            messageID: "\(message.id.uuidString.lowercased())@\(heloName)")
        return try await withTimeout(timeout) {
            try await self.converse(recipient: message.recipient, data: data)
        }
    }

    private func converse(recipient: String, data: String) async throws -> String {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ProviderError.temporary("could not connect to the SMTP relay")
        }
        return try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func reply() async throws -> (code: Int, text: String) {
                var text = ""
                while true {
                    guard var buffer = try await lines.next(),
                        let line = buffer.readString(length: buffer.readableBytes)
                    else { throw ProviderError.temporary("the SMTP relay closed the connection") }
                    let trimmed = line.trimmingCharacters(in: .newlines)
                    guard trimmed.count >= 3, let code = Int(trimmed.prefix(3)) else {
                        throw ProviderError.temporary("the SMTP relay sent something that is not SMTP")
                    }
                    text += trimmed.dropFirst(4) + " "
                    if trimmed.count == 3 || trimmed[trimmed.index(trimmed.startIndex, offsetBy: 3)] != "-" {
                        return (code, text.trimmingWhitespace())
                    }
                }
            }
            func command(_ line: String, expect: Set<Int>) async throws -> String {
                if !line.isEmpty { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
                let (code, text) = try await reply()
                guard expect.contains(code) else {
                    let what = line.split(separator: " ").first.map(String.init) ?? "greeting"
                    // 5xx: the relay will never take it; 4xx: try again later.
                    let summary = "SMTP \(what) answered \(code)"
                    throw code >= 500 ? ProviderError.permanent(summary) : ProviderError.temporary(summary)
                }
                return text
            }
            _ = try await command("", expect: [220])
            _ = try await command("EHLO \(heloName)", expect: [250])
            _ = try await command("MAIL FROM:<\(from)>", expect: [250])
            _ = try await command("RCPT TO:<\(recipient)>", expect: [250, 251])
            _ = try await command("DATA", expect: [354])
            let accepted = try await command(MIMEMessage.dotStuffed(data) + "\r\n.", expect: [250])
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            return accepted.isEmpty ? "smtp" : String(accepted.prefix(200))
        }
    }
}

/// Splits what the relay says into lines.
final class SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        let line = buffer.readSlice(length: newline - buffer.readerIndex + 1)!
        context.fireChannelRead(NIOAny(line))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// An email as RFC 5322 and MIME want it: UTF-8 throughout, a plain-text part and (if given) an HTML part,
/// both base64 so no line is too long and no byte is misread; non-ASCII subjects as RFC 2047 encoded words.
enum MIMEMessage {
    static func build(
        from: String, to: String, subject: String, text: String, html: String?, language: String,
        attachments: [OutgoingMessage.Attachment] = [], messageID: String, date: Date = Date(),
        boundary: String = "vc-" + UUID.random().uuidString.lowercased()
    ) -> String {
        var headers = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(encodedWord(subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Language: \(language)",
            "Auto-Submitted: auto-generated",
        ]
        var body: [String] = []
        let textPart = [
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", base64Lines(text),
        ]
        if let html {
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body =
                ["--\(boundary)"] + textPart + ["--\(boundary)"]
                + [
                    "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "",
                    base64Lines(html),
                ]
                + ["--\(boundary)--"]
        } else {
            headers += textPart.prefix(2)
            body = [base64Lines(text)]
        }
        if !attachments.isEmpty {
            // multipart/mixed: the message as it was, then each file (RFC 2046 section 5.1.3).
            let outer = "mixed-" + boundary
            let inner = headers.filter { $0.hasPrefix("Content-") && !$0.hasPrefix("Content-Language") }
            headers = headers.filter { !inner.contains($0) } + ["Content-Type: multipart/mixed; boundary=\"\(outer)\""]
            var mixed = ["--\(outer)"] + inner + [""] + body
            for file in attachments {
                mixed += [
                    "--\(outer)", "Content-Type: \(file.contentType); charset=utf-8; name=\"\(file.filename)\"",
                    "Content-Disposition: attachment; filename=\"\(file.filename)\"",
                    "Content-Transfer-Encoding: base64",
                    "", base64Lines(file.data),
                ]
            }
            body = mixed + ["--\(outer)--"]
        }
        return (headers + [""] + body).joined(separator: "\r\n")
    }

    static func encodedWord(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline }) { return text }
        return "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[start..<end])
            start = end
        }
        return lines.joined(separator: "\r\n")
    }

    /// A line that starts with a dot gets another (RFC 5321 section 4.5.2).
    static func dotStuffed(_ data: String) -> String {
        // Base64 bodies never start a line with a dot; only a header can. Most messages need no change.
        guard data.hasPrefix(".") || ByteSearch.contains(data, Array("\r\n.".utf8)) else { return data }
        return data.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }
            .joined(separator: "\r\n")
    }

    /// `Tue, 01 Dec 2026 09:05:07 +0000`, in UTC, worked out directly (a `DateFormatter` made per message
    /// was measurable in the outbox).
    static func rfc5322Date(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = Int((Double(seconds) / 86_400).rounded(.down))
        let day = LocalDate(dayNumber: dayNumber)
        let rest = seconds - dayNumber * 86_400
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[((dayNumber % 7) + 7) % 7]), \(two(day.day)) \(months[day.month - 1]) \(day.year) "
            + "\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60)) +0000"
    }
}

/// Runs `work`, giving up with a temporary failure after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw ProviderError.temporary("timed out")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
