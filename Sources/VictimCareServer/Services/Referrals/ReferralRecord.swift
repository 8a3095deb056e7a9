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

    /// The record as one CSV line and its line break, appended to `out`.
    func appendCSVLine(to out: inout [UInt8]) {
        let fields = [
            referralID, givenName, familyName, phone ?? "", email ?? "", preferredContact ?? "", preferredTimes ?? "",
            language, interpreterNeeded ? "yes" : "no", assessed ? "yes" : "no", enhanced ? "yes" : "no",
            enhancedGrounds.joined(separator: ";"), offenceGroup, commandUnit,
        ]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: CSV.field(field).utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }

    enum CodingKeys: String, CodingKey {
        case referralID = "referral_id", givenName = "given_name", familyName = "family_name", phone, email
        case preferredContact = "preferred_contact", preferredTimes = "preferred_times", language
        case interpreterNeeded = "interpreter_needed", assessed = "needs_assessed", enhanced = "enhanced_rights"
        case enhancedGrounds = "enhanced_grounds", offenceGroup = "offence_group", commandUnit = "command_unit"
    }

    /// The record with the schema version and batch id in front, as one JSON object and a newline, appended to
    /// `out`. Written directly rather than through `JSONEncoder` (which builds a tree of boxed values for every
    /// line): the same bytes as `JSONEncoder` with sorted keys and unescaped slashes, absent values left out
    /// (ReferralRecordTests holds the two equal for names in other scripts and every control character).
    func appendJSONLine(batchID: String, to json: inout JSONLines) {
        json.begin()
        json.string("batch_id", batchID)
        json.string("command_unit", commandUnit)
        if let email { json.string("email", email) }
        json.strings("enhanced_grounds", enhancedGrounds)
        json.bool("enhanced_rights", enhanced)
        json.string("family_name", familyName)
        json.string("given_name", givenName)
        json.bool("interpreter_needed", interpreterNeeded)
        json.string("language", language)
        json.bool("needs_assessed", assessed)
        json.string("offence_group", offenceGroup)
        if let phone { json.string("phone", phone) }
        if let preferredContact { json.string("preferred_contact", preferredContact) }
        if let preferredTimes { json.string("preferred_times", preferredTimes) }
        json.string("referral_id", referralID)
        json.string("schema", ReferralExport.schemaVersion)
        json.end()
    }

    /// What a record names by code, read once for a whole export rather than joined for every member: each command
    /// unit's code by id and each offence's group by code (small tables; on SQLite the two joins were a quarter of
    /// a page's reading).
    struct Names: Sendable {
        var units: [UUID: String] = [:]
        var offenceGroups: [String: String] = [:]

        static func load(on sql: any SQLDatabase) async throws -> Names {
            var names = Names()
            for row in try await FastRows.query("SELECT id, code FROM command_units", [], on: sql) {
                if let id = row.uuid(0), let code = row.string(1) { names.units[id] = code }
            }
            for row in try await FastRows.query("SELECT code, offence_group FROM offences", [], on: sql) {
                if let code = row.string(0), let group = row.string(1) { names.offenceGroups[code] = group }
            }
            return names
        }
    }

    /// The batch's members whose referral ids lie from `first` through `last`, in referral-id order: a range of the
    /// batch's (batch_id, id) index, not a list of ids to send and parse. A member withdrawn while the batch waited
    /// to be delivered (the Witness Care Unit referred them at charge) is left out: they are referred once.
    static func members(
        batchID: UUID, from first: UUID, through last: UUID, names: Names, on sql: any SQLDatabase
    ) async throws -> [ReferralRecord] {
        try await records(
            where: "r.batch_id = ? AND r.id >= ? AND r.id <= ? AND r.status <> 'withdrawn' ORDER BY r.id",
            [.uuid(batchID), .uuid(first), .uuid(last)], names: names, on: sql)
    }

    /// A batch's referral ids in order, `limit` after `after`: a range of the (batch_id, id) index.
    static func memberIDs(batchID: UUID, after: UUID?, limit: Int, on sql: any SQLDatabase) async throws -> [UUID] {
        var binds: [SQLCell] = [.uuid(batchID)]
        if let after { binds.append(.uuid(after)) }
        return try await FastRows.query(
            "SELECT id FROM referrals WHERE batch_id = ? \(after == nil ? "" : "AND id > ?") ORDER BY id LIMIT ?",
            binds + [.int(limit)], on: sql
        ).compactMap { $0.uuid(0) }
    }

    /// One referral as the service receives it (the Witness Care Unit's form).
    static func one(_ referralID: UUID, on sql: any SQLDatabase) async throws -> ReferralRecord? {
        try await records(where: "r.id = ?", [.uuid(referralID)], names: Names.load(on: sql), on: sql).first
    }

    private static func records(
        where clause: String, _ binds: [SQLCell], names: Names, on sql: any SQLDatabase
    ) async throws -> [ReferralRecord] {
        let columns = """
            p.id, p.given_name, p.family_name, p.preferred_contact, p.preferred_times, p.language,
            v.interpreter_needed, v.vna_completed_at, v.enhanced, v.grounds, c.offence_code, c.command_unit_id
            """
        let joins = "JOIN persons p ON p.id = v.person_id JOIN crimes c ON c.id = v.crime_id"
        // PostgreSQL, given a page of a few thousand members of a table of a hundred thousand, scans the whole
        // victims table into a hash each page (43 ms a page at 116,742 victims, and growing with the table); looked
        // up member by member (`OFFSET 0` keeps the planner from flattening the lateral join) it is a page's own work.
        let text =
            sql.dialect.name == "postgresql"
            ? """
            SELECT r.id, x.* FROM referrals r CROSS JOIN LATERAL (
                SELECT \(columns) FROM victims v \(joins) WHERE v.id = r.victim_id OFFSET 0) x
            WHERE \(clause)
            """
            : "SELECT r.id, \(columns) FROM referrals r JOIN victims v ON v.id = r.victim_id \(joins) WHERE \(clause)"
        let rows = try await FastRows.query(text, binds, on: sql)
        guard !rows.isEmpty else { return [] }
        let people = rows.compactMap { $0.uuid(1) }
        var phones: [UUID: String] = [:]
        var emails: [UUID: String] = [:]
        for point in try await FastRows.query(
            """
            SELECT person_id, kind, value FROM contact_points
            WHERE person_id IN (\(FastRows.placeholders(people.count))) AND safe = ?
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
                offenceGroup: row.string(11).flatMap { names.offenceGroups[$0] } ?? "",
                commandUnit: row.uuid(12).flatMap { names.units[$0] } ?? "")
        }
    }
}

/// JSON objects written one per line into a byte buffer, members in the order given (callers give them sorted).
struct JSONLines {
    var bytes: [UInt8] = []
    private var first = true

    mutating func begin() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func end() {
        bytes.append(contentsOf: "}\n".utf8)
    }

    mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: "\":".utf8)
    }

    mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        JSONText.quote(value, into: &bytes)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func strings(_ name: StaticString, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONText.quote(value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
