import Fluent
import Foundation
import SQLKit

/// A model read back positionally, column for column in `bulkColumns` order, without Fluent's per-model
/// reflection (a page's reads spent more in `Fields.properties` and building SQL text than in the database,
/// issue 17). `PositionalRowsTests` reads each type both ways and holds every column equal.
///
/// For display only: every field of a decoded model counts as changed, so saving one would write every column
/// from this read (undoing anyone's change made since). Load a model through Fluent to change it.
protocol PositionalRow: BulkRow {
    /// The model held in `row` from column `offset` on, marked as stored.
    static func decoded(_ row: FastRows.Row, at offset: Int) -> Self
}

extension PositionalRow {
    /// The select list for this table under `alias`, in `bulkColumns` order.
    static func columns(_ alias: String) -> String { bulkColumns.map { "\(alias).\($0)" }.joined(separator: ", ") }

    /// Every row of the table matching `condition` (SQL after `WHERE`, `?` for each bind).
    static func rows(where condition: String, _ binds: [SQLCell], orderBy order: String? = nil, on sql: any SQLDatabase)
        async throws -> [Self]
    {
        let text =
            "SELECT \(columns("t")) FROM \(schema) t WHERE \(condition)" + (order.map { " ORDER BY \($0)" } ?? "")
        return try await FastRows.query(text, binds, on: sql).map { decoded($0, at: 0) }
    }
}

/// Reads one row's columns in order, for `PositionalRow.decoded`.
struct RowCursor {
    let row: FastRows.Row
    var index: Int

    init(_ row: FastRows.Row, _ offset: Int) {
        self.row = row
        self.index = offset
    }

    private mutating func next() -> Int {
        defer { index += 1 }
        return index
    }

    mutating func uuid() -> UUID? { row.uuid(next()) }
    mutating func requiredUUID() -> UUID { row.uuid(next()) ?? UUID(uuid: UUID_NULL) }
    mutating func text() -> String { row.string(next()) ?? "" }
    mutating func optionalText() -> String? { row.string(next()) }
    mutating func date() -> Date { row.date(next()) ?? Date(timeIntervalSince1970: 0) }
    mutating func optionalDate() -> Date? { row.date(next()) }
    mutating func bool() -> Bool { row.bool(next()) }
    mutating func optionalBool() -> Bool? { row.int(next()).map { $0 != 0 } }
    mutating func int() -> Int { row.int(next()) ?? 0 }
    mutating func optionalInt() -> Int? { row.int(next()) }
    mutating func optionalDouble() -> Double? { row.double(next()) }
}

private let UUID_NULL: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

