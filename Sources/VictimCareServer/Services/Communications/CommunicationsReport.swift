import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// How well a command unit gives victims the leaflet and how victims rate their contacts, for supervisors:
/// provision and opening rates by officer in the case and by team; feedback by officer, team and unit; and
/// response rates by age band and ethnic group, so that groups who answer less are visible. Groups of fewer
/// than five are not shown, so nobody can be picked out.
enum CommunicationsReport {
    static let smallestGroup = 5

    struct Period: Sendable {
        var unitID: UUID
        var from: Date
        var to: Date
    }

    struct ProvisionRow: Sendable, Equatable {
        var name: String
        var victims: Int
        var provided: Int
        var opened: Int
    }

    struct FeedbackRow: Sendable, Equatable {
        var name: String
        var invitations: Int
        var responses: Int
        var satisfied: Int
        var satisfactionTotal: Int
        var fair: Int
        var informed: Int
        var understood: Int
    }

    struct Report: Sendable {
        var provisionByOfficer: [ProvisionRow]
        var provisionByTeam: [ProvisionRow]
        var feedbackByOfficer: [FeedbackRow]
        var feedbackByTeam: [FeedbackRow]
        var feedbackForUnit: FeedbackRow
        var responseByAge: [FeedbackRow]
        var responseByEthnicity: [FeedbackRow]
    }

    /// The unit a reader may see: their own, unless their role reaches across the force.
    static func scope(requested: UUID?, context: AccessContext) throws -> UUID {
        switch try AccessGuard.listingReach(.viewCommunicationsReports, context) {
        case .everyUnit:
            guard let requested else { throw DomainError.invalid("unit", "Choose a command unit") }
            return requested
        case .oneUnit(let own):
            if let requested, requested != own {
                throw DomainError.forbidden("You can see the report for your own command unit only.")
            }
            return own
        case .sharedOnly, .nothing:
            throw DomainError.forbidden("Your role does not allow this.")
        }
    }

    static func build(_ period: Period, context: AccessContext, on db: any Database) async throws -> Report {
        try AccessGuard.require(.viewCommunicationsReports, context)
        guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
        // Victims of crimes reported in the period, by officer in the case; and those given the leaflet (by email
        // that was sent, or a QR code shown) and who opened it.
        var counts: [UUID?: (victims: Int, provided: Int, opened: Int)] = [:]
        for row in try await sql.raw(
            """
            SELECT c.officer_in_case_id AS officer, COUNT(*) AS n FROM victims v JOIN crimes c ON c.id = v.crime_id
            WHERE c.command_unit_id = \(bind: period.unitID) AND c.reported_at >= \(bind: period.from)
              AND c.reported_at < \(bind: period.to)
            GROUP BY c.officer_in_case_id
            """
        ).all() {
            let officer = try row.decodeNil(column: "officer") ? nil : try row.decode(column: "officer", as: UUID.self)
            counts[officer] = (try row.decode(column: "n", as: Int.self), 0, 0)
        }
        for row in try await sql.raw(
            """
            SELECT c.officer_in_case_id AS officer, COUNT(DISTINCT l.victim_id) AS provided,
                   COUNT(DISTINCT CASE WHEN l.first_opened_at IS NOT NULL THEN l.victim_id END) AS opened
            FROM victim_links l JOIN victims v ON v.id = l.victim_id JOIN crimes c ON c.id = v.crime_id
            WHERE l.purpose = 'leaflet' AND l.expires_at > l.created_at
              AND c.command_unit_id = \(bind: period.unitID) AND c.reported_at >= \(bind: period.from)
              AND c.reported_at < \(bind: period.to)
            GROUP BY c.officer_in_case_id
            """
        ).all() {
            let officer = try row.decodeNil(column: "officer") ? nil : try row.decode(column: "officer", as: UUID.self)
            counts[officer]?.provided = try row.decode(column: "provided", as: Int.self)
            counts[officer]?.opened = try row.decode(column: "opened", as: Int.self)
        }

        // Feedback invitations in the period (not the survey's, which is about the whole case) with their answers
        // and the victim's age and ethnic group.
        struct Invitation {
            var officer: String
            var teamID: UUID?
            var answer: Answered
            var age: AgeBand
            var group: String
        }
        var invitations: [Invitation] = []
        for row in try await sql.raw(
            """
            SELECT i.officer_name, i.team_id, i.created_at, r.satisfaction, r.fair_and_respectful, r.kept_informed,
                   r.understood_next, p.date_of_birth, p.ethnicity
            FROM feedback_invitations i JOIN victims v ON v.id = i.victim_id JOIN persons p ON p.id = v.person_id
            LEFT JOIN feedback_responses r ON r.invitation_id = i.id
            WHERE i.source <> \(bind: FeedbackInvitation.Source.survey.rawValue)
              AND i.command_unit_id = \(bind: period.unitID) AND i.created_at >= \(bind: period.from)
              AND i.created_at < \(bind: period.to)
            """
        ).all() {
            let invited = try row.decode(column: "created_at", as: Date.self)
            invitations.append(
                Invitation(
                    officer: try row.decode(column: "officer_name", as: String.self),
                    teamID: try row.decode(column: "team_id", as: UUID?.self),
                    answer: Answered(
                        satisfaction: try row.decode(column: "satisfaction", as: Int?.self),
                        fair: try row.decode(column: "fair_and_respectful", as: String?.self),
                        informed: try row.decode(column: "kept_informed", as: String?.self),
                        understood: try row.decode(column: "understood_next", as: String?.self)),
                    age: AgeBand.of(
                        dateOfBirth: try row.decode(column: "date_of_birth", as: String?.self).flatMap(LocalDate.init),
                        on: London.date(of: invited)),
                    group: (try row.decode(column: "ethnicity", as: String?.self)).flatMap(Ethnicity.init(rawValue:))?
                        .group?.label ?? "Not stated"))
        }

        // Names only for the officers and teams in these rows, not everyone in the force.
        let officerIDs = counts.keys.compactMap { $0 }
        let users = officerIDs.isEmpty ? [] : try await User.query(on: db).filter(\.$id ~~ officerIDs).all()
        let names = Dictionary(
            users.map { ($0.id!, "\($0.rank.map { $0 + " " } ?? "")\($0.displayName)") },
            uniquingKeysWith: { a, _ in a })
        let teamOf = Dictionary(
            users.compactMap { u in u.$team.id.map { (u.id!, $0) } }, uniquingKeysWith: { a, _ in a })
        let teamIDs = Set(teamOf.values).union(invitations.compactMap(\.teamID))
        let teams = Dictionary(
            try await teamIDs.isEmpty
                ? []
                : Team.query(on: db).filter(\.$id ~~ Array(teamIDs)).all()
                    .map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })

