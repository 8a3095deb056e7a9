import Fluent
import Foundation
import VictimCareDomain

extension CrimeService {
    /// Links an existing person, or a new one described by `draft`, to a crime in a role; a victim can come
    /// with the needs already assessed (an import).
    /// A victim linked well after the crime was recorded here became one then, and is owed the report-time
    /// duties from then; one linked while the crime was being recorded, or loaded from history, from the report.
    static let sameRecordingSeconds: TimeInterval = 3600

    static func linkPerson(
        crimeID: UUID, personID: UUID?, draft: PersonDraft?, role rawRole: String?, needs: NeedsAssessment? = nil,
        basis rawBasis: String? = nil, businessContact rawContact: String? = nil, announce: Bool = true,
        context: AccessContext, on db: any Database
    ) async throws -> CrimePerson {
        let crime = try await find(crimeID, on: db)
        try await AccessGuard.check(.editCrime, "crime", crimeID, scope: scope(of: crime), context: context, on: db)
        if let personID {
            _ = try await PersonService.find(personID, on: db)
            // Linking puts the person in this crime's unit: allowed only on the person as they were, so an
            // officer cannot take over another unit's victim (and their contact points) by linking them
            // (2026-11-30, issue 12).
            try await AccessGuard.check(
                .editPerson, "person", personID,
                scope: try await PersonService.scope(of: personID, context: context, on: db), context: context, on: db)
        }
        var v = Validator()
        let role = v.requiredCode(rawRole, "role", "the person's role", as: PersonRole.self)
        let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
        let now = Date()
        let becameVictimAt =
            announce && now.timeIntervalSince(crime.createdAt ?? crime.reportedAt) > Self.sameRecordingSeconds
            ? now : crime.reportedAt
        var basis = VictimBasis.direct
        if let raw = rawBasis?.trimmingWhitespace(), !raw.isEmpty {
            if let known = VictimBasis(rawValue: raw) {
                basis = known
            } else {
                v.fail("basis", "Choose why they are a victim")
            }
        }
        let businessContact = v.optional(rawContact, "businessContact", "the business's named contact", max: 200)
        if role == .victim {
            if let problem = basis.problem(
                flags: crime.flags, on: London.date(of: max(becameVictimAt, crime.reportedAt)), policy: policy)
            {
                v.fail("basis", problem)
            }
            if basis == .business, businessContact == nil {
                v.fail("businessContact", "Name the business's point of contact: the Code's services go through them")
            }
        } else if basis != .direct {
            v.fail("basis", "Only a victim has a reason for being one; choose the role Victim")
        }
        var checked: PersonService.Checked?
        if personID == nil {
            if let draft {
                checked = PersonService.checkDraft(draft, validator: &v, context: context)
            } else {
                v.fail("person_id", "Choose a person or describe a new one")
            }
        }
        try v.check()
        if let personID {
            let exists = try await CrimePerson.query(on: db)
                .filter(\.$crime.$id == crimeID).filter(\.$person.$id == personID).filter(\.$roleCode == role!.rawValue)
                .count()
            if exists > 0 {
                throw DomainError.conflict(
                    field: "role", message: "This person is already linked to the crime as \(role!.label.lowercased())")
            }
        }
        let newPerson = checked
        let victimBasis = basis
        return try await db.transaction { tx in
            let person: Person
            if let checked = newPerson {
                person = try await PersonService.insert(
                    checked, homeUnitID: crime.$commandUnit.id,
                    safeByDefault: ContactSafety.safeByDefault(flags: crime.flags, suspectKnown: false, policy: policy),
                    context: context, on: tx)
            } else {
                person = try await PersonService.find(personID!, on: tx)
            }
            let link = CrimePerson(crime: crime, person: person, role: role!)
            try await link.create(on: tx)
            try await AuditLog.record(
                .create, "crime_person", link.id, summary: "\(role!.rawValue) linked to crime \(crimeID)",
                context: context, on: tx)
            if role == .victim {
                try await VictimService.create(
                    linkID: try link.requireID(), crime: crime, personID: try person.requireID(), needs: needs,
                    announce: announce, becameVictimAt: becameVictimAt, basis: victimBasis,
                    businessContact: businessContact,
                    context: context, on: tx)
            } else if role == .representative || role == .parentOrGuardian {
                // An agreed representative changes which contacts count for the crime's victims.
                try await VictimService.recomputeCrime(crimeID, reassess: false, on: tx)
            }
            return link
        }
    }

    static func unlinkPerson(crimeID: UUID, linkID: UUID, context: AccessContext, on db: any Database) async throws {
        let crime = try await find(crimeID, on: db)
        try await AccessGuard.check(.editCrime, "crime", crimeID, scope: scope(of: crime), context: context, on: db)
        guard
            let link = try await CrimePerson.query(on: db).filter(\.$id == linkID).filter(\.$crime.$id == crimeID)
                .first()
        else {
            throw DomainError.notFound("link")
        }
        if link.role == .victim, try await Contact.query(on: db).filter(\.$victim.$id == linkID).count() > 0 {
            throw DomainError.conflict(
                field: "role",
                message: "Contacts are recorded with this victim, so they cannot be removed from the crime")
        }
        try await db.transaction { tx in
            if link.role == .victim { try await Victim.find(linkID, on: tx)?.delete(on: tx) }
            try await link.delete(on: tx)
            try await AuditLog.record(
                .delete, "crime_person", linkID, summary: "\(link.roleCode) unlinked from crime \(crimeID)",
                context: context, on: tx)
        }
    }

