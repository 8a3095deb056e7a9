import Crypto
import Fluent
import Foundation
import VictimCareDomain

/// The third route: a victim refers themselves from a public page. Nothing is looked up — not a person, not a
/// crime reference — so the page says the same whatever is typed and discloses nothing. A field people never
/// see, a minimum time from the form's first showing (signed by the server) and a limit per sender per hour
/// tell robots apart; what looks automated is kept for the service to check, never dropped, because a victim
/// who asked for help must not be lost to a spam rule (2026-11-30, issues 12 and 13).
enum SelfReferralService {
    struct Form: Sendable {
        var givenName: String?
        var familyName: String?
        var phone: String?
        var email: String?
        var preferredContact: String?
        var preferredTimes: String?
        var language: String?
        var offenceGroup: String?
        var reportedToPolice: String?
        var crimeReference: String?
        var safeToContact: String?
        var consent: String?
        /// The hidden field: people leave it empty, form-filling robots do not.
        var website: String?
        /// When the form was first shown, signed by the server (``ShownAt``).
        var shownAt: String?
    }

    enum Outcome: Sendable, Equatable {
        case accepted(UUID)
        /// Looked like a robot: thanked the same way, and kept for the service to check.
        case held(UUID, reason: String)
    }

    /// The time the form was first shown, signed so a client cannot write its own; the page carries it through
    /// every re-showing after a mistake, so correcting a form is never taken for a robot's speed.
    enum ShownAt {
        static func make(at now: Date = Date(), key: SymmetricKey) -> String {
            let seconds = String(Int(now.timeIntervalSince1970))
            return seconds + "." + key.sign("self-referral-shown:" + seconds)
        }

        /// The signed time, or nil if the token is missing or not the server's.
        static func read(_ token: String?, key: SymmetricKey) -> Date? {
            guard let token, token.count < 100 else { return nil }
            let parts = token.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let seconds = TimeInterval(parts[0]),
                key.verify("self-referral-shown:" + parts[0], signature: parts[1])
            else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
    }

    static let offenceGroups: [(value: String, label: String)] = [
        ("violence", "Violence or threats"), ("theft", "Theft, burglary or robbery"),
        ("fraud", "Fraud or online crime"), ("sexual", "Rape or sexual assault"), ("domestic", "Domestic abuse"),
        ("hate", "Hate crime"), ("other", "Something else"),
    ]
    static let reportedAnswers: [(value: String, label: String)] = [
        ("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure"),
    ]
    static let contactMethods: [(value: String, label: String)] = [
        ("phone", "Phone call"), ("sms", "Text message"), ("email", "Email"),
    ]
    /// Faster than this from showing the form to sending it is not a person.
    static let minimumSeconds: TimeInterval = 3

    /// Why a submission looks automated, if it does.
    static func doubt(_ f: Form, key: SymmetricKey, now: Date) -> String? {
        if let trap = f.website, !trap.isEmpty { return "the hidden field was filled in" }
        guard let shown = ShownAt.read(f.shownAt, key: key) else { return "the form did not come from this site" }
        if now.timeIntervalSince(shown) < minimumSeconds { return "sent within seconds of the form first showing" }
        return nil
    }

