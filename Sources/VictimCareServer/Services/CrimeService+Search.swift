import Fluent
import Foundation
import SQLKit
import VictimCareDomain

extension CrimeService {
    /// Search terms as typed. Every term narrows the result; none at all lists the newest crimes.
    struct SearchTerms: Sendable {
        var reference: String?
        var name: String?
        var postcode: String?
        var from: String?
        var to: String?
        var commandUnit: String?
        var officerInCase: UUID?
        var page: Int = 1
    }

    struct SearchRow: Sendable, Decodable {
        var id: UUID
        var reference: String
        var offence_description: String
        var reported_at: Date
        var status: String
        var command_unit_id: UUID
        var unit_code: String
        var unit_name: String
    }

    struct SearchResult: Sendable {
        var rows: [SearchRow]
        /// Victims' names by crime id, only for crimes the actor may open without a reason.
        var victimNames: [UUID: [String]]
        var page: Int
        var hasNextPage: Bool
        /// The people those names belong to (audited as seen).
        var namedPeople: [UUID] = []
    }

    static let pageSize = 25

    /// Finds crimes by reference prefix, person name (family name, optionally with given name), postcode prefix,
    /// reporting date range and unit. Results list crimes force-wide; opening one outside the unit needs a reason.
    /// Every search is audited with its terms, and every victim it names as a view of that person.
    static func search(_ terms: SearchTerms, context: AccessContext, on db: any Database) async throws -> SearchResult {
        let result = try await rows(terms, context: context, on: db)
        let described = [
            terms.reference.map { "reference \($0)" }, terms.name.map { "name \($0)" },
            terms.postcode.map { "postcode \($0)" }, terms.from.map { "from \($0)" }, terms.to.map { "to \($0)" },
            terms.commandUnit.map { "unit \($0)" }, terms.officerInCase.map { "officer in case \($0)" },
            "page \(terms.page)",
        ].compactMap { $0 }.joined(separator: ", ")
        try await AuditLog.recordSearch("crime", terms: described, results: result.rows.count, context: context, on: db)
        try await AuditLog.recordViews(
            "person", result.namedPeople, summary: "victim named in crime search results", context: context, on: db)
        return result
    }