extension Crime: PositionalRow {
    static func decoded(_ row: FastRows.Row, at offset: Int) -> Crime {
        var c = RowCursor(row, offset)
        let m = Crime()
        m.id = c.uuid()
        m.reference = c.text()
        m.offenceCode = c.text()
        m.offenceDescription = c.text()
        m.occurredFrom = c.date()
        m.occurredTo = c.optionalDate()
        m.reportedAt = c.date()
        m.recordingDecisionAt = c.optionalDate()
        m.channelCode = c.text()
        m.flagsCode = c.text()
        m.$commandUnit.id = c.requiredUUID()
        m.$officerInCase.id = c.uuid()
        m.statusCode = c.text()
        m.summary = c.optionalText()
        m.createdAt = c.optionalDate()
        m.updatedAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension CrimeStatusChange: PositionalRow {
    static func decoded(_ row: FastRows.Row, at offset: Int) -> CrimeStatusChange {
        var c = RowCursor(row, offset)
        let m = CrimeStatusChange()
        m.id = c.uuid()
        m.$crime.id = c.requiredUUID()
        m.statusCode = c.text()
        m.at = c.date()
        m.byUserID = c.uuid()
        m.byName = c.text()
        m.note = c.optionalText()
        m.$id.exists = true
        return m
    }
}

extension Person: PositionalRow {
    static func decoded(_ row: FastRows.Row, at offset: Int) -> Person {
        var c = RowCursor(row, offset)
        let m = Person()
        m.id = c.uuid()
        m.givenName = c.text()
        m.familyName = c.text()
        m.givenNameKey = c.text()
        m.familyNameKey = c.text()
        m.dateOfBirth = c.optionalText()
        m.preferredContact = c.optionalText()
        m.preferredTimes = c.optionalText()
        m.language = c.text()
        m.interpreterNeeded = c.bool()
        m.messagesOptOutValue = c.optionalBool()
        m.communicationNeeds = c.optionalText()
        m.accessNeeds = c.optionalText()
        m.sex = c.optionalText()
        m.ethnicity = c.optionalText()
        m.disability = c.optionalText()
        m.religion = c.optionalText()
        m.sexualOrientation = c.optionalText()
        m.homeCommandUnitID = c.uuid()
        m.createdAt = c.optionalDate()
        m.updatedAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension CrimePerson: PositionalRow {
    static func decoded(_ row: FastRows.Row, at offset: Int) -> CrimePerson {
        var c = RowCursor(row, offset)
        let m = CrimePerson()
        m.id = c.uuid()
        m.$crime.id = c.requiredUUID()
        m.$person.id = c.requiredUUID()
        m.roleCode = c.text()
        m.familyNameKey = c.optionalText()
        m.givenNameKey = c.optionalText()
        m.reportedAt = c.optionalDate()
        m.createdAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension Victim: PositionalRow {
    static func decoded(_ row: FastRows.Row, at offset: Int) -> Victim {
        var c = RowCursor(row, offset)
        let m = Victim()
        m.id = c.uuid()
        m.$crime.id = c.requiredUUID()
        m.$person.id = c.requiredUUID()
        m.enhanced = c.bool()
        m.groundsCode = c.text()
        m.section16 = c.bool()
        m.section17 = c.bool()
        m.section28 = c.bool()
        m.referralConsentCode = c.text()
        m.explicitConsentAt = c.optionalDate()
        m.bereaved = c.bool()
        m.interpreterNeeded = c.bool()
        m.suspectMaySeeMessages = c.bool()
        m.messagingClearedAt = c.optionalDate()
        m.messagingClearedByName = c.optionalText()
        m.agreedUpdateDays = c.optionalInt()
        m.vnaCompletedAt = c.optionalDate()
        m.vpsStatus = c.optionalText()
        m.becameVictimAt = c.optionalDate()
        m.bereavedSince = c.optionalDate()
        m.interpreterNeededSince = c.optionalDate()
        m.basisCode = c.text()
        m.businessContact = c.optionalText()
        m.suspectKnown = c.bool()
        m.suspectAccessAsked = c.bool()
        m.factsVersion = c.int()
        m.computedVersion = c.int()
        m.createdAt = c.optionalDate()
        m.updatedAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension CaseEvent: PositionalRow {
    static func decoded(_ row: FastRows.Row, at offset: Int) -> CaseEvent {
        var c = RowCursor(row, offset)
        let m = CaseEvent()
        m.id = c.uuid()
        m.$crime.id = c.requiredUUID()
        m.typeCode = c.text()
        m.at = c.date()
        m.note = c.optionalText()
        m.recordedByID = c.uuid()
        m.recordedByName = c.text()
        m.source = c.text()
        m.createdAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension CommandUnit: PositionalRow {
    static let bulkColumns = ["id", "code", "name", "kind", "created_at"]
    var bulkCells: [SQLCell] { [.of(id), .text(code), .text(name), .text(kind), .of(createdAt)] }
    func stampCreated(_ now: Date) { createdAt = now }
    static func decoded(_ row: FastRows.Row, at offset: Int) -> CommandUnit {
        var c = RowCursor(row, offset)
        let m = CommandUnit()
        m.id = c.uuid()
        m.code = c.text()
        m.name = c.text()
        m.kind = c.text()
        m.createdAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension User: PositionalRow {
    static let bulkColumns = [
        "id", "username", "display_name", "email", "rank", "collar_number", "role", "command_unit_id", "team_id",
        "password_hash", "must_change_password", "failed_sign_ins", "locked_until", "last_sign_in_at", "active",
        "session_version", "lock_count", "created_at", "updated_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(username), .text(displayName), .of(email), .of(rank), .of(collarNumber), .text(roleCode),
            .of($commandUnit.id), .of($team.id), .text(passwordHash), .bool(mustChangePassword), .int(failedSignIns),
            .of(lockedUntil), .of(lastSignInAt), .bool(active), .int(sessionVersion), .int(lockCount), .of(createdAt),
            .of(updatedAt),
        ]
    }
    func stampCreated(_ now: Date) {
        createdAt = now
        updatedAt = now
    }
    static func decoded(_ row: FastRows.Row, at offset: Int) -> User {
        var c = RowCursor(row, offset)
        let m = User()
        m.id = c.uuid()
        m.username = c.text()
        m.displayName = c.text()
        m.email = c.optionalText()
        m.rank = c.optionalText()
        m.collarNumber = c.optionalText()
        m.roleCode = c.text()
        m.$commandUnit.id = c.uuid()
        m.$team.id = c.uuid()
        m.passwordHash = c.text()
        m.mustChangePassword = c.bool()
        m.failedSignIns = c.int()
        m.lockedUntil = c.optionalDate()
        m.lastSignInAt = c.optionalDate()
        m.active = c.bool()
        m.sessionVersion = c.int()
        m.lockCount = c.int()
        m.createdAt = c.optionalDate()
        m.updatedAt = c.optionalDate()
        m.$id.exists = true
        return m
    }

}

extension CrimeProperty: PositionalRow {
    static let bulkColumns = ["id", "crime_id", "property_item_id", "role"]
    var bulkCells: [SQLCell] { [.of(id), .uuid($crime.id), .uuid($item.id), .text(roleCode)] }
    func stampCreated(_ now: Date) {}
    static func decoded(_ row: FastRows.Row, at offset: Int) -> CrimeProperty {
        var c = RowCursor(row, offset)
        let m = CrimeProperty()
        m.id = c.uuid()
        m.$crime.id = c.requiredUUID()
        m.$item.id = c.requiredUUID()
        m.roleCode = c.text()
        m.$id.exists = true
        return m
    }
}

extension PropertyItem: PositionalRow {
    static let bulkColumns = [
        "id", "description", "imei", "frame_number", "serial_number", "custody_status", "stolen_on", "seized_on",
        "held_on", "returned_on", "created_at", "updated_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(description), .of(imei), .of(frameNumber), .of(serialNumber), .text(custodyStatusCode),
            .of(stolenOn), .of(seizedOn), .of(heldOn), .of(returnedOn), .of(createdAt), .of(updatedAt),
        ]
    }
    func stampCreated(_ now: Date) {
        createdAt = now
        updatedAt = now
    }
    static func decoded(_ row: FastRows.Row, at offset: Int) -> PropertyItem {
        var c = RowCursor(row, offset)
        let m = PropertyItem()
        m.id = c.uuid()
        m.description = c.text()
        m.imei = c.optionalText()
        m.frameNumber = c.optionalText()
        m.serialNumber = c.optionalText()
        m.custodyStatusCode = c.text()
        m.stolenOn = c.optionalText()
        m.seizedOn = c.optionalText()
        m.heldOn = c.optionalText()
        m.returnedOn = c.optionalText()
        m.createdAt = c.optionalDate()
        m.updatedAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension CrimeLocation: PositionalRow {
    static let bulkColumns = ["id", "crime_id", "location_id", "role"]
    var bulkCells: [SQLCell] { [.of(id), .uuid($crime.id), .uuid($location.id), .text(roleCode)] }
    func stampCreated(_ now: Date) {}
    static func decoded(_ row: FastRows.Row, at offset: Int) -> CrimeLocation {
        var c = RowCursor(row, offset)
        let m = CrimeLocation()
        m.id = c.uuid()
        m.$crime.id = c.requiredUUID()
        m.$location.id = c.requiredUUID()
        m.roleCode = c.text()
        m.$id.exists = true
        return m
    }
}

extension Location: PositionalRow {
    static let bulkColumns = ["id", "address", "postcode", "postcode_key", "latitude", "longitude", "created_at"]
    var bulkCells: [SQLCell] {
        [.of(id), .text(address), .of(postcode), .text(postcodeKey), .of(latitude), .of(longitude), .of(createdAt)]
    }
    func stampCreated(_ now: Date) { createdAt = now }
    static func decoded(_ row: FastRows.Row, at offset: Int) -> Location {
        var c = RowCursor(row, offset)
        let m = Location()
        m.id = c.uuid()
        m.address = c.text()
        m.postcode = c.optionalText()
        m.postcodeKey = c.text()
        m.latitude = c.optionalDouble()
        m.longitude = c.optionalDouble()
        m.createdAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}

extension Offence: PositionalRow {
    static let bulkColumns = ["id", "code", "description", "offence_group", "implied_flags", "most_serious", "active"]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(code), .text(description), .text(group), .text(impliedFlags), .bool(mostSerious),
            .bool(active),
        ]
    }
    func stampCreated(_ now: Date) {}
    static func decoded(_ row: FastRows.Row, at offset: Int) -> Offence {
        var c = RowCursor(row, offset)
        let m = Offence()
        m.id = c.uuid()
        m.code = c.text()
        m.description = c.text()
        m.group = c.text()
        m.impliedFlags = c.text()
        m.mostSerious = c.bool()
        m.active = c.bool()
        m.$id.exists = true
        return m
    }
}

extension APIToken: PositionalRow {
    static let bulkColumns = [
        "id", "name", "token_hash", "token_prefix", "role", "command_unit_id", "created_by_id", "created_at",
        "revoked_at", "last_used_at", "expires_at",
    ]
    var bulkCells: [SQLCell] {
        [
            .of(id), .text(name), .text(tokenHash), .text(tokenPrefix), .text(roleCode), .of($commandUnit.id),
            .of(createdByID), .of(createdAt), .of(revokedAt), .of(lastUsedAt), .of(expiresAt),
        ]
    }
    func stampCreated(_ now: Date) { createdAt = now }
    static func decoded(_ row: FastRows.Row, at offset: Int) -> APIToken {
        var c = RowCursor(row, offset)
        let m = APIToken()
        m.id = c.uuid()
        m.name = c.text()
        m.tokenHash = c.text()
        m.tokenPrefix = c.text()
        m.roleCode = c.text()
        m.$commandUnit.id = c.uuid()
        m.createdByID = c.uuid()
        m.createdAt = c.optionalDate()
        m.revokedAt = c.optionalDate()
        m.lastUsedAt = c.optionalDate()
        m.expiresAt = c.optionalDate()
        m.$id.exists = true
        return m
    }
}