    static func submit(
        _ f: Form, ip: String, perHour: Int, key: SymmetricKey, now: Date = Date(), on db: any Database
    ) async throws -> Outcome {
        let held = doubt(f, key: key, now: now)
        // The page shows these in the victim's language: each message is a catalogue key (`refer.error.*`).
        var v = Validator()
        func text(_ raw: String?, _ field: String, max: Int, required key: String? = nil) -> String? {
            let value = raw?.trimmingWhitespaceAndNewlines() ?? ""
            if value.isEmpty {
                if let key { v.fail(field, key) }
                return nil
            }
            if value.count > max { v.fail(field, "refer.error.too_long") }
            return value
        }
        let given = text(f.givenName, "givenName", max: 100, required: "refer.error.given_name") ?? ""
        let family = text(f.familyName, "familyName", max: 100, required: "refer.error.family_name") ?? ""
        var phone: String?
        if let raw = text(f.phone, "phone", max: 32) {
            phone = Normalise.phone(raw)
            if phone == nil { v.fail("phone", "refer.error.phone") }
        }
        var email: String?
        if let raw = text(f.email, "email", max: 254) {
            email = Normalise.email(raw)
            if email == nil { v.fail("email", "refer.error.email") }
        }
        if f.phone?.trimmingWhitespace().isEmpty ?? true,
            f.email?.trimmingWhitespace().isEmpty ?? true
        {
            v.fail("phone", "refer.error.reach")
        }
        let method = text(f.preferredContact, "preferredContact", max: 10, required: "refer.error.method") ?? ""
        if !method.isEmpty {
            if !contactMethods.contains(where: { $0.value == method }) {
                v.fail("preferredContact", "refer.error.method")
            } else if method == "email", f.email?.isEmpty ?? true {
                v.fail("preferredContact", "refer.error.method_email")
            } else if method != "email", f.phone?.isEmpty ?? true {
                v.fail("preferredContact", "refer.error.method_phone")
            }
        }
        let times = text(f.preferredTimes, "preferredTimes", max: 200)
        var language = "en"
        if let raw = text(f.language, "language", max: 10) {
            if let known = Language.named(raw) {
                language = known.code
            } else {
                v.fail("language", "refer.error.language")
            }
        }
        let group = text(f.offenceGroup, "offenceGroup", max: 20, required: "refer.error.about") ?? ""
        if !group.isEmpty, !offenceGroups.contains(where: { $0.value == group }) {
            v.fail("offenceGroup", "refer.error.about")
        }
        let reported = text(f.reportedToPolice, "reportedToPolice", max: 10, required: "refer.error.told") ?? ""
        if !reported.isEmpty, !reportedAnswers.contains(where: { $0.value == reported }) {
            v.fail("reportedToPolice", "refer.error.told")
        }
        let reference = text(f.crimeReference, "crimeReference", max: 32)
        if f.safeToContact != "yes" { v.fail("safeToContact", "refer.error.safe") }
        if f.consent != "yes" { v.fail("consent", "refer.error.consent") }
        try v.check()
        let source = Secrets.sha256Hex("self-referral:" + ip)
        // Counted in one statement, so a burst from one address cannot each read "under the limit".
        if try await RateLimiter.hit("self-referral:\(source)", window: .minutes(60), now: now, on: db) > perHour {
            throw DomainError.rateLimited(retryAfterSeconds: 3600)
        }
        let referral = SelfReferral()
        referral.createdAt = now
        referral.givenName = given
        referral.familyName = family
        referral.phone = phone
        referral.email = email
        referral.preferredContact = method
        referral.preferredTimes = times
        referral.language = language
        referral.offenceGroup = group
        referral.reportedToPolice = reported
        referral.crimeReference = reference
        referral.statusCode = Referral.Status.sent.rawValue
        referral.sourceHash = source
        referral.heldReason = held
        try await db.transaction { tx in
            try await referral.create(on: tx)
            try await AuditLog.recordVictim(
                .create, "self_referral", referral.id,
                summary: "self-referral from the public page" + (held.map { "; held for review: \($0)" } ?? ""),
                ip: nil, on: tx)
        }
        let id = try referral.requireID()
        return held.map { .held(id, reason: $0) } ?? .accepted(id)
    }

    /// The support service's list, newest first.
    static func list(context: AccessContext, on db: any Database) async throws -> [SelfReferral] {
        try AccessGuard.require(.manageReferrals, context)
        let list = try await SelfReferral.query(on: db).sort(\.$createdAt, .descending).limit(200).all()
        try await AuditLog.recordViews(
            "self_referral", list.compactMap(\.id), summary: "support service's list", context: context, on: db)
        return list
    }

    static func updateStatus(
        _ id: UUID, status raw: String?, note: String?, context: AccessContext, on db: any Database
    ) async throws {
        try AccessGuard.require(.manageReferrals, context)
        guard let referral = try await SelfReferral.find(id, on: db) else { throw DomainError.notFound("referral") }
        let next = try ReferralService.nextStatus(from: referral.status, raw, note: note)
        referral.statusCode = next.status.rawValue
        referral.statusAt = Date()
        referral.statusByName = context.actor.name
        referral.note = next.note
        try await db.transaction { tx in
            try await referral.save(on: tx)
            try await AuditLog.record(
                .update, "self_referral", id, summary: "status \(next.status.rawValue)", context: context, on: tx)
        }
    }
}
