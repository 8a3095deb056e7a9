import Fluent
import Foundation
import NIOCore
import Vapor
import VictimCareDomain

/// Renders a message just before it is sent, from what is true then, in the victim's language: the HTML part
/// from a Leaf template with a typed context, the plain-text part from the same context. Text messages are only
/// ever the fixed, anonymous line the safety gate allows.
struct MessageComposer: Sendable {
    let app: Application
    let publicURL: String
    let translations: Translations

    struct Composed: Sendable {
        var subject: String
        var text: String
        var html: String?
        /// The language the words are in: the victim's if the catalogue has it, else English.
        var language: String
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
        var rightsHeading: String
        var rights: [LeafletText.Right]
        var support: String
        var complaint: String
        var footer: String
        var version: String
        /// The leaflet's page in the same language.
        var leafletLink: String

        var plainText: String {
            var lines = [greeting, ""]
            if confirmation {
                lines += [recorded, ""] + details.map { "\($0.label): \($0.value)" } + [contactLine, ""]
            }
            lines += [rightsHeading, ""] + rights.map { "\($0.number). \($0.title) \($0.text)" }
            lines += ["", leafletLink, "", support, "", complaint, "", footer, version]
            return lines.joined(separator: "\n")
        }
    }

    func compose(_ message: OutboundMessage, on db: any Database) async throws -> Composed {
        guard let purpose = MessagePurpose(rawValue: message.purpose) else {
            throw ProviderError.permanent("unknown message purpose")
        }
        if message.channel == .sms {
            return Composed(subject: "", text: SafetyGate.smsBody(link: publicURL + "/"), html: nil, language: "en")
        }
        let victim = try await VictimService.find(message.$victim.id, on: db)
        guard let person = try await Person.find(victim.$person.id, on: db) else {
            throw DomainError.notFound("person")
        }
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let officer = try await crime.$officerInCase.id.asyncFlatMap { try await User.find($0, on: db) }
        let unit = try await CommandUnit.find(crime.$commandUnit.id, on: db)
        let text = LeafletText(translations, person.language)
        let subject =
            purpose == .confirmation
            ? text.t("confirmation.subject", ["reference": crime.reference]) : text.t("leaflet.subject")
        let officerName =
            officer.map { "\($0.rank.map { $0 + " " } ?? "")\($0.displayName)" } ?? text.t("officer.not_allocated")
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
            contactLine: text.t("contact_line"), rightsHeading: text.t("rights.heading"), rights: text.rights,
            support: text.t("support"), complaint: text.t("complaint"), footer: text.t("footer"),
            version: text.version, leafletLink: "\(publicURL)/leaflet?lang=\(text.language.code)")
        let view = try await app.view.render("Messages/report", context)
        return Composed(
            subject: subject, text: context.plainText, html: String(buffer: view.data), language: text.language.code)
    }
}
