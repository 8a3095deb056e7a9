import Foundation
import SQLKit
import VictimCareDomain

/// One victim as the support service receives them: only what it needs to offer support (schema version 1,
/// documented in docs/referral-schema.md). Names, the safe contact points only, how and when to contact,
/// language and interpreter need, the needs-assessment outcome, enhanced rights and the offence group. No
/// narrative, no address unless it is a safe contact point, no crime reference, no suspect.
struct ReferralRecord: Sendable, Encodable {
    var referralID: String
    var givenName: String
    var familyName: String
    var phone: String?
    var email: String?
    var preferredContact: String?
    var preferredTimes: String?
    var language: String
    var interpreterNeeded: Bool
    var assessed: Bool
    var enhanced: Bool
    var enhancedGrounds: [String]
    var offenceGroup: String
    var commandUnit: String

    static let csvHeader =
        "referral_id,given_name,family_name,phone,email,preferred_contact,preferred_times,language,interpreter_needed,needs_assessed,enhanced_rights,enhanced_grounds,offence_group,command_unit"

    var csvLine: String {
        [
            referralID, givenName, familyName, phone ?? "", email ?? "", preferredContact ?? "", preferredTimes ?? "",
            language, interpreterNeeded ? "yes" : "no", assessed ? "yes" : "no", enhanced ? "yes" : "no",
            enhancedGrounds.joined(separator: ";"), offenceGroup, commandUnit,
        ].map(CSV.field).joined(separator: ",")
    }

    enum CodingKeys: String, CodingKey {
        case referralID = "referral_id", givenName = "given_name", familyName = "family_name", phone, email
        case preferredContact = "preferred_contact", preferredTimes = "preferred_times", language
        case interpreterNeeded = "interpreter_needed", assessed = "needs_assessed", enhanced = "enhanced_rights"
        case enhancedGrounds = "enhanced_grounds", offenceGroup = "offence_group", commandUnit = "command_unit"
    }

    /// The record with the schema version and batch id in front, as one JSON object.
    private struct Line: Encodable {
        var batchID: UUID
        var record: ReferralRecord

        enum Keys: String, CodingKey { case schema, batchID = "batch_id" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(ReferralExport.schemaVersion, forKey: .schema)
            try container.encode(batchID.uuidString.lowercased(), forKey: .batchID)
            try record.encode(to: encoder)
        }
    }

    func jsonLine(batchID: UUID) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(
            decoding: (try? encoder.encode(Line(batchID: batchID, record: self))) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The batch's members in referral-id order, `limit` at a time after `after` (keyset paging: memory stays
    /// flat however large the batch).
    static func page(batchID: UUID, after: String, limit: Int, on sql: any SQLDatabase) async throws
        -> [ReferralRecord]
    {
        var binds: [SQLCell] = [.uuid(batchID)]
        var afterClause = ""
        if let last = FastRows.uuid(after) {
            afterClause = "AND r.id > ?"
            binds.append(.uuid(last))
        }
        binds.append(.int(limit))
        return try await records(where: "r.batch_id = ? \(afterClause) ORDER BY r.id LIMIT ?", binds, on: sql)
    }

    /// One referral as the service receives it (the Witness Care Unit's form).
    static func one(_ referralID: UUID, on sql: any SQLDatabase) async throws -> ReferralRecord? {
        try await records(where: "r.id = ?", [.uuid(referralID)], on: sql).first
    }

    private static func records(where clause: String, _ binds: [SQLCell], on sql: any SQLDatabase) async throws
        -> [ReferralRecord]
    {
        let rows = try await FastRows.query(
            """
            SELECT r.id, p.id, p.given_name, p.family_name, p.preferred_contact, p.preferred_times, p.language,
                   v.interpreter_needed, v.vna_completed_at, v.enhanced, v.grounds, o.offence_group, u.code
            FROM referrals r JOIN victims v ON v.id = r.victim_id JOIN persons p ON p.id = v.person_id
            JOIN crimes c ON c.id = v.crime_id JOIN command_units u ON u.id = c.command_unit_id
            LEFT JOIN offences o ON o.code = c.offence_code
            WHERE \(clause)
            """, binds, on: sql)
        guard !rows.isEmpty else { return [] }
        let people = rows.compactMap { $0.uuid(1) }
        var phones: [UUID: String] = [:]
        var emails: [UUID: String] = [:]
        for point in try await FastRows.query(
            """
            SELECT person_id, kind, value FROM contact_points
            WHERE person_id IN (\(Array(repeating: "?", count: people.count).joined(separator: ", "))) AND safe = ?
            ORDER BY created_at
            """, people.map(SQLCell.uuid) + [.bool(true)], on: sql)
        {
            guard let person = point.uuid(0), let value = point.string(2) else { continue }
            switch point.string(1) {
            case ContactPointKind.phone.rawValue where phones[person] == nil: phones[person] = value
            case ContactPointKind.email.rawValue where emails[person] == nil: emails[person] = value
            default: break
            }
        }
        return rows.map { row in
            let person = row.uuid(1)!
            return ReferralRecord(
                referralID: row.uuid(0)!.uuidString.lowercased(), givenName: row.string(2) ?? "",
                familyName: row.string(3) ?? "", phone: phones[person], email: emails[person],
                preferredContact: row.string(4), preferredTimes: row.string(5), language: row.string(6) ?? "en",
                interpreterNeeded: row.bool(7), assessed: row.date(8) != nil, enhanced: row.bool(9),
                enhancedGrounds: (row.string(10) ?? "").split(separator: ",").map(String.init),
                offenceGroup: row.string(11) ?? "", commandUnit: row.string(12) ?? "")
        }
    }
}
