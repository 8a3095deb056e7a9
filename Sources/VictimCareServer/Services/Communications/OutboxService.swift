import Fluent
import Foundation
import Logging
import SQLKit
import VictimCareDomain

/// What a message to a victim is for. Sending some of them meets a duty under the Code.
enum MessagePurpose: String, Labelled {
    /// R4: offence, crime reference and how to reach the officer.
    case confirmation
    /// R5: the Victim Information leaflet.
    case leaflet
    /// An invitation to rate an interaction with an officer.
    case feedback
    /// A one-time code for the victim's case page.
    case oneTimeCode = "one_time_code"
    /// The Witness Care Unit's referral form, to the support service's secure mailbox (not to the victim).
    case supportReferral = "support_referral"
    /// A witness's single-use link to a video identification (issue 15).
    case identification
    /// A video call booked, moved, coming up, cancelled or missed (issue 16).
    case videoBooked = "video_booked"
    case videoChanged = "video_changed"
    case videoReminder = "video_reminder"
    case videoCancelled = "video_cancelled"
    case videoMissed = "video_missed"

    var label: String {
        switch self {
        case .confirmation: "Written confirmation of the crime report"
        case .leaflet: "Victim Information leaflet"
        case .feedback: "Feedback invitation"
        case .oneTimeCode: "Case page code"
        case .supportReferral: "Referral form to the support service"
        case .identification: "Video identification link"
        case .videoBooked: "Video call booked"
        case .videoChanged: "Video call moved"
        case .videoReminder: "Video call reminder"
        case .videoCancelled: "Video call cancelled"
        case .videoMissed: "Video call missed"
        }
    }

    /// The duty a delivered message of this purpose meets.
    var meets: VictimActionKind? {
        switch self {
        case .confirmation: .writtenConfirmation
        case .leaflet: .informationLeaflet
        case .feedback, .oneTimeCode, .supportReferral, .identification, .videoBooked, .videoChanged, .videoReminder,
            .videoCancelled, .videoMissed:
            nil
        }
    }
}

/// The one outbox every email, text message and letter to a victim goes through. Asking stores the message
/// (queued, held or refused by the safety gate) in the caller's transaction; workers on any node claim due
/// messages, render them, check the gate again and hand them to the provider, retrying with backoff. An
/// idempotency key makes a repeated request the same message.
enum OutboxService {
    struct Ask: Sendable {
        var victimID: UUID
        var channel: MessageChannel
        var purpose: MessagePurpose
        var idempotencyKey: String
        /// A personal link the message will carry, made with it (its secret is made when it is rendered).
        var carries: VictimLink.Purpose? = nil
        var invitation: FeedbackInvitation? = nil
        /// Or a link that already exists (a one-time code for a case page link).
        var linkID: UUID? = nil
        /// A message about the victim to a partner organisation's secure mailbox, written when asked for. The
        /// safety gate guards the victim's own channels and does not apply.
        var toPartner: PartnerMessage? = nil
    }

    struct PartnerMessage: Sendable {
        var recipient: String
        var subject: String
        var text: String
    }

    struct Settings: Sendable {
        var maxAttempts = 8
        var batchSize = 100
        var concurrency = 16
        /// A message claimed this long ago by a node that never finished is claimed again.
        var staleClaim: TimeInterval = 300
        /// How old the batch's facts may be when a message's turn comes; older, it reads its own again.
        var freshFacts: TimeInterval = 2
    }

    /// Stores the message, or returns the one already stored under the same key. `facts`, if the caller already
    /// loaded them for this victim and channel, saves loading them again.
    @discardableResult
    static func enqueue(_ ask: Ask, facts: GateFacts? = nil, context: AccessContext, on db: any Database) async throws
        -> OutboundMessage
    {
        try AccessGuard.require(.messageVictim, context)
        if let existing = try await OutboundMessage.query(on: db).filter(\.$idempotencyKey == ask.idempotencyKey)
            .first()
        {
            return existing
        }
        if let partner = ask.toPartner { return try await enqueue(ask, partner, context: context, on: db) }
        let target: GateFacts
        if let facts {
            target = facts
        } else {
            target = try await GateFacts.load(victimID: ask.victimID, channel: ask.channel, on: db)
        }
        let message = build(ask, target: target, context: context)
        try await message.create(on: db)
        if let purpose = ask.carries, message.status != .refused {
            // Not usable (expired from the start) until the message is rendered and the link activated.
            let link = try await VictimLinkService.issue(
                victimID: ask.victimID, purpose: purpose, channel: ask.channel == .sms ? .sms : .email,
                createdBy: context.actor.name, lifetime: 0, invitation: ask.invitation, messageID: message.id, on: db)
            message.linkID = link.link.id
            try await message.save(on: db)
        }
        try await AuditLog.record(
            .create, "message", message.id, summary: auditSummary(ask, message), context: context, on: db)
        return message
    }