    /// Records property in a crime (an object in POLE) with its identifiers and custody status.
    static func addProperty(
        crimeID: UUID, form: PropertyDraft, context: AccessContext, on db: any Database
    ) async throws -> PropertyItem {
        let crime = try await find(crimeID, on: db)
        try await AccessGuard.check(.editCrime, "crime", crimeID, scope: scope(of: crime), context: context, on: db)
        var v = Validator()
        let item = PropertyItem()
        item.description = v.required(form.description, "description", "a description", max: 500)
        item.imei = v.optional(form.imei, "imei", "the IMEI", max: 20)
        if let imei = item.imei, !(imei.count == 15 && imei.allSatisfy(\.isNumber)) {
            v.fail("imei", "IMEI must be 15 digits")
        }
        item.frameNumber = v.optional(form.frameNumber, "frameNumber", "the frame number", max: 40)
        item.serialNumber = v.optional(form.serialNumber, "serialNumber", "the serial number", max: 60)
        let status = v.requiredCode(
            form.custodyStatus, "custodyStatus", "where the property is now", as: CustodyStatus.self)
        item.custodyStatusCode = status?.rawValue ?? ""
        item.stolenOn = v.date(form.stolenOn, "stolenOn", "the date stolen")?.description
        item.seizedOn = v.date(form.seizedOn, "seizedOn", "the date seized")?.description
        item.heldOn = v.date(form.heldOn, "heldOn", "the date held")?.description
        item.returnedOn = v.date(form.returnedOn, "returnedOn", "the date returned")?.description
        if status == .returnedToOwner, item.returnedOn == nil {
            v.fail("returnedOn", "Enter the date the property was returned")
        }
        let role = v.requiredCode(form.role, "role", "the property's part in the crime", as: PropertyRole.self)
        try v.check()
        return try await db.transaction { tx in
            try await item.create(on: tx)
            try await CrimeProperty(crimeID: crimeID, itemID: try item.requireID(), role: role!).create(on: tx)
            try await AuditLog.record(
                .create, "property_item", item.id, summary: "added to crime \(crimeID)", context: context, on: tx)
            return item
        }
    }

    /// Records a place in a crime.
    static func addLocation(
        crimeID: UUID, form: LocationDraft, context: AccessContext, on db: any Database
    ) async throws -> Location {
        let crime = try await find(crimeID, on: db)
        try await AccessGuard.check(.editCrime, "crime", crimeID, scope: scope(of: crime), context: context, on: db)
        var v = Validator()
        let location = Location()
        location.address = v.required(form.address, "address", "the address", max: 300)
        if let raw = v.optional(form.postcode, "postcode", "the postcode", max: 10) {
            if let postcode = Normalise.postcode(raw) {
                location.postcode = postcode
            } else {
                v.fail("postcode", "Enter a real postcode, like SW1A 1AA")
            }
        }
        location.postcodeKey = location.postcode.map(Normalise.postcodeKey) ?? ""
        if let raw = v.optional(form.latitude, "latitude", "the latitude", max: 20) {
            if let lat = Double(raw), (-90...90).contains(lat) {
                location.latitude = lat
            } else {
                v.fail("latitude", "Latitude must be a number between -90 and 90")
            }
        }
        if let raw = v.optional(form.longitude, "longitude", "the longitude", max: 20) {
            if let lon = Double(raw), (-180...180).contains(lon) {
                location.longitude = lon
            } else {
                v.fail("longitude", "Longitude must be a number between -180 and 180")
            }
        }
        if (location.latitude == nil) != (location.longitude == nil) {
            v.fail("latitude", "Enter both latitude and longitude, or neither")
        }
        let role = v.requiredCode(form.role, "role", "the place's part in the crime", as: LocationRole.self)
        try v.check()
        return try await db.transaction { tx in
            try await location.create(on: tx)
            try await CrimeLocation(crimeID: crimeID, locationID: try location.requireID(), role: role!).create(on: tx)
            try await AuditLog.record(
                .create, "location", location.id, summary: "added to crime \(crimeID)", context: context, on: tx)
            return location
        }
    }
}

struct PropertyDraft: Sendable, Codable {
    var description: String?
    var imei: String?
    var frameNumber: String?
    var serialNumber: String?
    var custodyStatus: String?
    var stolenOn: String?
    var seizedOn: String?
    var heldOn: String?
    var returnedOn: String?
    var role: String?
}

struct LocationDraft: Sendable, Codable {
    var address: String?
    var postcode: String?
    var latitude: String?
    var longitude: String?
    var role: String?
}
