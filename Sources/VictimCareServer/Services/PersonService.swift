import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// People in the POLE model: one record per person, however many events they are in.
enum PersonService {
    struct Checked: Sendable {
        var givenName: String
        var familyName: String
        var dateOfBirth: LocalDate?
        var preferredContact: ContactMethod?
        var preferredTimes: String?
        var language: String
        var interpreterNeeded: Bool
        var communicationNeeds: String?
        var accessNeeds: String?
        /// `nil` when the actor may not record characteristics: leave whatever is stored.
        var characteristics: Characteristics?
        /// The actor records characteristics without being able to read them back: a blank answer means
        /// "not asked this time", so it keeps what is stored instead of clearing it.
        var keepUnansweredCharacteristics: Bool
        var phone: (String, Bool?)?
        var email: (String, Bool?)?
    }

    /// Checks a draft, adding problems to `v`. Pure: no database needed.
    static func checkDraft(_ d: PersonDraft, validator v: inout Validator, context: AccessContext) -> Checked {
        let given = v.required(d.givenName, d.name("givenName", "given_name"), "the given name", max: 100)
        let family = v.required(d.familyName, d.name("familyName", "family_name"), "the family name", max: 100)
        let dob = v.date(d.dateOfBirth, d.name("dateOfBirth", "date_of_birth"), "date of birth")
        if let dob, dob > London.date(of: Date()) {
            v.fail(d.name("dateOfBirth", "date_of_birth"), "Date of birth must be in the past")
        }
        let preferred = v.code(
            d.preferredContact, d.name("preferredContact", "preferred_contact"), "contact method",
            as: ContactMethod.self)
        let times = v.optional(
            d.preferredTimes, d.name("preferredTimes", "preferred_times"), "the preferred times", max: 200)
        var language = "en"
        if let raw = v.optional(d.language, d.name("language", "language"), "the language", max: 10) {
            if let known = Language.named(raw) {
                language = known.code
            } else {
                v.fail(d.name("language", "language"), "\(raw) is not a language VictimCare knows")
            }
        }
        let interpreter =
            v.flag(d.interpreterNeeded, d.name("interpreterNeeded", "interpreter_needed"), "interpreter needed")
            ?? false
        let communication = v.optional(
            d.communicationNeeds, d.name("communicationNeeds", "communication_needs"), "the communication needs",
            max: 4000)
        let access = v.optional(d.accessNeeds, d.name("accessNeeds", "access_needs"), "the access needs", max: 4000)
        var characteristics: Characteristics?
        if AccessPolicy.grants(context.actor, .editProtectedCharacteristics) {
            characteristics = Characteristics(
                sex: v.code(d.sex, d.name("sex", "sex"), "sex", as: Sex.self),
                ethnicity: v.code(d.ethnicity, d.name("ethnicity", "ethnicity"), "ethnic group", as: Ethnicity.self),
                disability: v.code(
                    d.disability, d.name("disability", "disability"), "disability answer", as: Disability.self),
                religion: v.code(d.religion, d.name("religion", "religion"), "religion", as: Religion.self),
                sexualOrientation: v.code(
                    d.sexualOrientation, d.name("sexualOrientation", "sexual_orientation"), "sexual orientation",
                    as: SexualOrientation.self))
        }
        var phone: (String, Bool?)?
        if let raw = v.optional(d.phone, d.name("phone", "phone"), "the phone number", max: 32) {
            if let number = Normalise.phone(raw) {
                let safe = v.flag(d.phoneSafe, d.name("phoneSafe", "phone_safe"), "phone safe to use")
                if safe == nil, !d.snakeCase {
                    v.fail(d.name("phoneSafe", "phone_safe"), "Say whether it is safe to contact them on this number")
                }
                phone = (number, safe)
            } else {
                v.fail(d.name("phone", "phone"), "Phone number must be 7 to 16 digits, like 07700 900123")
            }
        }
        var email: (String, Bool?)?
        if let raw = v.optional(d.email, d.name("email", "email"), "the email address", max: 254) {
            if let address = Normalise.email(raw) {
                let safe = v.flag(d.emailSafe, d.name("emailSafe", "email_safe"), "email safe to use")
                if safe == nil, !d.snakeCase {
                    v.fail(d.name("emailSafe", "email_safe"), "Say whether it is safe to email them at this address")
                }
                email = (address, safe)
            } else {
                v.fail(d.name("email", "email"), "Email address must look like name@example.com")
            }
        }
        return Checked(
            givenName: given, familyName: family, dateOfBirth: dob, preferredContact: preferred, preferredTimes: times,
            language: language, interpreterNeeded: interpreter, communicationNeeds: communication, accessNeeds: access,
            characteristics: characteristics,
            keepUnansweredCharacteristics: !AccessPolicy.grants(context.actor, .viewProtectedCharacteristics),
            phone: phone, email: email)
    }

