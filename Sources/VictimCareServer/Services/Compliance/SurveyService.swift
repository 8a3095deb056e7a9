import Fluent
import Foundation
import SQLKit
import Vapor
import VictimCareDomain

/// The satisfaction survey: each week a random sample of victims whose crime was reported 6 to 12 weeks ago,
/// the same number from every stratum (command unit × offence group). Never a victim who opted out of messages,
/// who has no channel the safety gate would use, who is under 16 or of unknown age (the outbox writes only to
/// the victim's own contacts, so it cannot yet ask a guardian instead: stricter than the rule, never looser), or
/// who was surveyed in the last 12 months. Invitations go through the outbox; the questions are the feedback form's,
/// in the victim's language; answers feed the dashboard's survey metrics.
enum SurveyService {
    static let earliestWeeks = 6
    static let latestWeeks = 12
    static let minimumAge = 16

    /// People per stratum (`SURVEY_PER_STRATUM`, default 10; 0 turns the weekly sample off).
    static var perStratum: Int {
        Environment.get("SURVEY_PER_STRATUM").flatMap(Int.init).map { max($0, 0) } ?? 10
    }

    /// The Monday of the week `date` falls in.
    static func weekOf(_ date: LocalDate) -> LocalDate {
        // `weekday`: 1 = Monday … 7 = Sunday.
        date.adding(days: -(date.weekday - 1))
    }

    struct Candidate: Sendable {
        var victimID: UUID
        var personID: UUID
        var unitID: UUID
        var group: String
        var preferred: String?
        var officerName: String
    }