        var byOfficer: [UUID?: ProvisionRow] = [:]
        var byTeam: [String: ProvisionRow] = [:]
        for (officer, c) in counts {
            let row = ProvisionRow(
                name: officer.flatMap { names[$0] } ?? "No officer in the case", victims: c.victims,
                provided: c.provided, opened: c.opened)
            byOfficer[officer] = row
            let team = officer.flatMap { teamOf[$0] }.flatMap { teams[$0] } ?? "No team"
            var t = byTeam[team] ?? ProvisionRow(name: team, victims: 0, provided: 0, opened: 0)
            t.victims += row.victims
            t.provided += row.provided
            t.opened += row.opened
            byTeam[team] = t
        }
        var officers: [String: FeedbackRow] = [:]
        var teamRows: [String: FeedbackRow] = [:]
        var ages: [String: FeedbackRow] = [:]
        var groups: [String: FeedbackRow] = [:]
        var unit = FeedbackRow(name: "Whole unit")
        for i in invitations {
            let team = i.teamID.flatMap { teams[$0] } ?? "No team"
            officers[i.officer, default: FeedbackRow(name: i.officer)].add(i.answer)
            teamRows[team, default: FeedbackRow(name: team)].add(i.answer)
            ages[i.age.label, default: FeedbackRow(name: i.age.label)].add(i.answer)
            groups[i.group, default: FeedbackRow(name: i.group)].add(i.answer)
            unit.add(i.answer)
        }
        return Report(
            provisionByOfficer: byOfficer.values.sorted { $0.name < $1.name },
            provisionByTeam: byTeam.values.sorted { $0.name < $1.name },
            feedbackByOfficer: officers.values.sorted { $0.name < $1.name },
            feedbackByTeam: teamRows.values.sorted { $0.name < $1.name }, feedbackForUnit: unit,
            responseByAge: AgeBand.allCases.compactMap { ages[$0.label] },
            responseByEthnicity: groups.values.sorted { $0.name < $1.name })
    }

    struct Answered {
        var satisfaction: Int?
        var fair: String?
        var informed: String?
        var understood: String?
    }
}

extension CommunicationsReport.FeedbackRow {
    init(name: String) {
        self.init(
            name: name, invitations: 0, responses: 0, satisfied: 0, satisfactionTotal: 0, fair: 0, informed: 0,
            understood: 0)
    }

    mutating func add(_ a: CommunicationsReport.Answered) {
        invitations += 1
        guard let score = a.satisfaction else { return }
        responses += 1
        satisfactionTotal += score
        if score >= 4 { satisfied += 1 }
        if a.fair == "yes" { fair += 1 }
        if a.informed == "yes" { informed += 1 }
        if a.understood == "yes" { understood += 1 }
    }
}

/// Age bands for equality monitoring, at the date of the interaction.
enum AgeBand: String, CaseIterable, Sendable {
    case under18, from18to24, from25to34, from35to44, from45to54, from55to64, over65, notRecorded

    var label: String {
        switch self {
        case .under18: "Under 18"
        case .from18to24: "18 to 24"
        case .from25to34: "25 to 34"
        case .from35to44: "35 to 44"
        case .from45to54: "45 to 54"
        case .from55to64: "55 to 64"
        case .over65: "65 and over"
        case .notRecorded: "Not recorded"
        }
    }

    static func of(dateOfBirth: LocalDate?, on day: LocalDate) -> AgeBand {
        guard let dob = dateOfBirth else { return .notRecorded }
        return of(age: dob.age(on: day))
    }

    static func of(age: Int) -> AgeBand {
        switch age {
        case ..<18: return .under18
        case 18...24: return .from18to24
        case 25...34: return .from25to34
        case 35...44: return .from35to44
        case 45...54: return .from45to54
        case 55...64: return .from55to64
        default: return .over65
        }
    }
}
