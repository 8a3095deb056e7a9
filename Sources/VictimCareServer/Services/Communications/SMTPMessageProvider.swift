import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import VictimCareDomain

/// Email through an SMTP relay (RFC 5321). A connection says EHLO once and then carries one message after
/// another (MAIL FROM, RCPT TO, DATA), kept open between them: the outbox's concurrent sends share a few
/// connections instead of opening one per message (issue 17). Plain SMTP to a relay on the force's own network;
/// the relay does TLS and authentication onwards.
///
/// A connection the relay closed while it sat idle is found out at the next MAIL FROM, before anything of the
/// message has gone: the message then goes on a fresh connection. Any other failure closes the connection it
/// happened on and is the message's own (retried by the outbox if temporary). Connections idle for longer than
/// `idleLimit` are closed with QUIT, as they are when the service stops (`closeIdle()`).
struct SMTPMessageProvider: MessageProvider {
    let host: String
    let port: Int
    let from: String
    let heloName: String
    let group: any EventLoopGroup
    let timeout: Duration
    let connections: SMTPConnections

    init(
        host: String, port: Int, from: String, heloName: String, group: any EventLoopGroup,
        timeout: Duration = .seconds(30), idleLimit: Duration = .seconds(20), keepIdle: Int = 16
    ) {
        self.host = host
        self.port = port
        self.from = from
        self.heloName = heloName
        self.group = group
        self.timeout = timeout
        connections = SMTPConnections(keep: keepIdle, idleLimit: idleLimit)
    }

    var name: String { "smtp" }
    var channels: Set<MessageChannel> { [.email] }

    func send(_ message: OutgoingMessage) async throws -> String {
        let data = MIMEMessage.build(
            from: from, to: message.recipient, subject: message.subject, text: message.bodyText,
            html: message.bodyHTML, language: message.language, attachments: message.attachments,
            messageID: "\(message.id.uuidString.lowercased())@\(heloName)")
        let transaction = SMTPConnection.Transaction(from: from, recipient: message.recipient, data: data)
        while let connection = await connections.take() {
            do {
                let accepted = try await connection.carry(transaction)
                await connections.give(connection)
                return accepted
            } catch SMTPConnection.Stale.closedWhileIdle {
                continue  // nothing of the message went: another connection, or a new one
            }
        }
        let connection = try await SMTPConnection.open(
            host: host, port: port, heloName: heloName, group: group, timeout: timeout)
        do {
            let accepted = try await connection.carry(transaction)
            await connections.give(connection)
            return accepted
        } catch SMTPConnection.Stale.closedWhileIdle {
            // Closed by the relay straight after its greeting: the outbox tries again later.
            throw ProviderError.temporary("the SMTP relay closed the connection")
        }
    }

    /// Closes the connections left open (the service is stopping).
    func closeIdle() async {
        await connections.closeAll()
    }
}

/// The relay connections not in use, most recently used last; a connection is taken by one message at a time.
actor SMTPConnections {
    private let keep: Int
    private let idleLimit: Duration
    private var idle: [(connection: SMTPConnection, since: ContinuousClock.Instant)] = []
    private var sweeping = false

    init(keep: Int, idleLimit: Duration) {
        self.keep = keep
        self.idleLimit = idleLimit
    }

    /// The most recently used connection not idle too long, or nil.
    func take() -> SMTPConnection? {
        sweep()
        return idle.popLast()?.connection
    }

    func give(_ connection: SMTPConnection) {
        guard idle.count < keep, connection.isUsable else {
            connection.close()
            return
        }
        idle.append((connection, .now))
        if !sweeping {
            sweeping = true
            Task { await self.sweepWhileIdle() }
        }
    }

    func closeAll() {
        for entry in idle { entry.connection.close() }
        idle.removeAll()
    }

    private func sweep() {
        let now = ContinuousClock.now
        while let first = idle.first, now - first.since >= idleLimit {
            first.connection.close()
            idle.removeFirst()
        }
    }

    /// Closes connections as they pass the idle limit, until none is left open.
    private func sweepWhileIdle() async {
        while !idle.isEmpty {
            try? await Task.sleep(for: idleLimit / 2)
            sweep()
        }
        sweeping = false
    }
}

/// One connection to the relay: a task holds it (greeting and EHLO first) and carries the transactions handed
/// to it, one at a time, until it is closed; then it says QUIT.
final class SMTPConnection: Sendable {
    struct Transaction: Sendable {
        var from: String
        var recipient: String
        var data: String
    }

    /// The relay had closed the connection (or said 421) before the transaction's first command was answered.
    enum Stale: Error { case closedWhileIdle }

    private struct Job: Sendable {
        var transaction: Transaction
        var answer: CheckedContinuation<String, any Error>
    }

    private let jobs: AsyncStream<Job>.Continuation
    private let channel: any Channel
    private let timeout: Duration
    private let state = NIOLockedValueBox((carried: 0, broken: false))

    private init(jobs: AsyncStream<Job>.Continuation, channel: any Channel, timeout: Duration) {
        self.jobs = jobs
        self.channel = channel
        self.timeout = timeout
    }

    var isUsable: Bool { !state.withLockedValue { $0.broken } && channel.isActive }

