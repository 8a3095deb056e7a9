import Fluent
import Foundation
import SQLKit
import VictimCareDomain

extension PersonService {
    /// A person's page: details, names, contact points, and every event they are in (repeat victimisation).
    struct Detail: Sendable {
        var person: Person
        var aliases: [PersonAlias]
        var contactPoints: [ContactPoint]
        var events: [Event]
        /// `nil` when the actor may not read self-declared characteristics.
        var characteristics: Characteristics?
        /// The units that hold the person, against which changes are checked.
        var scope: RecordScope

        struct Event: Sendable, Decodable {
            var link_id: UUID
            var crime_id: UUID
            var reference: String
            var offence_description: String
            var reported_at: Date
            var role: String
            var command_unit_id: UUID
            var unit_code: String
        }

        /// Events in which the person was a victim, reported within the last `days` days.
        func victimEvents(withinDays days: Int, of now: Date = Date()) -> [Event] {
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            return events.filter { $0.role == PersonRole.victim.rawValue && $0.reported_at >= cutoff }
        }
    }

    static func detail(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Detail {
        let person = try await find(id, on: db)
        let scope = try await scope(of: id, context: context, on: db)
        try await AccessGuard.check(.viewPerson, "person", id, scope: scope, context: context, on: db)
        try await AuditLog.record(.view, "person", id, context: context, on: db)
        let aliases = try await PersonAlias.query(on: db).filter(\.$person.$id == id).sort(\.$createdAt).all()
        let points = try await ContactPoint.query(on: db).filter(\.$person.$id == id).sort(\.$createdAt).all()
        var events: [Detail.Event] = []
        if let sql = db as? any SQLDatabase {
            events = try await sql.raw(
                """
                SELECT cp.id AS link_id, c.id AS crime_id, c.reference, c.offence_description, c.reported_at, cp.role,
                       c.command_unit_id, u.code AS unit_code
                FROM crime_persons cp JOIN crimes c ON c.id = cp.crime_id JOIN command_units u ON u.id = c.command_unit_id
                WHERE cp.person_id = \(bind: id) ORDER BY c.reported_at DESC
                """
            ).all(decoding: Detail.Event.self)
        }
        let characteristics =
            AccessPolicy.grants(context.actor, .viewProtectedCharacteristics) ? person.characteristics : nil
        return Detail(
            person: person, aliases: aliases, contactPoints: points, events: events, characteristics: characteristics,
            scope: scope)
    }

    /// A person's details for their edit form, audited as a view; `outsideUnit`: each change needs a reason.
    static func loadForEdit(_ id: UUID, context: AccessContext, on db: any Database) async throws
        -> (person: Person, outsideUnit: Bool)
    {
        let person = try await find(id, on: db)
        let outside = try await AccessGuard.checkForm(
            .editPerson, reading: .viewPerson, "person", id, scope: try await scope(of: id, context: context, on: db),
            context: context, on: db)
        try await AuditLog.record(.view, "person", id, summary: "edit form", context: context, on: db)
        return (person, outside)
    }

    /// Adds a phone, email or address, marked safe or not safe, with a note (e.g. "suspect knows this number").
    static func addContactPoint(
        personID: UUID, kind rawKind: String?, value rawValue: String?, safe rawSafe: String?, note rawNote: String?,
        context: AccessContext, on db: any Database
    ) async throws -> ContactPoint {
        _ = try await find(personID, on: db)
        try await AccessGuard.check(
            .editPerson, "person", personID, scope: try await scope(of: personID, context: context, on: db),
            context: context, on: db)
        var v = Validator()
        let kind = v.requiredCode(rawKind, "kind", "the kind of contact point", as: ContactPointKind.self)
        var value = v.required(rawValue, "value", "the phone number, email or address", max: 300)
        if !value.isEmpty, let kind {
            switch kind {
            case .phone:
                if let phone = Normalise.phone(value) {
                    value = phone
                } else {
                    v.fail("value", "Phone number must be 7 to 16 digits, like 07700 900123")
                }
            case .email:
                if let email = Normalise.email(value) {
                    value = email
                } else {
                    v.fail("value", "Email address must look like name@example.com")
                }
            case .address:
                break
            }
        }
        guard let safe = v.flag(rawSafe, "safe", "safe to use") else {
            if v.isValid { v.fail("safe", "Say whether this contact point is safe to use") }
            try v.check()
            throw DomainError.invalid("safe", "Say whether this contact point is safe to use")
        }
        let note = v.optional(rawNote, "note", "the note", max: 500)
        try v.check()
        let point = ContactPoint(personID: personID, kind: kind!, value: value, safe: safe, note: note)
        try await db.transaction { tx in
            try await point.create(on: tx)
            try await LinkageService.enqueue(personID, on: tx)
            try await AuditLog.record(
                .create, "contact_point", point.id, summary: "\(kind!.rawValue) for person \(personID), safe \(safe)",
                context: context, on: tx)
        }
        return point
    }

    /// Marks a contact point safe or not safe (the thing that decides whether anything may be sent to it).
    static func setContactPointSafety(
        personID: UUID, pointID: UUID, safe rawSafe: String?, note rawNote: String?, context: AccessContext,
        on db: any Database
    ) async throws {
        try await AccessGuard.check(
            .editPerson, "person", personID, scope: try await scope(of: personID, context: context, on: db),
            context: context, on: db)
        guard
            let point = try await ContactPoint.query(on: db).filter(\.$id == pointID).filter(\.$person.$id == personID)
                .first()
        else {
            throw DomainError.notFound("contact point")
        }
        var v = Validator()
        let safe = v.flag(rawSafe, "safe", "safe to use")
        if safe == nil, v.isValid { v.fail("safe", "Say whether this contact point is safe to use") }
        let note = v.optional(rawNote, "note", "the note", max: 500)
        try v.check()
        try await db.transaction { tx in
            point.safe = safe!
            point.note = note
            try await point.save(on: tx)
            try await AuditLog.record(
                .update, "contact_point", pointID, summary: "safe \(safe!)", context: context, on: tx)
        }
    }

    static func addAlias(
        personID: UUID, givenName: String?, familyName: String?, context: AccessContext, on db: any Database
    ) async throws -> PersonAlias {
        _ = try await find(personID, on: db)
        try await AccessGuard.check(
            .editPerson, "person", personID, scope: try await scope(of: personID, context: context, on: db),
            context: context, on: db)
        var v = Validator()
        let given = v.required(givenName, "aliasGivenName", "the alias's given name", max: 100)
        let family = v.required(familyName, "aliasFamilyName", "the alias's family name", max: 100)
        try v.check()
        let alias = PersonAlias(personID: personID, givenName: given, familyName: family)
        try await db.transaction { tx in
            try await alias.create(on: tx)
            try await AuditLog.record(
                .create, "person_alias", alias.id, summary: "for person \(personID)", context: context, on: tx)
        }
        return alias
    }

    /// One person found by a search. Outside the actor's reach it is a match only (name, year of birth, the
    /// units that hold them) until a reason opens the record (2026-11-30, issue 12).
    struct Match: Sendable {
        var id: UUID
        var givenName: String
        var familyName: String
        /// The full date only within reach.
        var dateOfBirth: String?
        var yearOfBirth: Int?
        var unitCodes: [String]
        var withinReach: Bool
    }

    private struct SearchRow: Decodable {
        var id: UUID
        var given_name: String
        var family_name: String
        var date_of_birth: String?
    }

    /// People by name (and date of birth), force-wide: one POLE record per person, found before a duplicate
    /// is made. Every search is audited with its terms, and every person it shows as a view.
    static func search(name: String?, dateOfBirth: String?, context: AccessContext, on db: any Database) async throws
        -> [Match]
    {
        try AccessGuard.require(.searchPeople, context)
        var v = Validator()
        let text = v.required(name, "name", "a name to search for", max: 200)
        let dob = v.date(dateOfBirth, "dateOfBirth", "date of birth")
        try v.check()
        guard let (family, given) = CrimeService.nameKeys(text), let sql = db as? any SQLDatabase else { return [] }
        var query: SQLQueryString = """
            SELECT p.id, p.given_name, p.family_name, p.date_of_birth FROM persons p
            WHERE (p.family_name_key = \(bind: family) OR p.id IN (SELECT a.person_id FROM person_aliases a WHERE a.family_name_key = \(bind: family)))
            """
        if let given {
            query =
                "\(query) AND p.given_name_key >= \(bind: given) AND p.given_name_key < \(bind: CrimeService.prefixUpperBound(given))"
        }
        if let dob { query = "\(query) AND p.date_of_birth = \(bind: dob.description)" }
        query = "\(query) ORDER BY p.family_name_key, p.given_name_key LIMIT 50"
        let rows = try await sql.raw(query).all(decoding: SearchRow.self)
        let units = try await unitsOf(rows.map(\.id), on: db)
        let matches = rows.map { row in
            let held = units[row.id] ?? []
            let decision = AccessPolicy.decide(
                context.actor, .viewPerson, on: RecordScope(commandUnitIDs: Set(held.map(\.id))))
            let within = decision == .allowed || context.grantedRecords.contains(row.id)
            return Match(
                id: row.id, givenName: row.given_name, familyName: row.family_name,
                dateOfBirth: within ? row.date_of_birth : nil,
                yearOfBirth: row.date_of_birth.flatMap(LocalDate.init)?.year,
                unitCodes: Array(Set(held.map(\.code))).sorted(), withinReach: within)
        }
        let terms = [text, dob?.description].compactMap { $0 }.joined(separator: ", ")
        try await AuditLog.recordSearch("person", terms: terms, results: matches.count, context: context, on: db)
        try await AuditLog.recordViews(
            "person", matches.filter(\.withinReach).map(\.id), summary: "person search result", context: context, on: db
        )
        try await AuditLog.recordViews(
            "person", matches.filter { !$0.withinReach }.map(\.id), summary: "person search match only (name, year)",
            context: context, on: db)
        return matches
    }

    struct UnitRef: Sendable, Decodable {
        var id: UUID
        var code: String
    }

    /// The units that hold each person: their crimes' units and the unit that recorded them.
    static func unitsOf(_ ids: [UUID], on db: any Database) async throws -> [UUID: [UnitRef]] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        struct Row: Decodable {
            var person_id: UUID
            var id: UUID
            var code: String
        }
        let binds = ids as [any Encodable & Sendable]
        let rows = try await sql.raw(
            """
            SELECT cp.person_id AS person_id, u.id AS id, u.code AS code
            FROM crime_persons cp JOIN crimes c ON c.id = cp.crime_id JOIN command_units u ON u.id = c.command_unit_id
            WHERE cp.person_id IN (\(binds: binds))
            UNION SELECT p.id AS person_id, u.id AS id, u.code AS code
            FROM persons p JOIN command_units u ON u.id = p.home_command_unit_id WHERE p.id IN (\(binds: binds))
            """
        ).all(decoding: Row.self)
        return Dictionary(grouping: rows, by: \.person_id).mapValues { $0.map { UnitRef(id: $0.id, code: $0.code) } }
    }
}