    /// Inserts a checked person and any contact points. Call inside a transaction.
    static func insert(
        _ c: Checked, homeUnitID: UUID?, safeByDefault: Bool, context: AccessContext, on db: any Database
    ) async throws -> Person {
        let (person, points) = build(c, homeUnitID: homeUnitID, safeByDefault: safeByDefault)
        try await person.create(on: db)
        for point in points {
            try await ContactPoint(
                personID: person.id!, kind: point.kind, value: point.value, safe: point.safe, note: nil
            )
            .create(on: db)
        }
        try await LinkageQueueEntry(personID: person.id!).create(on: db)
        try await AuditLog.record(.create, "person", person.id, context: context, on: db)
        return person
    }

    /// A contact point a new person is recorded with (a plan adds it as a row: `ModelRows.contactPoint`).
    struct NewContactPoint: Sendable, Equatable {
        var kind: ContactPointKind
        var value: String
        var safe: Bool
    }

    /// A new person and their contact points, in memory (written by `insert`, or by a plan).
    static func build(_ c: Checked, homeUnitID: UUID?, safeByDefault: Bool) -> (Person, [NewContactPoint]) {
        let person = Person()
        person.id = UUID.ordered()
        apply(c, to: person)
        person.homeCommandUnitID = homeUnitID
        var points: [NewContactPoint] = []
        if let (number, safe) = c.phone {
            points.append(NewContactPoint(kind: .phone, value: number, safe: safe ?? safeByDefault))
        }
        if let (address, safe) = c.email {
            points.append(NewContactPoint(kind: .email, value: address, safe: safe ?? safeByDefault))
        }
        return (person, points)
    }

    /// Creates a person who is not (yet) in any event; they belong to the creator's unit until linked.
    static func create(_ draft: PersonDraft, context: AccessContext, on db: any Database) async throws -> Person {
        try AccessGuard.require(.createPerson, context)
        var v = Validator()
        let checked = checkDraft(draft, validator: &v, context: context)
        try v.check()
        return try await db.transaction { tx in
            try await insert(
                checked, homeUnitID: context.actor.commandUnitID, safeByDefault: false, context: context, on: tx)
        }
    }