    /// `enqueue` for a victim planned in memory (a new crime's, whose messages cannot exist yet): the message, the
    /// link it carries and the audit entry added to `rows`. `credited`: the officer, team and unit the link's
    /// provision counts for (the officer in the case, their team and the crime's unit).
    static func plan(
        _ ask: Ask, facts: GateFacts, credited: (officer: UUID?, team: UUID?, unit: UUID), context: AccessContext,
        into rows: inout ModelRows
    ) throws {
        try AccessGuard.require(.messageVictim, context)
        let message = build(ask, target: facts, context: context)
        message.id = UUID.ordered()
        if let purpose = ask.carries, message.status != .refused {
            let link = VictimLinkService.build(
                victimID: ask.victimID, purpose: purpose, channel: ask.channel == .sms ? .sms : .email,
                createdBy: context.actor.name, lifetime: 0, credited: credited, messageID: message.id
            ).link
            message.linkID = link.id
            try rows.create(link)
        }
        try rows.create(message)
        try rows.create(
            AuditLog.entry(.create, "message", message.id, summary: auditSummary(ask, message), context: context))
    }

    /// The message asked for, with the safety gate's decision on it.
    private static func build(_ ask: Ask, target: GateFacts, context: AccessContext) -> OutboundMessage {
        let decision = SafetyGate.check(target.facts(body: ask.channel == .sms ? SafetyGate.smsBody(link: "") : ""))
        let message = OutboundMessage()
        message.idempotencyKey = ask.idempotencyKey
        message.$victim.id = ask.victimID
        message.crimeID = target.crimeID
        message.contactPointID = target.contactPointID
        message.channelCode = ask.channel.rawValue
        message.purpose = ask.purpose.rawValue
        message.language = target.language
        message.recipient = target.recipient ?? ""
        message.subject = ""
        message.bodyText = ""
        message.attempts = 0
        message.nextAttemptAt = Date()
        message.createdByName = context.actor.name
        message.createdAt = Date()
        apply(decision, to: message)
        message.linkID = ask.linkID
        return message
    }

    private static func auditSummary(_ ask: Ask, _ message: OutboundMessage) -> String {
        "\(ask.purpose.rawValue) by \(ask.channel.rawValue) for victim \(ask.victimID): \(message.statusCode)"
    }

    private static func enqueue(
        _ ask: Ask, _ partner: PartnerMessage, context: AccessContext, on db: any Database
    ) async throws -> OutboundMessage {
        let victim = try await VictimService.find(ask.victimID, on: db)
        let message = OutboundMessage()
        message.idempotencyKey = ask.idempotencyKey
        message.$victim.id = ask.victimID
        message.crimeID = victim.$crime.id
        message.contactPointID = nil
        message.channelCode = MessageChannel.email.rawValue
        message.purpose = ask.purpose.rawValue
        message.language = "en"
        message.recipient = partner.recipient
        message.subject = partner.subject
        message.bodyText = partner.text
        message.attempts = 0
        message.nextAttemptAt = Date()
        message.createdByName = context.actor.name
        message.createdAt = Date()
        message.statusCode = OutboundMessage.Status.queued.rawValue
        try await message.create(on: db)
        try await AuditLog.record(
            .create, "message", message.id,
            summary: "\(ask.purpose.rawValue) to a partner for victim \(ask.victimID): queued", context: context, on: db
        )
        return message
    }

    private static func apply(_ decision: SafetyGate.Decision, to message: OutboundMessage) {
        switch decision {
        case .send:
            message.statusCode = OutboundMessage.Status.queued.rawValue
            message.reason = nil
        case .hold(let why):
            message.statusCode = OutboundMessage.Status.held.rawValue
            message.reason = why
        case .refuse(let why):
            message.statusCode = OutboundMessage.Status.refused.rawValue
            message.reason = why
        }
    }