    /// Connects, reads the greeting and says EHLO.
    static func open(host: String, port: Int, heloName: String, group: any EventLoopGroup, timeout: Duration)
        async throws -> SMTPConnection
    {
        let channel: any Channel
        let wrapped: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            (channel, wrapped) = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return (
                            channel, try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        )
                    }
                }
        } catch {
            throw ProviderError.temporary("could not connect to the SMTP relay")
        }
        let (stream, jobs) = AsyncStream.makeStream(of: Job.self)
        let connection = SMTPConnection(jobs: jobs, channel: channel, timeout: timeout)
        try await withCheckedThrowingContinuation { (ready: CheckedContinuation<Void, any Error>) in
            Task { await connection.run(wrapped, jobs: stream, heloName: heloName, ready: ready) }
        }
        return connection
    }

    /// Hands over one message; returns the relay's answer to it.
    func carry(_ transaction: Transaction) async throws -> String {
        try await withCheckedThrowingContinuation { answer in
            if case .terminated = jobs.yield(Job(transaction: transaction, answer: answer)) {
                answer.resume(throwing: Stale.closedWhileIdle)
            }
        }
    }

    /// Says QUIT and closes, once any transaction under way is done.
    func close() {
        jobs.finish()
    }

    private func run(
        _ wrapped: NIOAsyncChannel<ByteBuffer, ByteBuffer>, jobs: AsyncStream<Job>, heloName: String,
        ready: CheckedContinuation<Void, any Error>
    ) async {
        var ready: CheckedContinuation<Void, any Error>? = ready
        do {
            try await wrapped.executeThenClose { inbound, outbound in
                var session = SMTPSession(lines: inbound.makeAsyncIterator(), outbound: outbound)
                do {
                    try await bounded {
                        _ = try await session.command("", expect: [220])
                        _ = try await session.command("EHLO \(heloName)", expect: [250])
                    }
                } catch {
                    ready?.resume(throwing: error)
                    ready = nil
                    return
                }
                ready?.resume()
                ready = nil
                for await job in jobs {
                    do {
                        let accepted = try await bounded { try await self.transact(job.transaction, on: &session) }
                        state.withLockedValue { $0.carried += 1 }
                        job.answer.resume(returning: accepted)
                    } catch {
                        state.withLockedValue { $0.broken = true }
                        job.answer.resume(throwing: error)
                        break
                    }
                }
                self.jobs.finish()
                try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            }
        } catch {
            ready?.resume(throwing: ProviderError.temporary("the SMTP relay closed the connection"))
        }
        state.withLockedValue { $0.broken = true }
        // Anything handed over after the end is answered: nothing of it went.
        self.jobs.finish()
        for await job in jobs { job.answer.resume(throwing: Stale.closedWhileIdle) }
    }

    private func transact(_ t: Transaction, on session: inout SMTPSession) async throws -> String {
        do {
            _ = try await session.command("MAIL FROM:<\(t.from)>", expect: [250])
        } catch let error as ProviderError {
            // A connection that has carried mail and now fails before MAIL FROM is answered (or is told 421,
            // closing) was closed by the relay while idle: nothing of the message went.
            let carried = state.withLockedValue { $0.carried }
            if carried > 0, session.lastCode == nil || session.lastCode == 421 { throw Stale.closedWhileIdle }
            throw error
        }
        _ = try await session.command("RCPT TO:<\(t.recipient)>", expect: [250, 251])
        _ = try await session.command("DATA", expect: [354])
        let accepted = try await session.command(MIMEMessage.dotStuffed(t.data) + "\r\n.", expect: [250])
        return accepted.isEmpty ? "smtp" : String(accepted.prefix(200))
    }

    /// Runs `work`, closing the connection if it takes longer than the timeout (what is waiting then fails).
    private func bounded<T>(_ work: () async throws -> T) async throws -> T {
        let channel = self.channel
        let timedOut = NIOLockedValueBox(false)
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout / .nanoseconds(1)))) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await work()
        } catch {
            if timedOut.withLockedValue({ $0 }) { throw ProviderError.temporary("timed out") }
            throw error
        }
    }
}

/// The conversation on one connection: commands out, replies (possibly multi-line) in.
private struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// The code of the last reply read; nil before any reply to the current command.
    var lastCode: Int?

    mutating func reply() async throws -> (code: Int, text: String) {
        var text = ""
        while true {
            let next: ByteBuffer?
            do { next = try await lines.next() } catch {
                throw ProviderError.temporary("the SMTP relay closed the connection")
            }
            guard var buffer = next, let line = buffer.readString(length: buffer.readableBytes) else {
                throw ProviderError.temporary("the SMTP relay closed the connection")
            }
            let trimmed = line.trimmingCharacters(in: .newlines)
            guard trimmed.count >= 3, let code = Int(trimmed.prefix(3)) else {
                throw ProviderError.temporary("the SMTP relay sent something that is not SMTP")
            }
            text += trimmed.dropFirst(4) + " "
            if trimmed.count == 3 || trimmed[trimmed.index(trimmed.startIndex, offsetBy: 3)] != "-" {
                lastCode = code
                return (code, text.trimmingWhitespace())
            }
        }
    }

    mutating func command(_ line: String, expect: Set<Int>) async throws -> String {
        lastCode = nil
        if !line.isEmpty {
            do { try await outbound.write(ByteBuffer(string: line + "\r\n")) } catch {
                throw ProviderError.temporary("the SMTP relay closed the connection")
            }
        }
        let (code, text) = try await reply()
        guard expect.contains(code) else {
            let what = line.split(separator: " ").first.map(String.init) ?? "greeting"
            // 5xx: the relay will never take it; 4xx: try again later.
            let summary = "SMTP \(what) answered \(code)"
            throw code >= 500 ? ProviderError.permanent(summary) : ProviderError.temporary(summary)
        }
        return text
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
