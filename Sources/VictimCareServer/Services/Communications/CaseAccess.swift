import Fluent
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// The victim's own case page ("track my crime"). A case link alone shows nothing: the victim also gives their
/// date of birth or a one-time code sent by their preferred safe channel. Wrong answers count against the link,
/// which locks for a while after a few; a right answer starts a short session (itself a link, hashed).
/// Everything the victim asks for is recorded and shown to the officer.
enum CaseAccess {
    static func codeHash(_ code: String, linkID: UUID) -> String {
        Secrets.sha256Hex("\(linkID.uuidString.lowercased()):\(code)")
    }

    enum Factor: Sendable {
        case dateOfBirth(String?)
        case code(String?)
    }

    /// Checks the second factor; on success returns a new session for the case page. Every answer is counted
    /// before it is checked, in one statement per counter (the link's and the address's), so answers sent at
    /// once are each counted; a right answer takes its count back (2026-11-30, issue 12).
    static func verify(
        _ link: VictimLink, _ factor: Factor, settings: LinkSettings, ip: String?, on db: any Database,
        now: Date = Date()
    ) async throws -> VictimLinkService.Issued {
        try refuseIfLocked(link, now: now)
        let linkID = try link.requireID()
        let victim = try await VictimService.find(link.$victim.id, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        let field: String
        let message: String
        let check: () -> Bool
        switch factor {
        case .dateOfBirth(let raw):
            field = "dobDay"
            guard let raw, let given = LocalDate(raw) else {
                throw DomainError.invalid(field, "case.error.dob_format")
            }
            guard let recorded = person.dateOfBirth.flatMap(LocalDate.init) else {
                throw DomainError.invalid(field, "case.error.no_dob")
            }
            check = { given == recorded }
            message = "case.error.dob_wrong"
        case .code(let raw):
            field = "code"
            let code = (raw ?? "").filter(\.isNumber)
            guard code.count == 6 else { throw DomainError.invalid(field, "case.error.code_format") }
            let (hash, expires) = (link.codeHash, link.codeExpiresAt)
            check = { hash == codeHash(code, linkID: linkID) && (expires.map { $0 > now } ?? false) }
            message = "case.error.code_wrong"
        }
        let window = RateLimiter.Window.minutes(settings.lockMinutes)
        let addressKey = "case-page:\(ip ?? "unknown")"
        if try await RateLimiter.hit(addressKey, window: window, now: now, on: db) > settings.maxAttemptsPerAddress {
            throw DomainError.rateLimited(retryAfterSeconds: window.seconds)
        }
        guard let attempt = try await reserveAttempt(linkID, now: now, on: db) else {
            try await RateLimiter.undo(addressKey, window: window, now: now, on: db)
            throw DomainError.rateLimited(retryAfterSeconds: try await lockedSeconds(linkID, now: now, on: db))
        }
        if attempt.number > settings.maxAttempts {
            try await lock(link, after: attempt, settings: settings, now: now, on: db)
            throw DomainError.rateLimited(retryAfterSeconds: try await lockedSeconds(linkID, now: now, on: db))
        }
        guard check() else {
            try await AuditLog.recordVictim(
                .signInFailed, "victim", victim.id, summary: "case page: second factor wrong", ip: ip, on: db)
            if attempt.number >= settings.maxAttempts {
                try await lock(link, after: attempt, settings: settings, now: now, on: db)
                throw DomainError.rateLimited(retryAfterSeconds: try await lockedSeconds(linkID, now: now, on: db))
            }
            throw DomainError.invalid(field, message)
        }
        try await RateLimiter.undo(addressKey, window: window, now: now, on: db)
        return try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await sql.update("victim_links").set("failed_attempts", to: 0).set("lock_count", to: 0)
                .set("locked_until", to: SQLLiteral.null).set("code_hash", to: SQLLiteral.null)
                .set("code_expires_at", to: SQLLiteral.null).where("id", .equal, linkID).run()
            try await VictimLinkService.recordOpen(link, on: tx)
            try await AuditLog.recordVictim(
                .signIn, "victim", victim.id, summary: "case page opened", ip: ip, on: tx)
            return try await VictimLinkService.issue(
                victimID: victim.id!, purpose: .session, channel: .web, createdBy: "Victim (own case page)",
                lifetime: settings.lifetime(.session), parentID: link.id, on: tx)
        }
    }

    private struct Attempt: Decodable {
        var number: Int
        var lockCount: Int

        enum CodingKeys: String, CodingKey {
            case number = "failed_attempts"
            case lockCount = "lock_count"
        }
    }