    private static func rows(_ terms: SearchTerms, context: AccessContext, on db: any Database) async throws
        -> SearchResult
    {
        try AccessGuard.require(.searchCrimes, context)
        var v = Validator()
        let reference = v.optional(terms.reference, "reference", "the reference", max: 32).map { $0.uppercased() }
        let name = v.optional(terms.name, "name", "the name", max: 200)
        let postcode = v.optional(terms.postcode, "postcode", "the postcode", max: 10).map(Normalise.postcodeKey)
        let from = v.date(terms.from, "from", "the from date", anyYear: true)
        let to = v.date(terms.to, "to", "the to date", anyYear: true)
        if let from, let to, to < from { v.fail("to", "The to date must be on or after the from date") }
        var unitID: UUID?
        if let code = v.optional(terms.commandUnit, "commandUnit", "the command unit", max: 40) {
            if let unit = try await OrganisationService.unit(codeOrID: code, on: db) {
                unitID = unit.id
            } else {
                v.fail("commandUnit", "Command unit \(code) does not exist")
            }
        }
        if terms.page < 1 || terms.page > 400 { v.fail("page", "Page must be between 1 and 400") }
        try v.check()
        guard let sql = db as? any SQLDatabase else {
            return SearchResult(rows: [], victimNames: [:], page: 1, hasNextPage: false)
        }
        // The commonest search, by name alone (perhaps with dates), runs straight off the name index.
        if let name, let keys = nameKeys(name), reference == nil, postcode == nil, unitID == nil,
            terms.officerInCase == nil
        {
            let ids = try await crimeIDsByName(
                family: keys.0, given: keys.1, from: from, to: to, page: terms.page, on: sql)
            let rows = try await crimeRows(ids, on: sql)
            let page = Array(rows.prefix(pageSize))
            return try await result(page, hasNext: rows.count > pageSize, page: terms.page, context: context, on: sql)
        }

        var query = sql.select()
            .column(SQLColumn("id", table: "c"))
            .column(SQLColumn("reference", table: "c"))
            .column(SQLColumn("offence_description", table: "c"))
            .column(SQLColumn("reported_at", table: "c"))
            .column(SQLColumn("status", table: "c"))
            .column(SQLColumn("command_unit_id", table: "c"))
            .column(SQLAlias(SQLColumn("code", table: "u"), as: SQLIdentifier("unit_code")))
            .column(SQLAlias(SQLColumn("name", table: "u"), as: SQLIdentifier("unit_name")))
            .from(SQLAlias(SQLIdentifier("crimes"), as: SQLIdentifier("c")))
            .join(
                SQLAlias(SQLIdentifier("command_units"), as: SQLIdentifier("u")), on: SQLColumn("id", table: "u"),
                .equal, SQLColumn("command_unit_id", table: "c"))
        if let reference, !reference.isEmpty {
            query = query.where(SQLColumn("reference", table: "c"), .greaterThanOrEqual, SQLBind(reference))
                .where(SQLColumn("reference", table: "c"), .lessThan, SQLBind(prefixUpperBound(reference)))
        }
        if let name, let (family, given) = nameKeys(name) {
            var people: SQLQueryString = "SELECT p.id FROM persons p WHERE p.family_name_key = \(bind: family)"
            if let given {
                people =
                    "\(people) AND p.given_name_key >= \(bind: given) AND p.given_name_key < \(bind: prefixUpperBound(given))"
            }
            query = query.where(
                SQLQueryString(
                    """
                    c.id IN (SELECT cp.crime_id FROM crime_persons cp WHERE cp.person_id IN (\(people)
                    UNION SELECT a.person_id FROM person_aliases a WHERE a.family_name_key = \(bind: family)))
                    """))
        }
        if let postcode, !postcode.isEmpty {
            query = query.where(
                SQLQueryString(
                    """
                    c.id IN (SELECT cl.crime_id FROM crime_locations cl JOIN locations l ON l.id = cl.location_id
                    WHERE l.postcode_key >= \(bind: postcode) AND l.postcode_key < \(bind: prefixUpperBound(postcode)))
                    """))
        }
        if let from {
            query = query.where(
                SQLColumn("reported_at", table: "c"), .greaterThanOrEqual, SQLBind(London.startOfDay(from)))
        }
        if let to {
            query = query.where(
                SQLColumn("reported_at", table: "c"), .lessThan, SQLBind(London.startOfDay(to.adding(days: 1))))
        }
        if let unitID { query = query.where(SQLColumn("command_unit_id", table: "c"), .equal, SQLBind(unitID)) }
        if let officer = terms.officerInCase {
            query = query.where(SQLColumn("officer_in_case_id", table: "c"), .equal, SQLBind(officer))
        }
        let rows =
            try await query
            .orderBy(SQLColumn("reported_at", table: "c"), SQLDirection.descending)
            .limit(pageSize + 1)
            .offset((terms.page - 1) * pageSize)
            .all(decoding: SearchRow.self)
        return try await result(
            Array(rows.prefix(pageSize)), hasNext: rows.count > pageSize, page: terms.page, context: context, on: sql)
    }

    private static func result(
        _ page: [SearchRow], hasNext: Bool, page number: Int, context: AccessContext, on sql: any SQLDatabase
    ) async throws -> SearchResult {
        let visible = page.filter {
            AccessPolicy.decide(context.actor, .viewCrime, on: RecordScope(commandUnitIDs: [$0.command_unit_id]))
                == .allowed
        }
        let named = try await victimNames(of: visible.map(\.id), on: sql)
        return SearchResult(
            rows: page, victimNames: named.mapValues { $0.map(\.name) }, page: number, hasNextPage: hasNext,
            namedPeople: named.values.flatMap { $0.map(\.person) })
    }