    static func update(_ id: UUID, _ draft: PersonDraft, context: AccessContext, on db: any Database) async throws
        -> Person
    {
        let person = try await find(id, on: db)
        try await AccessGuard.check(
            .editPerson, "person", id, scope: try await scope(of: id, context: context, on: db), context: context,
            on: db)
        var v = Validator()
        var checked = checkDraft(draft, validator: &v, context: context)
        try v.check()
        checked.phone = nil
        checked.email = nil
        let changes = checked
        return try await db.transaction { tx in
            let before = snapshot(person)
            apply(changes, to: person)
            let changed = before.changedKeys(comparedWith: snapshot(person))
            guard !changed.isEmpty else { return person }
            try await person.save(on: tx)
            try await AuditLog.record(
                .update, "person", id, summary: "changed: " + changed.joined(separator: ", "), context: context, on: tx)
            if changed.contains("given_name") || changed.contains("family_name"), let sql = tx as? any SQLDatabase {
                try await sql.update("crime_persons")
                    .set("family_name_key", to: person.familyNameKey).set("given_name_key", to: person.givenNameKey)
                    .where("person_id", .equal, id).run()
            }
            // Queued before the reassessment below: the matcher takes queue rows before victims, and so does this.
            if changed.contains("given_name") || changed.contains("family_name") || changed.contains("date_of_birth") {
                try await LinkageService.enqueue(id, on: tx)
            }
            // Age and contact preference change what a victim is owed.
            if changed.contains("date_of_birth") || changed.contains("preferred_contact") {
                try await VictimService.recomputePerson(id, on: tx)
            }
            return person
        }
    }

    /// A person whose name an answer shows, audited as seen by whoever asked.
    static func named(_ id: UUID, summary: String, context: AccessContext, on db: any Database) async throws -> Person {
        let person = try await find(id, on: db)
        try await AuditLog.recordViews("person", [id], summary: summary, context: context, on: db)
        return person
    }

    static func find(_ id: UUID, on db: any Database) async throws -> Person {
        guard let person = try await Person.find(id, on: db) else { throw DomainError.notFound("person") }
        return person
    }

    /// The units a person belongs to: their events' units and the unit that created them.
    static func scope(of personID: UUID, context: AccessContext, on db: any Database) async throws -> RecordScope {
        guard let sql = db as? any SQLDatabase else { return .unowned }
        let rows = try await sql.raw(
            """
            SELECT DISTINCT c.command_unit_id AS unit FROM crime_persons cp JOIN crimes c ON c.id = cp.crime_id
            WHERE cp.person_id = \(bind: personID)
            UNION SELECT home_command_unit_id AS unit FROM persons WHERE id = \(bind: personID) AND home_command_unit_id IS NOT NULL
            """
        ).all()
        let units = Set(try rows.compactMap { try $0.decode(column: "unit", as: UUID?.self) })
        return RecordScope(
            commandUnitIDs: units,
            sharedWithActor: try await SharingService.isShared(personID: personID, with: context.actor, on: db))
    }

    static func apply(_ c: Checked, to person: Person) {
        person.setNames(given: c.givenName, family: c.familyName)
        person.dateOfBirth = c.dateOfBirth?.description
        person.preferredContact = c.preferredContact?.rawValue
        person.preferredTimes = c.preferredTimes
        person.language = c.language
        person.interpreterNeeded = c.interpreterNeeded
        person.communicationNeeds = c.communicationNeeds
        person.accessNeeds = c.accessNeeds
        if let given = c.characteristics {
            if c.keepUnansweredCharacteristics {
                let stored = person.characteristics
                person.characteristics = Characteristics(
                    sex: given.sex ?? stored.sex, ethnicity: given.ethnicity ?? stored.ethnicity,
                    disability: given.disability ?? stored.disability, religion: given.religion ?? stored.religion,
                    sexualOrientation: given.sexualOrientation ?? stored.sexualOrientation)
            } else {
                person.characteristics = given
            }
        }
    }

    private static func snapshot(_ p: Person) -> [String: String] {
        [
            "given_name": p.givenName, "family_name": p.familyName, "date_of_birth": p.dateOfBirth ?? "",
            "preferred_contact": p.preferredContact ?? "", "preferred_times": p.preferredTimes ?? "",
            "language": p.language,
            "interpreter_needed": "\(p.interpreterNeeded)", "communication_needs": p.communicationNeeds ?? "",
            "access_needs": p.accessNeeds ?? "", "sex": p.sex ?? "", "ethnicity": p.ethnicity ?? "",
            "disability": p.disability ?? "", "religion": p.religion ?? "",
            "sexual_orientation": p.sexualOrientation ?? "",
        ]
    }
}