    /// Adds one to the link's wrong answers unless it is locked; `nil` when it is.
    private static func reserveAttempt(_ id: UUID, now: Date, on db: any Database) async throws -> Attempt? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.raw(
            """
            UPDATE victim_links SET failed_attempts = failed_attempts + 1
            WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            RETURNING failed_attempts, lock_count
            """
        ).first(decoding: Attempt.self)
    }

    /// Locks the link, each lock twice as long as the one before; from the second lock on, the officer in the
    /// case is told (someone may be guessing, or the victim may need help getting in).
    private static func lock(
        _ link: VictimLink, after attempt: Attempt, settings: LinkSettings, now: Date, on db: any Database
    ) async throws {
        guard let sql = db as? any SQLDatabase, let id = link.id else { return }
        let minutes = settings.lockMinutes * (1 << min(attempt.lockCount, 6))
        struct Locked: Decodable { var lock_count: Int }
        let locked = try await sql.raw(
            """
            UPDATE victim_links SET locked_until = \(bind: now.addingTimeInterval(Double(minutes) * 60)),
                failed_attempts = 0, lock_count = lock_count + 1
            WHERE id = \(bind: id) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            RETURNING lock_count
            """
        ).first(decoding: Locked.self)
        guard let count = locked?.lock_count, count >= 2 else { return }
        try await record(
            .linkLocked, victimID: link.$victim.id,
            detail: "Their case page link has locked \(count) times after wrong answers (now for \(minutes) minutes). "
                + "Someone may be guessing, or they may need help getting in.",
            ip: nil, on: db)
    }

    private static func lockedSeconds(_ id: UUID, now: Date, on db: any Database) async throws -> Int {
        guard let until = try await VictimLink.find(id, on: db)?.lockedUntil, until > now else { return 60 }
        return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    /// Sends a one-time code by the victim's preferred channel if it is a safe email or phone; at most three
    /// in fifteen minutes. Returns the channel used, or explains why none can be.
    static func sendCode(_ link: VictimLink, ip: String?, on db: any Database) async throws -> MessageChannel {
        let now = Date()
        try refuseIfLocked(link, now: now)
        // Counted before anything is sent, in one statement, so requests sent at once cannot each pass.
        let asked = try await RateLimiter.hit(
            "case-code:\(try link.requireID())", window: .minutes(15), now: now, on: db)
        guard asked <= 3 else { throw DomainError.rateLimited(retryAfterSeconds: 900) }
        let victim = try await VictimService.find(link.$victim.id, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        let preferred = ContactMethod.code(person.preferredContact)
        let order: [MessageChannel] = preferred == .sms || preferred == .phone ? [.sms, .email] : [.email, .sms]
        for channel in order {
            let facts = try await GateFacts.load(victimID: victim.id!, channel: channel, on: db)
            guard SafetyGate.check(facts.facts(body: SafetyGate.smsCodeBody(code: "000000", minutes: 10))) == .send
            else { continue }
            try await OutboxService.enqueue(
                .init(
                    victimID: victim.id!, channel: channel, purpose: .oneTimeCode,
                    idempotencyKey: "code:\(link.id!.uuidString.lowercased()):\(UUID.random().uuidString.lowercased())",
                    linkID: link.id),
                facts: facts, context: .system, on: db)
            try await AuditLog.recordVictim(
                .create, "message", victim.id, summary: "case page code asked for by \(channel.rawValue)", ip: ip,
                on: db)
            return channel
        }
        throw DomainError.conflict(field: "code", message: "case.error.no_safe_way")
    }

    /// The session a case page cookie holds, if it is still good.
    static func session(secret: String?, on db: any Database) async throws -> VictimLink? {
        guard let secret,
            case .valid(let link) = try await VictimLinkService.find(
                secret: secret, purposes: [.session], on: db)
        else { return nil }
        return link
    }

    /// Ends a session (the victim signs out).
    static func end(_ session: VictimLink, on db: any Database) async throws {
        session.revokedAt = Date()
        try await session.save(on: db)
    }

    // MARK: what the victim asks for

    static func requestCallBack(victimID: UUID, when raw: String?, ip: String?, on db: any Database) async throws {
        let when = raw?.trimmingWhitespaceAndNewlines().nilIfEmpty
        if (when?.count ?? 0) > 200 { throw DomainError.invalid("callBackTimes", "case.error.times") }
        try await record(.callBack, victimID: victimID, detail: when ?? "Any time", ip: ip, on: db)
    }

    /// A victim who chose a video call may ask for a visit instead, at any time: the officer sees the request,
    /// and the choice on the crime becomes a visit, said to be the victim's own.
    static func requestVisit(victimID: UUID, note raw: String?, ip: String?, on db: any Database) async throws {
        let note = raw?.trimmingWhitespaceAndNewlines().nilIfEmpty
        if (note?.count ?? 0) > 500 { throw DomainError.invalid("visitNote", "case.error.visit_note") }
        guard let latest = try await ResponseTriageService.latestChoice(victimID: victimID, on: db),
            latest.choice == .video
        else { throw DomainError.invalid("visitNote", "case.error.visit_none") }
        // A booked call goes (its slot freed, the calendar entry withdrawn): a visit replaces it.
        if try await VideoBookingService.bookedCall(victimID: victimID, on: db) != nil {
            do {
                try await VideoBookingService.cancelByVictim(victimID: victimID, ip: ip, on: db)
            } catch DomainError.conflict {
                // It ended meanwhile: the visit is what they asked for, and it is recorded below.
            }
        }
        try await db.transaction { tx in
            let choice = latest.followed(
                by: .inPerson, reason: note ?? "Asked for a visit on their case page.",
                recordedBy: "The victim, on their case page", byVictim: true)
            try await choice.create(on: tx)
            try await record(.inPersonVisit, victimID: victimID, detail: note ?? "A visit", ip: ip, on: tx)
        }
    }

    static func changeContact(
        victimID: UUID, method raw: String?, times rawTimes: String?, ip: String?, on db: any Database
    ) async throws {
        // The victim's page shows these messages in the victim's language: they are catalogue keys.
        var v = Validator()
        let method = ContactMethod.code(raw)
        if method == nil || method == .video { v.fail("preferredContact", "case.error.method") }
        let times = rawTimes?.trimmingWhitespaceAndNewlines().nilIfEmpty
        if (times?.count ?? 0) > 200 { v.fail("preferredTimes", "case.error.times") }
        try v.check()
        let victim = try await VictimService.find(victimID, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        try await db.transaction { tx in
            person.preferredContact = method!.rawValue
            person.preferredTimes = times
            try await person.save(on: tx)
            try await record(
                .contactPreference, victimID: victimID,
                detail: method!.label + (times.map { ", \($0)" } ?? ""), ip: ip, on: tx)
            // The preferred method decides which contacts count: what is owed is worked out again.
            try await VictimService.recomputePerson(person.id!, on: tx)
        }
    }

    static func setOptOut(victimID: UUID, _ optOut: Bool, ip: String?, on db: any Database) async throws {
        let victim = try await VictimService.find(victimID, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        try await db.transaction { tx in
            person.messagesOptOutValue = optOut
            try await person.save(on: tx)
            try await record(
                optOut ? .optOut : .optIn, victimID: victimID,
                detail: optOut ? "No more emails or text messages" : "Emails and text messages again", ip: ip, on: tx)
        }
    }

    private static func record(
        _ kind: CaseRequest.Kind, victimID: UUID, detail: String, ip: String?, on db: any Database
    ) async throws {
        let request = CaseRequest(kind, victimID: victimID, detail: detail)
        try await request.create(on: db)
        try await AuditLog.recordVictim(.create, "victim_request", request.id, summary: kind.rawValue, ip: ip, on: db)
    }

    /// The officer sees what the victim asked for and marks it dealt with.
    static func acknowledge(_ requestID: UUID, context: AccessContext, on db: any Database) async throws {
        guard let request = try await CaseRequest.find(requestID, on: db) else {
            throw DomainError.notFound("request")
        }
        let victim = try await VictimService.find(request.$victim.id, on: db)
        try await VictimService.checkAccess(.recordContact, victim, context: context, on: db)
        guard request.acknowledgedAt == nil else { return }
        request.acknowledgedAt = Date()
        request.acknowledgedByName = context.actor.name
        try await request.save(on: db)
        try await AuditLog.record(
            .update, "victim_request", requestID, summary: "acknowledged", context: context, on: db)
    }

    /// What the victim's case page shows: loaded by this service, which the page audits as the victim's own view.
    struct Page: Sendable {
        var victim: Victim
        var person: Person
        /// Only once signed in: nothing of the case shows on the link alone.
        var crime: Crime?
        var officer: User?
        var unit: CommandUnit?
        var obligations: [ObligationRecord]
        /// They chose a video call (issue 16): the page offers a visit instead.
        var videoChosen = false
        /// Their booked video call, if any.
        var videoCall: VideoCall?
    }

    static func page(_ link: VictimLink, signedIn: Bool, on db: any Database) async throws -> Page {
        let victim = try await VictimService.find(link.$victim.id, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        guard signedIn else { return Page(victim: victim, person: person, obligations: []) }
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        return Page(
            victim: victim, person: person, crime: crime,
            officer: try await crime.$officerInCase.id.asyncFlatMap { try await User.find($0, on: db) },
            unit: try await CommandUnit.find(crime.$commandUnit.id, on: db),
            obligations: try await ObligationRecord.query(on: db).filter(\.$victim.$id == victim.id!)
                .filter(\.$triggeredAt <= Date()).sort(\.$dueAt)
                .all(),
            videoChosen: try await ResponseTriageService.latestChoice(victimID: victim.id!, on: db)?.choice == .video,
            videoCall: try await VideoBookingService.bookedCall(victimID: victim.id!, on: db))
    }

    static func requests(victimID: UUID, on db: any Database) async throws -> [CaseRequest] {
        try await CaseRequest.query(on: db).filter(\.$victim.$id == victimID).sort(\.$createdAt, .descending)
            .limit(50).all()
    }
}

extension CaseAccess {
    /// A link locked after too many wrong answers refuses everything until the lock ends.
    static func refuseIfLocked(_ link: VictimLink, now: Date) throws {
        if let until = link.lockedUntil, until > now {
            throw DomainError.rateLimited(retryAfterSeconds: Int(until.timeIntervalSince(now).rounded(.up)))
        }
    }
}