    /// This week's sample, unless it was already taken (then nil: one wave a week, whichever node is first).
    @discardableResult
    static func sample(
        weekOf week: LocalDate, perStratum: Int, now: Date = Date(), links: LinkSettings, context: AccessContext,
        on db: any Database
    ) async throws -> SurveyWave? {
        try AccessGuard.require(.manageSurvey, context)
        guard (1...500).contains(perStratum) else {
            throw DomainError.invalid("perStratum", "Enter how many people to sample from each stratum, from 1 to 500")
        }
        guard let sql = db as? any SQLDatabase else { return nil }
        let today = London.date(of: now)
        let from = London.startOfDay(today.adding(days: -7 * latestWeeks))
        let to = London.startOfDay(today.adding(days: -7 * earliestWeeks + 1))
        let surveyed = London.startOfDay(today.adding(days: -365))
        var byPerson: [UUID: Candidate] = [:]
        for row in try await sql.raw(
            """
            SELECT v.id AS victim_id, v.person_id, c.command_unit_id, o.offence_group, p.date_of_birth,
                   p.preferred_contact, u.display_name, u.rank
            FROM victims v JOIN crimes c ON c.id = v.crime_id JOIN persons p ON p.id = v.person_id
              JOIN offences o ON o.code = c.offence_code LEFT JOIN users u ON u.id = c.officer_in_case_id
            WHERE c.reported_at >= \(bind: from) AND c.reported_at < \(bind: to)
              AND (p.messages_opt_out IS NULL OR p.messages_opt_out = \(bind: false))
              AND NOT EXISTS (
                SELECT 1 FROM feedback_invitations i JOIN victims w ON w.id = i.victim_id
                WHERE w.person_id = v.person_id AND i.source = \(bind: FeedbackInvitation.Source.survey.rawValue)
                  AND i.created_at >= \(bind: surveyed))
            ORDER BY c.reported_at DESC, v.id
            """
        ).all() {
            guard let dob = try row.decode(column: "date_of_birth", as: String?.self).flatMap(LocalDate.init),
                dob.age(on: today) >= minimumAge
            else { continue }
            let person = try row.decode(column: "person_id", as: UUID.self)
            let rank = try row.decode(column: "rank", as: String?.self)
            let name = try row.decode(column: "display_name", as: String?.self)
            // A person with two crimes in the window is one candidate, asked about the later crime.
            if byPerson[person] != nil { continue }
            byPerson[person] = Candidate(
                victimID: try row.decode(column: "victim_id", as: UUID.self), personID: person,
                unitID: try row.decode(column: "command_unit_id", as: UUID.self),
                group: try row.decode(column: "offence_group", as: String.self),
                preferred: try row.decode(column: "preferred_contact", as: String?.self),
                officerName: name.map { "\(rank.map { $0 + " " } ?? "")\($0)" } ?? "")
        }
        let strata = Dictionary(grouping: byPerson.values, by: { "\($0.unitID)|\($0.group)" })
        let wave = SurveyWave()
        wave.weekOf = week.description
        wave.perStratum = perStratum
        wave.eligible = byPerson.count
        wave.invited = 0
        wave.createdAt = now
        wave.createdByName = context.actor.name
        do {
            try await wave.create(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return nil
        }
        var invited = 0
        var generator = SystemRandomNumberGenerator()
        for key in strata.keys.sorted() {
            var taken = 0
            // A random order within the stratum; those with no safe channel are passed over for the next.
            for candidate in strata[key]!.shuffled(using: &generator) {
                guard taken < perStratum else { break }
                guard let channel = try await safeChannel(candidate, on: db) else { continue }
                try await db.transaction { tx in
                    let invitation = FeedbackInvitation()
                    invitation.$victim.id = candidate.victimID
                    invitation.sourceCode = FeedbackInvitation.Source.survey.rawValue
                    // Each invitation its own source id (the pair is unique); the wave keeps the counts.
                    invitation.sourceID = UUID.random()
                    invitation.officerName = candidate.officerName
                    invitation.commandUnitID = candidate.unitID
                    invitation.channelCode = channel.rawValue
                    invitation.createdAt = now
                    invitation.expiresAt = now.addingTimeInterval(links.lifetime(.feedback))
                    try await invitation.create(on: tx)
                    try await OutboxService.enqueue(
                        .init(
                            victimID: candidate.victimID, channel: channel, purpose: .feedback,
                            idempotencyKey: "survey:\(invitation.id!.uuidString.lowercased())", carries: .feedback,
                            invitation: invitation),
                        context: .system, on: tx)
                }
                taken += 1
            }
            invited += taken
        }
        wave.invited = invited
        try await wave.save(on: db)
        try await AuditLog.record(
            .create, "survey_wave", wave.id,
            summary:
                "survey week of \(week): \(invited) invited of \(byPerson.count) eligible in \(strata.count) strata",
            context: context, on: db)
        return wave
    }

    /// The victim's preferred channel if the safety gate would use it, else the other; nil if neither.
    static func safeChannel(_ c: Candidate, on db: any Database) async throws -> MessageChannel? {
        let order: [MessageChannel] = ContactMethod.code(c.preferred) == .email ? [.email, .sms] : [.sms, .email]
        for channel in order {
            let facts = try await GateFacts.load(victimID: c.victimID, channel: channel, on: db)
            if SafetyGate.check(facts.facts(body: SafetyGate.smsBody(link: ""))) == .send { return channel }
        }
        return nil
    }

    struct UnitResult: Sendable {
        var name: String
        var invited: Int
        var answered: Int
        var overall: Tally
        var informed: Tally
        var fair: Tally
    }

    /// Invitations and answers over the latest 12 months, by unit and for the force.
    static func results(months: [YearMonth], context: AccessContext, on db: any Database) async throws
        -> (units: [UnitResult], force: UnitResult)
    {
        try AccessGuard.require(.viewComplianceDashboard, context)
        guard let sql = db as? any SQLDatabase, let first = months.first, let last = months.last else {
            return (
                [], UnitResult(name: "", invited: 0, answered: 0, overall: .init(), informed: .init(), fair: .init())
            )
        }
        let names = Dictionary(
            try await OrganisationService.units(on: db).map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        var force = UnitResult(
            name: "The whole force", invited: 0, answered: 0, overall: .init(), informed: .init(), fair: .init())
        var units: [UnitResult] = []
        for row in try await sql.raw(
            """
            SELECT i.command_unit_id AS unit, COUNT(*) AS invited, COUNT(r.id) AS answered,
                   SUM(CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END) AS satisfied,
                   SUM(CASE WHEN r.kept_informed = 'yes' THEN 1 ELSE 0 END) AS informed,
                   SUM(CASE WHEN r.fair_and_respectful = 'yes' THEN 1 ELSE 0 END) AS fair
            FROM feedback_invitations i LEFT JOIN feedback_responses r ON r.invitation_id = i.id
            WHERE i.source = \(bind: FeedbackInvitation.Source.survey.rawValue)
              AND i.created_at >= \(bind: first.start) AND i.created_at < \(bind: last.adding(months: 1).start)
            GROUP BY 1
            """
        ).all() {
            let answered = try row.decode(column: "answered", as: Int.self)
            func t(_ column: String) throws -> Tally {
                Tally(numerator: try row.decode(column: column, as: Int?.self) ?? 0, denominator: answered)
            }
            let unit = UnitResult(
                name: names[try row.decode(column: "unit", as: UUID.self)] ?? "Unknown unit",
                invited: try row.decode(column: "invited", as: Int.self), answered: answered,
                overall: try t("satisfied"), informed: try t("informed"), fair: try t("fair"))
            units.append(unit)
            force.invited += unit.invited
            force.answered += unit.answered
            force.overall = force.overall + unit.overall
            force.informed = force.informed + unit.informed
            force.fair = force.fair + unit.fair
        }
        return (units.sorted { $0.name < $1.name }, force)
    }

    static func waves(on db: any Database) async throws -> [SurveyWave] {
        try await SurveyWave.query(on: db).sort(\.$weekOf, .descending).limit(12).all()
    }
}