    /// An officer records that messaging this victim is safe: held messages are checked again and queued.
    static func clearMessaging(victimID: UUID, context: AccessContext, on db: any Database) async throws {
        try AccessGuard.require(.clearMessaging, context)
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.clearMessaging, victim, context: context, on: db)
        try await db.transaction { tx in
            victim.messagingClearedAt = Date()
            victim.messagingClearedByName = context.actor.name
            try await victim.save(on: tx)
            try await AuditLog.record(
                .update, "victim", victimID, summary: "messaging recorded as safe", context: context, on: tx)
            try await recheckHeld(victimID: victimID, on: tx)
        }
    }

    /// Held messages checked again after what held them changed (messaging cleared, or the needs assessment
    /// answered that the suspect cannot see the victim's messages).
    static func recheckHeld(victimID: UUID, on db: any Database) async throws {
        for message in try await OutboundMessage.query(on: db).filter(\.$victim.$id == victimID)
            .filter(\.$statusCode == OutboundMessage.Status.held.rawValue).all()
        {
            let target = try await GateFacts.load(victimID: victimID, channel: message.channel, on: db)
            apply(SafetyGate.check(target.facts(body: "")), to: message)
            message.nextAttemptAt = Date()
            try await message.save(on: db)
        }
    }

    /// A victim's messages, newest first, for their page.
    static func messages(victimID: UUID, on db: any Database) async throws -> [OutboundMessage] {
        try await OutboundMessage.query(on: db).filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending)
            .limit(50).all()
    }

    // MARK: delivery

    /// Claims due messages and delivers them; returns how many it handled. Safe on several nodes at once.
    static func deliverDue(
        provider: any MessageProvider, composer: MessageComposer, settings: Settings = .init(), logger: Logger,
        on db: any Database
    ) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let now = Date()
        try await sql.raw(
            """
            UPDATE messages SET status = 'queued', claimed_by = NULL
            WHERE status = 'sending' AND claimed_at < \(bind: now.addingTimeInterval(-settings.staleClaim))
            """
        ).run()
        let token = UUID.random().uuidString
        try await sql.raw(
            """
            UPDATE messages SET status = 'sending', claimed_by = \(bind: token), claimed_at = \(bind: now)
            WHERE status = 'queued' AND next_attempt_at <= \(bind: now) AND id IN (
                SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= \(bind: now)
                ORDER BY next_attempt_at LIMIT \(literal: settings.batchSize))
            """
        ).run()
        let claimed = try await OutboundMessage.query(on: db).filter(\.$claimedBy == token)
            .filter(\.$statusCode == OutboundMessage.Status.sending.rawValue).all()
        guard !claimed.isEmpty else { return 0 }
        // The batch's facts, one query per table (five a message before). Should that fail, each message
        // loads its own, and fails or goes on its own, as before.
        let facts = (try? await GateFacts.load(batch: claimed, on: db)) ?? [:]
        let loadedAt = Date()
        let sent = try await withThrowingTaskGroup(of: OutboundMessage?.self) { group in
            var running = 0
            var sent: [OutboundMessage] = []
            for message in claimed {
                if running >= settings.concurrency, let done = try await group.next() {
                    running -= 1
                    if let done { sent.append(done) }
                }
                // The safety gate decides on facts at most `freshFacts` old: a message reached late in a slow
                // batch (a relay timing out) reads its victim's facts again, as every message did before.
                let known = Date().timeIntervalSince(loadedAt) < settings.freshFacts ? facts[message.id!] : nil
                group.addTask {
                    await deliver(
                        message, facts: known, provider: provider, composer: composer, settings: settings,
                        logger: logger, on: db)
                }
                running += 1
            }
            for try await done in group { if let done { sent.append(done) } }
            return sent
        }
        try await recordSent(sent, logger: logger, on: db)
        return claimed.count
    }

    /// Marks the batch's delivered messages sent, and records the duties they meet, in one transaction: one
    /// commit and one recompute for the batch rather than one per message. A crash before it leaves them
    /// `sending`; they are claimed again after `staleClaim` (at least once, as with any crash after a send).
    private static func recordSent(_ sent: [OutboundMessage], logger: Logger, on db: any Database) async throws {
        guard !sent.isEmpty else { return }
        do {
            try await db.transaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                // One statement for the batch's messages (a save each before: Fluent's reflection per row).
                var update = BulkUpdate(
                    "messages", key: ("id", "uuid"),
                    [
                        ("status", "text"), ("attempts", "integer"), ("sent_at", "timestamptz"), ("provider", "text"),
                        ("provider_reference", "text"), ("last_error", "text"), ("claimed_by", "text"),
                        ("subject", "text"), ("body_text", "text"), ("body_html", "text"), ("language", "text"),
                        ("recipient", "text"), ("contact_point_id", "uuid"),
                    ])
                for m in sent {
                    update.add([
                        .of(m.id), .text(m.statusCode), .int(m.attempts), .of(m.sentAt), .of(m.provider),
                        .of(m.providerReference), .of(m.lastError), .of(m.claimedBy), .text(m.subject),
                        .text(m.bodyText), .of(m.bodyHTML), .text(m.language), .text(m.recipient),
                        .of(m.contactPointID),
                    ])
                }
                try await update.run(on: sql)
                try await recordDelivery(sent, on: tx)
            }
        } catch {
            logger.error(
                "sent messages could not be recorded; they will be retried", metadata: ["count": "\(sent.count)"])
            throw error
        }
    }

    private static func sentMessage(_ message: OutboundMessage, provider: any MessageProvider, reference: String)
        -> OutboundMessage
    {
        message.attempts += 1
        message.statusCode = OutboundMessage.Status.sent.rawValue
        message.sentAt = Date()
        message.provider = provider.name
        message.providerReference = reference
        message.lastError = nil
        message.claimedBy = nil
        return message
    }

    /// Renders, checks and hands over one message; returns it, marked sent but not yet saved, if the provider
    /// took it. Anything else (stopped by the gate, failed) is saved here.
    private static func deliver(
        _ message: OutboundMessage, facts: GateFacts?, provider: any MessageProvider, composer: MessageComposer,
        settings: Settings, logger: Logger, on db: any Database
    ) async -> OutboundMessage? {
        let id = message.id!
        do {
            if message.purpose == MessagePurpose.supportReferral.rawValue {
                // Written when asked for, to the partner's mailbox: sent as kept.
                guard provider.channels.contains(.email) else {
                    throw ProviderError.permanent("the \(provider.name) provider does not send email")
                }
                let reference = try await provider.send(
                    OutgoingMessage(
                        id: id, channel: .email, recipient: message.recipient, subject: message.subject,
                        bodyText: message.bodyText, bodyHTML: nil, language: message.language))
                return sentMessage(message, provider: provider, reference: reference)
            }
            let target = try await facts.asyncOr {
                try await GateFacts.load(victimID: message.$victim.id, channel: message.channel, on: db)
            }
            let composed = try await composer.compose(message, facts: target, on: db)
            // What is kept of a sent message has its link or code blanked: the secret lives only in what was sent.
            message.subject = composed.subject
            message.bodyText = composed.redacted(composed.text)
            message.bodyHTML = composed.html.map(composed.redacted)
            message.language = composed.language
            message.recipient = target.recipient ?? message.recipient
            message.contactPointID = target.contactPointID
            let decision = SafetyGate.check(target.facts(body: composed.redacted(composed.text)))
            guard decision == .send else {
                apply(decision, to: message)
                message.claimedBy = nil
                try await message.save(on: db)
                logger.notice(
                    "message stopped by the safety gate",
                    metadata: ["message_id": "\(id)", "status": "\(message.statusCode)"])
                return nil
            }
            guard provider.channels.contains(message.channel) else {
                throw ProviderError.permanent("the \(provider.name) provider does not send \(message.channel.rawValue)")
            }
            let reference = try await provider.send(
                OutgoingMessage(
                    id: id, channel: message.channel, recipient: message.recipient, subject: composed.subject,
                    bodyText: composed.text, bodyHTML: composed.html, language: message.language,
                    attachments: composed.attachments))
            return sentMessage(message, provider: provider, reference: reference)
        } catch {
            let failure = error as? ProviderError ?? .temporary("\(type(of: error))")
            message.attempts += 1
            message.lastError = String(failure.summary.prefix(500))
            message.claimedBy = nil
            message.provider = provider.name
            if case .permanent = failure {
                message.statusCode = OutboundMessage.Status.dead.rawValue
            } else if message.attempts >= settings.maxAttempts {
                message.statusCode = OutboundMessage.Status.dead.rawValue
            } else {
                message.statusCode = OutboundMessage.Status.queued.rawValue
                message.nextAttemptAt = Date().addingTimeInterval(backoff(attempt: message.attempts))
            }
            logger.warning(
                "message not delivered",
                metadata: ["message_id": "\(id)", "attempts": "\(message.attempts)", "status": "\(message.statusCode)"])
            try? await message.save(on: db)
            return nil
        }
    }

    /// 30 s, 1 min, 2 min, ... capped at an hour, with up to 20% jitter so retries from many nodes spread out.
    static func backoff(attempt: Int) -> TimeInterval {
        let base = min(30 * pow(2, Double(max(attempt - 1, 0))), 3600)
        return base * Double.random(in: 1...1.2)
    }

    /// A delivered confirmation or leaflet meets its duty: recorded as done, and the victims' obligations
    /// recomputed, in the transaction that marks the messages sent.
    private static func recordDelivery(_ messages: [OutboundMessage], on db: any Database) async throws {
        let meeting = messages.compactMap { m in MessagePurpose(rawValue: m.purpose)?.meets.map { (m, $0) } }
        guard !meeting.isEmpty else { return }
        let victims = Array(Set(meeting.map { $0.0.$victim.id }))
        try await VictimService.bumpFacts(victims, on: db)
        var rows = ModelRows()
        for (message, kind) in meeting {
            try rows.create(
                VictimAction(
                    victimID: message.$victim.id, kind: kind.rawValue, at: message.sentAt ?? Date(),
                    method: message.channelCode,
                    note: "Sent by the outbox (message \(message.id!.uuidString.lowercased()))", byUserID: nil,
                    byName: "VictimCare outbox", language: kind == .informationLeaflet ? message.language : nil))
        }
        try await rows.write(on: db)
        try await ObligationService.recompute(victims, on: db)
    }

    /// Dead letters and held messages, for administrators.
    static func deadLetters(context: AccessContext, on db: any Database) async throws -> [OutboundMessage] {
        try AccessGuard.require(.manageOutbox, context)
        return try await OutboundMessage.query(on: db).filter(\.$statusCode == OutboundMessage.Status.dead.rawValue)
            .sort(\.$createdAt, .descending).limit(200).all()
    }

    /// Puts a dead letter back in the queue (after the cause was fixed).
    static func retry(_ id: UUID, context: AccessContext, on db: any Database) async throws {
        try AccessGuard.require(.manageOutbox, context)
        guard let message = try await OutboundMessage.find(id, on: db) else { throw DomainError.notFound("message") }
        guard message.status == .dead else {
            throw DomainError.conflict(field: "message", message: "Only a dead letter can be retried")
        }
        message.statusCode = OutboundMessage.Status.queued.rawValue
        message.attempts = 0
        message.nextAttemptAt = Date()
        try await message.save(on: db)
        try await AuditLog.record(.update, "message", id, summary: "dead letter retried", context: context, on: db)
    }

    static func counts(on db: any Database) async throws -> [String: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var out: [String: Int] = [:]
        for row in try await sql.raw("SELECT status, COUNT(*) AS n FROM messages GROUP BY status").all() {
            out[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }
}

/// What the safety gate needs to know about a victim and the contact point a channel would use.
struct GateFacts: Sendable {
    var crimeID: UUID
    var personID: UUID
    var contactPointOwner: UUID?
    var contactPointID: UUID?
    var contactPointKind: ContactPointKind?
    var contactPointSafe: Bool
    var recipient: String?
    var language: String
    var optedOut: Bool
    /// Why a suspect is likely to see the victim's messages (the crime, or a suspect the victim knows).
    var suspectRisk: String?
    /// The needs assessment's answer; nil when nobody asked.
    var suspectMaySeeMessages: Bool?
    var cleared: Bool
    var sensitiveWords: [String]
    var channel: MessageChannel
    /// The records the facts came from, so rendering the message need not read them again.
    var victim: Victim
    var person: Person
    var crime: Crime
    /// Loaded with a batch: the crime's officer and unit and the message's link, so composing reads nothing.
    var related: Related?

    struct Related: Sendable {
        var officer: User?
        var unit: CommandUnit?
        var link: VictimLink?
    }

    /// The safe contact point of the channel's kind if there is one, else the first (which the gate refuses).
    static func load(victimID: UUID, channel: MessageChannel, on db: any Database) async throws -> GateFacts {
        let victim = try await VictimService.find(victimID, on: db)
        guard let person = try await Person.find(victim.$person.id, on: db) else {
            throw DomainError.notFound("person")
        }
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let points = try await ContactPoint.query(on: db).filter(\.$person.$id == person.id!)
            .filter(\.$kindCode == channel.contactPointKind.rawValue).sort(\.$createdAt).all()
        let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
        return make(victim: victim, person: person, crime: crime, points: points, channel: channel, policy: policy)
    }

    /// The facts for each message of a claimed batch, keyed by message id: one query per table for the lot.
    /// A message whose victim, person or crime is gone is left out (delivering it loads, and fails, alone).
    static func load(batch messages: [OutboundMessage], on db: any Database) async throws -> [UUID: GateFacts] {
        let victims = Dictionary(
            try await Victim.query(on: db).filter(\.$id ~~ Set(messages.map { $0.$victim.id })).all().map {
                ($0.id!, $0)
            }, uniquingKeysWith: { a, _ in a })
        guard !victims.isEmpty else { return [:] }
        let people = Dictionary(
            try await Person.query(on: db).filter(\.$id ~~ Set(victims.values.map { $0.$person.id })).all().map {
                ($0.id!, $0)
            }, uniquingKeysWith: { a, _ in a })
        let crimes = Dictionary(
            try await Crime.query(on: db).filter(\.$id ~~ Set(victims.values.map { $0.$crime.id })).all().map {
                ($0.id!, $0)
            }, uniquingKeysWith: { a, _ in a })
        let points = Dictionary(
            grouping: try await ContactPoint.query(on: db).filter(\.$person.$id ~~ Set(people.keys))
                .sort(\.$createdAt).all(), by: { $0.$person.id })
        let officerIDs = Set(crimes.values.compactMap { $0.$officerInCase.id })
        let officers = Dictionary(
            officerIDs.isEmpty
                ? [] : try await User.query(on: db).filter(\.$id ~~ officerIDs).all().map { ($0.id!, $0) },
            uniquingKeysWith: { a, _ in a })
        let units = Dictionary(
            try await CommandUnit.query(on: db).filter(\.$id ~~ Set(crimes.values.map { $0.$commandUnit.id })).all()
                .map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let linkIDs = Set(messages.compactMap(\.linkID))
        let links = Dictionary(
            linkIDs.isEmpty
                ? [] : try await VictimLink.query(on: db).filter(\.$id ~~ linkIDs).all().map { ($0.id!, $0) },
            uniquingKeysWith: { a, _ in a })
        let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
        var result: [UUID: GateFacts] = [:]
        for message in messages {
            guard let victim = victims[message.$victim.id], let person = people[victim.$person.id],
                let crime = crimes[victim.$crime.id]
            else { continue }
            let kind = message.channel.contactPointKind.rawValue
            var facts = make(
                victim: victim, person: person, crime: crime,
                points: (points[person.id!] ?? []).filter { $0.kindCode == kind }, channel: message.channel,
                policy: policy)
            facts.related = Related(
                officer: crime.$officerInCase.id.flatMap { officers[$0] }, unit: units[crime.$commandUnit.id],
                link: message.linkID.flatMap { links[$0] })
            result[message.id!] = facts
        }
        return result
    }

    /// The facts from the records: the safe contact point of the channel's kind if there is one, else the
    /// first (`points`, oldest first, are the person's of that kind).
    static func make(
        victim: Victim, person: Person, crime: Crime, points: [ContactPoint], channel: MessageChannel,
        policy: VictimsCodePolicy
    ) -> GateFacts {
        let point = points.first(where: \.safe) ?? points.first
        return GateFacts(
            crimeID: crime.id!, personID: person.id!, contactPointOwner: point?.$person.id, contactPointID: point?.id,
            contactPointKind: point?.kind, contactPointSafe: point?.safe ?? false, recipient: point?.value,
            language: Language.named(person.language)?.code ?? "en", optedOut: person.messagesOptOut,
            suspectRisk: ContactSafety.suspectRisk(
                flags: crime.flags, suspectKnown: victim.suspectKnown, policy: policy),
            suspectMaySeeMessages: victim.suspectMaySee,
            cleared: victim.messagingClearedAt != nil,
            sensitiveWords: [crime.offenceDescription, crime.reference, person.givenName, person.familyName],
            channel: channel, victim: victim, person: person, crime: crime)
    }

    func facts(body: String) -> SafetyGate.Facts {
        SafetyGate.Facts(
            channel: channel, contactPointOwner: contactPointOwner?.uuidString, victimPerson: personID.uuidString,
            contactPointKind: contactPointKind, contactPointSafe: contactPointSafe, optedOut: optedOut,
            suspectRisk: suspectRisk, suspectMaySeeMessages: suspectMaySeeMessages, clearedAsSafe: cleared,
            body: body, sensitiveWords: sensitiveWords)
    }
}
