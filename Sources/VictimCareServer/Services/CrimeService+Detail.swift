import Fluent
import Foundation
import SQLKit
import VictimCareDomain

extension CrimeService {
    /// Everything on a crime's page. Opening it is audited as a view of the crime and of each person shown.
    struct Detail: Sendable {
        var crime: Crime
        var unit: CommandUnit
        var officer: User?
        var people: [LinkedPerson]
        var property: [LinkedProperty]
        var locations: [LinkedLocation]
        var history: [CrimeStatusChange]
        var events: [CaseEvent]
        var victims: [Victim]
        var openCounts: [UUID: (open: Int, overdue: Int)]
    }

    struct LinkedPerson: Sendable {
        var link: CrimePerson
        var person: Person
    }

    struct LinkedProperty: Sendable {
        var link: CrimeProperty
        var item: PropertyItem
    }

    struct LinkedLocation: Sendable {
        var link: CrimeLocation
        var location: Location
    }

    static func detail(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Detail {
        guard let sql = db as? any SQLDatabase else { throw SQLCellError.unsupportedDatabase }
        // The crime with its unit and officer in one read; the rest after the access check.
        guard
            let head = try await FastRows.query(
                """
                SELECT \(Crime.columns("c")), \(CommandUnit.columns("u")), \(User.columns("o"))
                FROM crimes c JOIN command_units u ON u.id = c.command_unit_id
                LEFT JOIN users o ON o.id = c.officer_in_case_id WHERE c.id = ?
                """, [.uuid(id)], on: sql
            ).first
        else { throw DomainError.notFound("crime") }
        let crime = Crime.decoded(head, at: 0)
        let unit = CommandUnit.decoded(head, at: Crime.bulkColumns.count)
        let officerAt = Crime.bulkColumns.count + CommandUnit.bulkColumns.count
        let officer = head.uuid(officerAt) == nil ? nil : User.decoded(head, at: officerAt)
        try await AccessGuard.check(.viewCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        let people = try await FastRows.query(
            """
            SELECT \(CrimePerson.columns("l")), \(Person.columns("p"))
            FROM crime_persons l JOIN persons p ON p.id = l.person_id WHERE l.crime_id = ? ORDER BY l.created_at, l.id
            """, [.uuid(id)], on: sql
        ).map { row in
            let link = CrimePerson.decoded(row, at: 0)
            let person = Person.decoded(row, at: CrimePerson.bulkColumns.count)
            link.$person.value = person
            return LinkedPerson(link: link, person: person)
        }
        // The crime and each person it names, in one write, before anything is shown.
        try await AuditLog.write(
            [AuditLog.entry(.view, "crime", id, context: context)]
                + AuditLog.viewEntries(
                    "person", people.compactMap(\.person.id), summary: "named on the page of crime \(id)",
                    context: context),
            context: context, on: db)
        let property = try await FastRows.query(
            """
            SELECT \(CrimeProperty.columns("l")), \(PropertyItem.columns("i"))
            FROM crime_property l JOIN property_items i ON i.id = l.property_item_id WHERE l.crime_id = ?
            ORDER BY i.created_at, l.id
            """, [.uuid(id)], on: sql
        ).map { row in
            let link = CrimeProperty.decoded(row, at: 0)
            let item = PropertyItem.decoded(row, at: CrimeProperty.bulkColumns.count)
            link.$item.value = item
            return LinkedProperty(link: link, item: item)
        }
        let places = try await FastRows.query(
            """
            SELECT \(CrimeLocation.columns("l")), \(Location.columns("p"))
            FROM crime_locations l JOIN locations p ON p.id = l.location_id WHERE l.crime_id = ?
            ORDER BY p.created_at, l.id
            """, [.uuid(id)], on: sql
        ).map { row in
            let link = CrimeLocation.decoded(row, at: 0)
            let location = Location.decoded(row, at: CrimeLocation.bulkColumns.count)
            link.$location.value = location
            return LinkedLocation(link: link, location: location)
        }
        let crimeBind: [SQLCell] = [.uuid(id)]
        let history = try await CrimeStatusChange.rows(
            where: "t.crime_id = ?", crimeBind, orderBy: "t.at, t.id", on: sql)
        let events = try await CaseEvent.rows(where: "t.crime_id = ?", crimeBind, orderBy: "t.at, t.id", on: sql)
        let victims = try await Victim.rows(
            where: "t.crime_id = ?", crimeBind, orderBy: "t.created_at, t.id", on: sql)
        return Detail(
            crime: crime, unit: unit, officer: officer, people: people, property: property, locations: places,
            history: history, events: events, victims: victims,
            openCounts: try await VictimService.openCounts(crimeID: id, on: db))
    }

    /// A crime's details for its edit form (and the forms that add to it), audited as a view.
    struct ForEdit: Sendable {
        var crime: Crime
        var unit: CommandUnit?
        var officer: User?
        /// Another unit's crime: each change needs its own reason.
        var outsideUnit: Bool
    }

    static func loadForEdit(_ id: UUID, context: AccessContext, on db: any Database) async throws -> ForEdit {
        let crime = try await find(id, on: db)
        let outside = try await AccessGuard.checkForm(
            .editCrime, reading: .viewCrime, "crime", id, scope: scope(of: crime), context: context, on: db)
        try await AuditLog.record(.view, "crime", id, summary: "edit form", context: context, on: db)
        return ForEdit(
            crime: crime, unit: try await CommandUnit.find(crime.$commandUnit.id, on: db),
            officer: try await optionalUser(crime.$officerInCase.id, on: db), outsideUnit: outside)
    }

    private static func optionalUser(_ id: UUID?, on db: any Database) async throws -> User? {
        guard let id else { return nil }
        return try await User.find(id, on: db)
    }
}

extension CrimeService {
    /// What else a crime's page shows beside its detail: the current response triage, each victim's latest
    /// answer to the offer of a video call, and (for those who may see evidence) its interviews and video
    /// identifications. Read positionally, one query each, after `detail` has checked and audited the view.
    struct PageExtras: Sendable {
        struct Triage: Sendable {
            var triage: VideoResponse.Triage
            var offersVideo: Bool
            var decidedAt: Date
            var decidedByName: String
        }
        struct Answer: Sendable {
            var choice: ResponseChoice.Choice
            var byVictim: Bool
            var recordedByName: String
            var recordedAt: Date
        }
        struct InterviewLine: Sendable {
            var id: UUID
            var kindCode: String
            var linkID: UUID?
            var at: Date
            var recordings: Int
        }
        struct ParadeLine: Sendable {
            var id: UUID
            var createdAt: Date
            var officerName: String
        }
        var triage: Triage?
        var answers: [UUID: Answer] = [:]
        var interviews: [InterviewLine] = []
        var parades: [ParadeLine] = []
    }

    static func pageExtras(_ detail: Detail, evidence: Bool, on db: any Database) async throws -> PageExtras {
        guard let sql = db as? any SQLDatabase, let crimeID = detail.crime.id else { return PageExtras() }
        var extras = PageExtras()
        if let row = try await FastRows.query(
            """
            SELECT threat, risk, harm, attendance_needed, reason, offers_video, decided_at, decided_by_name
            FROM response_triages WHERE crime_id = ? ORDER BY decided_at DESC LIMIT 1
            """, [.uuid(crimeID)], on: sql
        ).first {
            func level(_ i: Int) -> VideoResponse.Level { row.string(i).flatMap(VideoResponse.Level.init) ?? .high }
            extras.triage = .init(
                triage: .init(
                    threat: level(0), risk: level(1), harm: level(2), attendanceNeeded: row.bool(3),
                    reason: row.string(4) ?? ""),
                offersVideo: row.bool(5), decidedAt: row.date(6) ?? Date(timeIntervalSince1970: 0),
                decidedByName: row.string(7) ?? "")
        }
        let victims = detail.victims.compactMap(\.id)
        if !victims.isEmpty {
            for row in try await FastRows.query(
                """
                SELECT victim_id, choice, by_victim, recorded_by_name, recorded_at FROM response_choices
                WHERE victim_id IN (\(victims.map { _ in "?" }.joined(separator: ", "))) ORDER BY recorded_at DESC
                """, victims.map(SQLCell.uuid), on: sql)
            {
                guard let victim = row.uuid(0), extras.answers[victim] == nil else { continue }
                extras.answers[victim] = .init(
                    choice: row.string(1).flatMap(ResponseChoice.Choice.init) ?? .inPerson, byVictim: row.bool(2),
                    recordedByName: row.string(3) ?? "", recordedAt: row.date(4) ?? Date(timeIntervalSince1970: 0))
            }
        }
        guard evidence else { return extras }
        extras.interviews = try await FastRows.query(
            """
            SELECT i.id, i.kind, i.crime_person_id, COALESCE(i.started_at, i.created_at),
                   (SELECT COUNT(*) FROM evidence_items e
                    WHERE e.interview_id = i.id AND e.state = 'complete' AND e.kind = 'original')
            FROM interviews i WHERE i.crime_id = ? ORDER BY i.created_at, i.id
            """, [.uuid(crimeID)], on: sql
        ).compactMap { row in
            guard let id = row.uuid(0) else { return nil }
            return .init(
                id: id, kindCode: row.string(1) ?? "", linkID: row.uuid(2),
                at: row.date(3) ?? Date(timeIntervalSince1970: 0), recordings: row.int(4) ?? 0)
        }
        extras.parades = try await FastRows.query(
            "SELECT id, created_at, officer_name FROM parades WHERE crime_id = ? ORDER BY created_at, id",
            [.uuid(crimeID)], on: sql
        ).compactMap { row in
            guard let id = row.uuid(0) else { return nil }
            return .init(
                id: id, createdAt: row.date(1) ?? Date(timeIntervalSince1970: 0), officerName: row.string(2) ?? "")
        }
        return extras
    }
}
