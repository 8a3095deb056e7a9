import Fluent
import Foundation
import NIOCore
import Vapor
import VictimCareDomain

/// Renders a message just before it is sent, from what is true then, in the victim's language: the HTML part
/// from a Leaf template with a typed context, the plain-text part from the same context. Text messages are only
/// ever the fixed, anonymous lines the safety gate allows. A personal link or code the message carries gets its
/// secret here, so the secret exists only in the message that went out.
struct MessageComposer: Sendable {
    let app: Application
    let publicURL: String
    let translations: Translations
    let links: LinkSettings
    /// The address emails come from: the organiser of a calendar invitation.
    var mailFrom = "no-reply@victimcare.invalid"

    struct Composed: Sendable {
        var subject: String
        var text: String
        var html: String?
        /// The language the words are in: the victim's if the catalogue has it, else English.
        var language: String
        /// Link secrets and codes in the body: blanked in the copy that is kept.
        var secrets: [String] = []
        var attachments: [OutgoingMessage.Attachment] = []

        func redacted(_ body: String) -> String {
            secrets.reduce(body) { Self.replacing($1, in: $0, with: "[removed]") }
        }

        /// Every occurrence of `needle` replaced, compared byte by byte (Foundation's `replacingOccurrences`
        /// compares characters, a tenth of the outbox's time). Secrets and codes are ASCII, so no match can
        /// start or end inside another character's bytes.
        static func replacing(_ needle: String, in text: String, with replacement: String) -> String {
            let pattern = Array(needle.utf8)
            let bytes = Array(text.utf8)
            guard !pattern.isEmpty, var found = ByteSearch.firstIndex(of: pattern, in: bytes, from: 0) else {
                return text
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var index = 0
            while true {
                out.append(contentsOf: bytes[index..<found])
                out.append(contentsOf: replacement.utf8)
                index = found + pattern.count
                guard let next = ByteSearch.firstIndex(of: pattern, in: bytes, from: index) else { break }
                found = next
            }
            out.append(contentsOf: bytes[index...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The written confirmation (R4) and the leaflet (R5) share one context; every word comes from the catalogue.
    struct ReportContext: Encodable {
        struct Row: Encodable {
            var label: String
            var value: String
        }
        var lang: String
        var dir: String
        var subject: String
        var greeting: String
        var confirmation: Bool
        var recorded: String
        var details: [Row]
        var contactLine: String
        /// The victim's case page, in the confirmation.
        var caseLine: String?
        var caseLink: String?
        var rightsHeading: String
        var rights: [LeafletText.Right]
        var support: String
        var complaint: String
        var footer: String
        var version: String
        /// The leaflet's page in the same language: the victim's own copy, when the message carries one.
        var leafletLink: String

        var plainText: String {
            var lines = [greeting, ""]
            if confirmation {
                lines += [recorded, ""] + details.map { "\($0.label): \($0.value)" } + [contactLine, ""]
                if let caseLine, let caseLink { lines += [caseLine, caseLink, ""] }
            }
            lines += [rightsHeading, ""] + rights.map { "\($0.number). \($0.title) \($0.text)" }
            lines += ["", leafletLink, "", support, "", complaint, "", footer, version]
            return lines.joined(separator: "\n")
        }
    }

    /// A short message: a feedback invitation or a case page code.
    struct ShortContext: Encodable {
        var lang: String
        var dir: String
        var subject: String
        var greeting: String
        var paragraphs: [String]
        var link: String?
        var linkText: String?
        var footer: String
        var version: String

        var plainText: String {
            ([greeting, ""] + paragraphs.flatMap { [$0, ""] } + (link.map { [$0, ""] } ?? []) + [footer, version])
                .joined(separator: "\n")
        }
    }

    /// `facts`, when the outbox has just loaded them for the safety gate, saves reading the victim, person and
    /// crime again.
    func compose(_ message: OutboundMessage, facts: GateFacts? = nil, on db: any Database) async throws -> Composed {
        guard let purpose = MessagePurpose(rawValue: message.purpose) else {
            throw ProviderError.permanent("unknown message purpose")
        }
        if purpose == .oneTimeCode {
            return try await oneTimeCode(message, on: db)
        }
        let carried = try await message.linkID.asyncFlatMap { id in
            if let link = facts?.related?.link, link.id == id {
                return try await VictimLinkService.activate(link, settings: links, on: db)
            }
            return try await VictimLinkService.activate(id, settings: links, on: db)
        }
        let carriedURL = carried.flatMap { issued in
            issued.link.purpose.map { VictimLinkService.url(publicURL, $0, issued.secret) }
        }
        let secrets = carried.map { [$0.secret] } ?? []
        if message.channel == .sms {
            return Composed(
                subject: "", text: SafetyGate.smsBody(link: carriedURL ?? publicURL + "/"), html: nil, language: "en",
                secrets: secrets)
        }
        let victim = try await facts.map(\.victim).asyncOr { try await VictimService.find(message.$victim.id, on: db) }
        let person = try await facts.map(\.person).asyncOr { try await PersonService.find(victim.$person.id, on: db) }
        let text = LeafletText(translations, person.language)
        if purpose == .feedback {
            let officer = try await carried?.link.invitationID.asyncFlatMap {
                try await FeedbackInvitation.find($0, on: db)
            }
            // The 6–12 week survey asks about the whole case, not one officer's contact.
            let survey = officer?.sourceCode == FeedbackInvitation.Source.survey.rawValue
            let subject = text.t(survey ? "survey.subject" : "feedback.subject")
            let context = ShortContext(
                lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", subject: subject,
                greeting: text.t("greeting", ["name": person.givenName]),
                paragraphs: [
                    text.t(
                        survey ? "survey.invite" : "feedback.invite",
                        ["officer": officer?.officerName ?? "", "days": String(links.feedbackDays)])
                ], link: carriedURL, linkText: text.t("feedback.button"), footer: text.t("footer"),
                version: text.version)
            return try await render(context, subject: subject, language: text.language.code, secrets: secrets)
        }
        if let kind = VideoBookingService.Telling(purpose: purpose) {
            return try await videoCall(
                message, kind, person: person, text: text, link: carriedURL, secrets: secrets, on: db)
        }
        if purpose == .identification {
            let subject = text.t("identification.subject")
            let context = ShortContext(
                lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", subject: subject,
                greeting: text.t("greeting", ["name": person.givenName]),
                paragraphs: [text.t("identification.invite", ["days": String(links.identificationDays)])],
                link: carriedURL, linkText: text.t("identification.button"), footer: text.t("footer"),
                version: text.version)
            return try await render(context, subject: subject, language: text.language.code, secrets: secrets)
        }
        let crime = try await facts.map(\.crime).asyncOr { try await CrimeService.find(victim.$crime.id, on: db) }
        let related = facts?.related
        let officer = try await related.map(\.officer).asyncOr {
            try await crime.$officerInCase.id.asyncFlatMap { try await User.find($0, on: db) }
        }
        let unit = try await related.map(\.unit).asyncOr { try await CommandUnit.find(crime.$commandUnit.id, on: db) }
        let subject =
            purpose == .confirmation
            ? text.t("confirmation.subject", ["reference": crime.reference]) : text.t("leaflet.subject")
        let officerName =
            officer.map { "\($0.rank.map { $0 + " " } ?? "")\($0.displayName)" } ?? text.t("officer.not_allocated")
        let isCaseLink = carried?.link.purpose == .track
        let context = ReportContext(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", subject: subject,
            greeting: text.t("greeting", ["name": person.givenName]), confirmation: purpose == .confirmation,
            recorded: text.t("confirmation.recorded"),
            details: [
                .init(label: text.t("label.reference"), value: crime.reference),
                .init(label: text.t("label.offence"), value: crime.offenceDescription),
                .init(label: text.t("label.reported"), value: Display.time(crime.reportedAt)),
                .init(
                    label: text.t("label.officer"),
                    value: [officerName, unit?.name].compactMap { $0 }.joined(separator: ", ")),
            ],
            contactLine: text.t("contact_line"), caseLine: isCaseLink ? text.t("case.line") : nil,
            caseLink: isCaseLink ? carriedURL : nil, rightsHeading: text.t("rights.heading"), rights: text.rights,
            support: text.t("support"), complaint: text.t("complaint"), footer: text.t("footer"),
            version: text.version,
            leafletLink: isCaseLink
                ? "\(publicURL)/leaflet?lang=\(text.language.code)"
                : carriedURL ?? "\(publicURL)/leaflet?lang=\(text.language.code)")
        let view = try await app.view.render("Messages/report", context)
        return Composed(
            subject: subject, text: context.plainText, html: String(buffer: view.data), language: text.language.code,
            secrets: secrets)
    }

    /// Six digits for the case page, stored as a hash on the case link, valid for a few minutes.
    private func oneTimeCode(_ message: OutboundMessage, on db: any Database) async throws -> Composed {
        guard let linkID = message.linkID, let link = try await VictimLink.find(linkID, on: db) else {
            throw ProviderError.permanent("the code's case page link is gone")
        }
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        link.codeHash = CaseAccess.codeHash(code, linkID: linkID)
        link.codeExpiresAt = Date().addingTimeInterval(Double(links.codeMinutes) * 60)
        try await link.save(on: db)
        if message.channel == .sms {
            return Composed(
                subject: "", text: SafetyGate.smsCodeBody(code: code, minutes: links.codeMinutes), html: nil,
                language: "en", secrets: [code])
        }
        let victim = try await VictimService.find(message.$victim.id, on: db)
        let person = try await Person.find(victim.$person.id, on: db)
        let text = LeafletText(translations, person?.language)
        let subject = text.t("code.subject")
        let context = ShortContext(
            lang: text.language.code, dir: text.language.rightToLeft ? "rtl" : "ltr", subject: subject,
            greeting: text.t("greeting", ["name": person?.givenName ?? ""]),
            paragraphs: [text.t("code.text", ["code": code, "minutes": String(links.codeMinutes)])], link: nil,
            linkText: nil, footer: text.t("footer"), version: text.version)
        return try await render(context, subject: subject, language: text.language.code, secrets: [code])
    }

    func render(_ context: ShortContext, subject: String, language: String, secrets: [String]) async throws
        -> Composed
    {
        let view = try await app.view.render("Messages/short", context)
        return Composed(
            subject: subject, text: context.plainText, html: String(buffer: view.data), language: language,
            secrets: secrets)
    }
}
