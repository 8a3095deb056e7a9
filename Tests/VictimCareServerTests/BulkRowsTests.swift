import Fluent
import Foundation
import Testing
import VictimCareDomain

@testable import VictimCareServer

/// The hand-listed columns `ModelRows` writes for the busiest tables say what Fluent itself would send: every
/// field of the model, each with the value Fluent would bind.
@Suite struct BulkRowsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000.25)

    func check<M: BulkRow>(_ model: M, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let declared = Set(
            model.properties.compactMap { $0 as? any AnyDatabaseProperty }.flatMap(\.keys).map(\.description))
        #expect(Set(M.bulkColumns) == declared, "\(M.schema): the model's fields", sourceLocation: sourceLocation)
        #expect(Set(M.bulkColumns).count == M.bulkColumns.count, sourceLocation: sourceLocation)
        let reflected = try ModelRows.reflected(model, stampedAt: Self.now)
        model.stampCreated(Self.now)
        let bulk = Dictionary(uniqueKeysWithValues: zip(M.bulkColumns, model.bulkCells.map { "\($0)" }))
        #expect(M.bulkColumns.count == model.bulkCells.count, sourceLocation: sourceLocation)
        for (column, cell) in reflected {
            #expect(bulk[column] == "\(cell)", "\(M.schema).\(column)", sourceLocation: sourceLocation)
        }
        // A field Fluent leaves out (never set) is written as NULL.
        for column in M.bulkColumns where !reflected.contains(where: { $0.column == column }) {
            #expect(bulk[column] == "\(SQLCell.null)", "\(M.schema).\(column)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyListedTableWritesWhatFluentWould() throws {
        let context = AccessContext(
            actor: Actor(id: UUID(), kind: .user, role: .officer, commandUnitID: UUID(), name: "PC Ω Hart"),
            ip: "192.0.2.1", reason: "checking a linked case")
        // An audit entry is written from a plain value: its cells are the model's, column for column.
        for entry in [
            AuditLog.entry(.create, "crime", UUID(), summary: "reference Ω/1", context: context),
            AuditLog.entry(.view, "person", nil, context: .system),
        ] {
            let model = AuditEntry()
            model.id = entry.id
            model.at = entry.at
            model.actorID = entry.actorID
            model.actorKind = entry.actorKind
            model.actorName = entry.actorName
            model.actorRole = entry.actorRole
            model.action = entry.action
            model.recordType = entry.recordType
            model.recordID = entry.recordID
            model.summary = entry.summary
            model.ip = entry.ip
            model.reason = entry.reason
            try check(model)
            #expect(entry.cells.map { "\($0)" } == model.bulkCells.map { "\($0)" })
            #expect(entry.cells.count == AuditEntry.bulkColumns.count)
        }

        var v = Validator()
        let checkedPerson = PersonService.checkDraft(
            PersonDraft(
                givenName: "伟", familyName: "张", dateOfBirth: "1984-03-02", preferredContact: "email",
                preferredTimes: "evenings", language: "zh", interpreterNeeded: "yes", communicationNeeds: "large print",
                accessNeeds: "step-free", sex: "female", phone: "07700 900123", phoneSafe: "yes",
                email: "wei@example.com", emailSafe: "no"),
            validator: &v, context: context)
        #expect(v.isValid)
        let (person, points) = PersonService.build(checkedPerson, homeUnitID: UUID(), safeByDefault: false)
        #expect(
            points == [
                .init(kind: .phone, value: "07700 900123", safe: true),
                .init(kind: .email, value: "wei@example.com", safe: false),
            ])
        person.messagesOptOutValue = true
        try check(person)
        let (sparse, _) = PersonService.build(
            PersonService.checkDraft(PersonDraft(givenName: "A", familyName: "B"), validator: &v, context: .system),
            homeUnitID: nil, safeByDefault: true)
        try check(sparse)
        #expect(points.count == 2)
        for point in points {
            try check(
                ContactPoint(personID: person.id!, kind: point.kind, value: point.value, safe: point.safe, note: nil))
            try check(
                ContactPoint(personID: person.id!, kind: point.kind, value: point.value, safe: point.safe, note: "x"))
        }

        let crime = Crime()
        crime.id = UUID()
        crime.reference = "AB/1/26"
        crime.offenceCode = "049/00"
        crime.offenceDescription = "Other theft"
        crime.occurredFrom = Self.now.addingTimeInterval(-7200)
        crime.occurredTo = Self.now.addingTimeInterval(-3600)
        crime.reportedAt = Self.now
        crime.recordingDecisionAt = Self.now
        crime.channelCode = "telephone"
        crime.flags = [.domesticAbuse]
        crime.$commandUnit.id = UUID()
        crime.$officerInCase.id = UUID()
        crime.statusCode = "recorded"
        crime.summary = "A long summary"
        try check(crime)
        // A bulk import plans its next chunk on copies of the crimes the chunk being written still reads.
        let copy = crime.copy()
        #expect(copy !== crime && copy.bulkCells.map { "\($0)" } == crime.bulkCells.map { "\($0)" })
        try check(
            CrimeStatusChange(
                crimeID: crime.id!, status: "recorded", at: Self.now, byUserID: UUID(), byName: "x", note: "n"))
        try check(
            CrimeStatusChange(
                crimeID: crime.id!, status: "recorded", at: Self.now, byUserID: nil, byName: "x", note: nil))
        try check(CrimePerson(id: UUID(), crime: crime, person: person, role: .victim))

        let victim = Victim(linkID: UUID(), crimeID: crime.id!, personID: person.id!)
        victim.explicitConsentAt = Self.now
        victim.messagingClearedAt = Self.now
        victim.messagingClearedByName = "PS Lee"
        victim.agreedUpdateDays = 14
        victim.vnaCompletedAt = Self.now
        victim.vpsStatus = "made"
        victim.becameVictimAt = Self.now
        victim.bereavedSince = Self.now
        victim.interpreterNeededSince = Self.now
        victim.businessContact = "Ms Owner"
        try check(victim)
        try check(Victim(linkID: UUID(), crimeID: crime.id!, personID: person.id!))

        let record = NeedsAssessmentService.record(
            NeedsAssessment(), victimID: victim.id!, at: Self.now,
            decision: EnhancedRights.assess(
                NeedsAssessmentService.input(
                    crime: crime, mostSerious: false, dateOfBirth: nil, assessment: nil, recentVictimisations: 1,
                    exceptions: [], business: false),
                policy: .standard),
            context: context)
        try check(record)
        try check(EnhancedChange(victimID: victim.id!, at: Self.now, enhanced: true, grounds: ",vulnerable,"))
        try check(LinkageQueueEntry(personID: person.id!, at: Self.now))

        // The rows a plan adds from values are the models' own, column for column.
        var rows = ModelRows()
        let linkID = try rows.link(crime: crime, person: person, role: .victim, at: Self.now)
        let linked = CrimePerson(id: linkID, crime: crime, person: person, role: .victim)
        linked.stampCreated(Self.now)
        #expect(rows.planned(CrimePerson.schema) == [linked.bulkCells.map { "\($0)" }])
        try rows.queueLinkage(person.id!, at: Self.now)
        #expect(
            rows.planned(LinkageQueueEntry.schema) == [
                LinkageQueueEntry(personID: person.id!, at: Self.now).bulkCells.map { "\($0)" }
            ])
        try rows.enhancedChange(victimID: victim.id!, at: Self.now, enhanced: true, grounds: ",vulnerable,")
        let change = EnhancedChange(victimID: victim.id!, at: Self.now, enhanced: true, grounds: ",vulnerable,")
        let planned = try #require(rows.planned(EnhancedChange.schema).first)
        #expect(planned.first?.hasPrefix("uuid(") == true, "a new id")
        #expect(Array(planned.dropFirst()) == change.bulkCells.dropFirst().map { "\($0)" })
        try rows.contactPoint(
            PersonService.NewContactPoint(kind: .email, value: "ada@example.com", safe: false), personID: person.id!,
            at: Self.now)
        let point = ContactPoint(personID: person.id!, kind: .email, value: "ada@example.com", safe: false, note: nil)
        point.stampCreated(Self.now)
        let plannedPoint = try #require(rows.planned(ContactPoint.schema).first)
        #expect(plannedPoint.first?.hasPrefix("uuid(") == true, "a new id")
        #expect(Array(plannedPoint.dropFirst()) == point.bulkCells.dropFirst().map { "\($0)" })

        let event = CaseEvent()
        event.$crime.id = crime.id!
        event.typeCode = "charged"
        event.at = Self.now
        event.note = "at the station"
        event.recordedByID = UUID()
        event.recordedByName = "PC Hart"
        event.source = "import:CRIS"
        event.id = UUID()
        try check(event)

        // What a new crime's victim is sent, and the link each message carries.
        let message = OutboundMessage()
        message.id = UUID()
        message.idempotencyKey = "confirmation:email:\(victim.id!)"
        message.$victim.id = victim.id!
        message.crimeID = crime.id!
        message.channelCode = "email"
        message.purpose = "confirmation"
        message.language = "zh"
        message.recipient = "wei@example.com"
        message.subject = ""
        message.bodyText = ""
        message.statusCode = "held"
        message.attempts = 0
        message.nextAttemptAt = Self.now
        message.createdByName = "VictimCare"
        message.createdAt = Self.now
        try check(message)
        message.contactPointID = UUID()
        message.reason = "Messaging is not recorded as safe"
        message.linkID = UUID()
        message.bodyHTML = "<p>Ω</p>"
        message.claimedBy = "node-1"
        message.claimedAt = Self.now
        message.lastError = "421"
        message.provider = "smtp"
        message.providerReference = "abc"
        message.sentAt = Self.now
        try check(message)
        let link = VictimLinkService.build(
            victimID: victim.id!, purpose: .track, channel: .email, createdBy: "VictimCare", lifetime: 0,
            credited: (UUID(), nil, UUID()), messageID: message.id
        ).link
        try check(link)
        link.revokedAt = Self.now
        link.teamID = UUID()
        link.invitationID = UUID()
        link.parentID = UUID()
        link.firstOpenedAt = Self.now
        link.lockedUntil = Self.now
        link.codeHash = "h"
        link.codeExpiresAt = Self.now
        try check(link)
        let referral = ReferralService.transferReferral(victimID: victim.id!)
        referral.id = UUID()
        try check(referral)
        referral.batchID = UUID()
        referral.sentAt = Self.now
        referral.statusAt = Self.now
        referral.statusByName = "Ω"
        referral.note = "n"
        try check(referral)
        let consent = ReferralService.consentRecord(
            victimID: victim.id!, consent: .yes, method: "Needs assessment", byName: "PC Ω")
        consent.id = UUID()
        try check(consent)
    }

    /// The tables only read positionally (the crime page, the signed-in user) list every field too.
    @Test func everyPositionallyReadTableListsEveryField() throws {
        let unit = CommandUnit()
        unit.id = UUID()
        unit.code = "SN"
        unit.name = "South"
        unit.kind = "bcu"
        try check(unit)
        let user = User()
        user.id = UUID()
        user.username = "pc.hart"
        user.displayName = "PC Ω Hart"
        user.email = "hart@example.com"
        user.rank = "PC"
        user.collarNumber = "1"
        user.roleCode = "officer"
        user.$commandUnit.id = UUID()
        user.$team.id = UUID()
        user.passwordHash = "$2b$"
        user.mustChangePassword = true
        user.failedSignIns = 2
        user.lockedUntil = Self.now
        user.lastSignInAt = Self.now
        user.active = true
        user.sessionVersion = 3
        user.lockCount = 1
        try check(user)
        let item = PropertyItem()
        item.id = UUID()
        item.description = "自行车"
        item.imei = "490154203237518"
        item.frameNumber = "F"
        item.serialNumber = "S"
        item.custodyStatusCode = "stolen"
        item.stolenOn = "2026-01-01"
        item.seizedOn = "2026-01-02"
        item.heldOn = "2026-01-03"
        item.returnedOn = "2026-01-04"
        try check(item)
        let itemLink = CrimeProperty()
        itemLink.id = UUID()
        itemLink.$crime.id = UUID()
        itemLink.$item.id = item.id!
        itemLink.roleCode = "stolen"
        try check(itemLink)
        let place = Location()
        place.id = UUID()
        place.address = "1 High Street"
        place.postcode = "SE1 7PB"
        place.postcodeKey = "SE17PB"
        place.latitude = 51.5
        place.longitude = -0.1
        try check(place)
        let placeLink = CrimeLocation()
        placeLink.id = UUID()
        placeLink.$crime.id = UUID()
        placeLink.$location.id = place.id!
        placeLink.roleCode = "scene"
        try check(placeLink)
    }
}