    /// Crimes with a person of this name (or an alias of it), newest first: the ids for one page, plus one more
    /// to tell whether there is a next page. Links copy the name keys and report time, so the index on
    /// (family name, reported) yields the newest matches without touching the others.
    private static func crimeIDsByName(
        family: String, given: String?, from: LocalDate?, to: LocalDate?, page: Int, on sql: any SQLDatabase
    ) async throws -> [UUID] {
        struct Match: Decodable {
            var crime_id: UUID
            var reported_at: Date
        }
        let wanted = page * pageSize + 1
        var linked: SQLQueryString =
            "SELECT cp.crime_id, cp.reported_at FROM crime_persons cp WHERE cp.family_name_key = \(bind: family)"
        if let given {
            linked +=
                " AND cp.given_name_key >= \(bind: given) AND cp.given_name_key < \(bind: prefixUpperBound(given))"
        }
        var aliased: SQLQueryString = """
            SELECT cp.crime_id, cp.reported_at FROM person_aliases a JOIN crime_persons cp ON cp.person_id = a.person_id
            WHERE a.family_name_key = \(bind: family)
            """
        if let given {
            aliased += " AND a.given_name_key >= \(bind: given) AND a.given_name_key < \(bind: prefixUpperBound(given))"
        }
        if let from {
            linked += " AND cp.reported_at >= \(bind: London.startOfDay(from))"
            aliased += " AND cp.reported_at >= \(bind: London.startOfDay(from))"
        }
        if let to {
            linked += " AND cp.reported_at < \(bind: London.startOfDay(to.adding(days: 1)))"
            aliased += " AND cp.reported_at < \(bind: London.startOfDay(to.adding(days: 1)))"
        }
        // No DISTINCT: with it PostgreSQL gathers every match (thousands for a common name) before the limit;
        // without it the index yields the newest few. A crime can hold two people of one name, so duplicates
        // are dropped here, reading further if that left the page short.
        var limit = wanted * 2
        while true {
            let order: SQLQueryString = " ORDER BY cp.reported_at DESC, cp.crime_id LIMIT \(literal: limit)"
            let byName = try await sql.raw(linked + order).all(decoding: Match.self)
            let byAlias = try await sql.raw(aliased + order).all(decoding: Match.self)
            var seen = Set<UUID>()
            let merged = (byName + byAlias).sorted {
                ($0.reported_at, $0.crime_id.uuidString) > ($1.reported_at, $1.crime_id.uuidString)
            }
            .filter { seen.insert($0.crime_id).inserted }
            // Each list either ended, or holds enough crimes that nothing it did not read can reach the page.
            func enough(_ rows: [Match]) -> Bool { rows.count < limit || Set(rows.map(\.crime_id)).count >= wanted }
            if enough(byName) && enough(byAlias) {
                return Array(merged.dropFirst((page - 1) * pageSize).prefix(pageSize + 1).map(\.crime_id))
            }
            limit *= 4
        }
    }

    /// The search rows of these crimes, in the order given.
    private static func crimeRows(_ ids: [UUID], on sql: any SQLDatabase) async throws -> [SearchRow] {
        guard !ids.isEmpty else { return [] }
        let rows = try await sql.raw(
            """
            SELECT c.id, c.reference, c.offence_description, c.reported_at, c.status, c.command_unit_id,
                   u.code AS unit_code, u.name AS unit_name
            FROM crimes c JOIN command_units u ON u.id = c.command_unit_id WHERE c.id IN (\(binds: ids as [any Encodable & Sendable]))
            """
        ).all(decoding: SearchRow.self)
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    /// `smith` → (smith, nil); `Jo Smith` → (smith, jo); `Smith, Jo` → (smith, jo).
    static func nameKeys(_ text: String) -> (String, String?)? {
        let parts: [String]
        if text.contains(",") {
            let halves = text.split(separator: ",", maxSplits: 1).map(String.init)
            parts = (halves.count == 2 ? [halves[1], halves[0]] : halves)
        } else {
            let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
            parts = words.count > 1 ? [words.dropLast().joined(separator: " "), words.last!] : words
        }
        guard let familyText = parts.last else { return nil }
        let family = Normalise.nameKey(familyText)
        guard !family.isEmpty else { return nil }
        let given = parts.count > 1 ? Normalise.nameKey(parts[0]) : ""
        return (family, given.isEmpty ? nil : given)
    }

    /// The smallest string greater than every string starting with `prefix`, for index-friendly prefix search.
    static func prefixUpperBound(_ prefix: String) -> String {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            if let next = Unicode.Scalar(last.value + 1) { return String(String.UnicodeScalarView(scalars + [next])) }
        }
        return "\u{10FFFF}"
    }

    private static func victimNames(of crimeIDs: [UUID], on sql: any SQLDatabase) async throws
        -> [UUID: [(person: UUID, name: String)]]
    {
        guard !crimeIDs.isEmpty else { return [:] }
        struct Row: Decodable {
            var crime_id: UUID
            var person_id: UUID
            var given_name: String
            var family_name: String
        }
        let rows = try await sql.select()
            .column(SQLColumn("crime_id", table: "cp"))
            .column(SQLColumn("person_id", table: "cp"))
            .column(SQLColumn("given_name", table: "p"))
            .column(SQLColumn("family_name", table: "p"))
            .from(SQLAlias(SQLIdentifier("crime_persons"), as: SQLIdentifier("cp")))
            .join(
                SQLAlias(SQLIdentifier("persons"), as: SQLIdentifier("p")), on: SQLColumn("id", table: "p"), .equal,
                SQLColumn("person_id", table: "cp")
            )
            .where(SQLColumn("crime_id", table: "cp"), .in, SQLBind.group(crimeIDs))
            .where(SQLColumn("role", table: "cp"), .equal, SQLBind(PersonRole.victim.rawValue))
            .all(decoding: Row.self)
        return Dictionary(grouping: rows, by: \.crime_id).mapValues {
            $0.map { (person: $0.person_id, name: "\($0.given_name) \($0.family_name)") }
        }
    }
}
