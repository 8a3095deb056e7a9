import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// Issue 16, item 6: video and in-person responses compared on Dorset's measures, for the force or one command
/// unit, over the crimes reported in a period. Loads one row per victim who was offered the choice, the arm
/// decided by their first answer while video was open to them (a victim barred from video is not counted: they
/// had no choice), and leaves the arithmetic to ``VideoOutcomes``.
enum VideoOutcomesReport {
    struct Scope: Sendable {
        var unitID: UUID?
        var from: Date
        var to: Date
        /// Compare by a trial's random allocation (the practice arm as video, usual care as in person) instead of
        /// the victims' own choice: Dorset's and Kent's trials, run by the force itself.
        var trialID: UUID? = nil
    }

    struct Report: Sendable {
        var overall: VideoOutcomes.Summary
        var byUnit: [(String, VideoOutcomes.Summary)]
        var byOffenceGroup: [(String, VideoOutcomes.Summary)]
        var savedHours: Double
        var savedMiles: Double
    }

    static func build(_ scope: Scope, video: VideoConfig, context: AccessContext, on db: any Database) async throws
        -> Report
    {
        try AccessGuard.require(.viewComplianceDashboard, context)
        let cases = try await load(scope, on: db)
        let overall = VideoOutcomes.summarise(cases)
        let saved = VideoOutcomes.saved(
            responses: overall.videoResponses, minutesPerVisit: video.visitMinutes, milesPerVisit: video.visitMiles)
        return Report(
            overall: overall, byUnit: VideoOutcomes.byGroup(cases) { $0.unit },
            byOffenceGroup: VideoOutcomes.byGroup(cases) { $0.offenceGroup }, savedHours: saved.hours,
            savedMiles: saved.miles)
    }

    static func load(_ scope: Scope, on db: any Database) async throws -> [VideoOutcomes.Case] {
        guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("SQL database") }
        let unitFilter: SQLQueryString =
            scope.unitID.map { "AND c.command_unit_id = \(bind: $0)" } ?? ""
        let video = ResponseChoice.Choice.video.rawValue
        let inPerson = ResponseChoice.Choice.inPerson.rawValue
        // Each victim's arm: their allocation in the trial, or their first answer while video was open to them.
        let arms: SQLQueryString =
            scope.trialID.map {
                """
                SELECT a.victim_id, CASE WHEN a.arm = \(bind: TrialService.Arm.practice.rawValue) THEN \(bind: video)
                  ELSE \(bind: inPerson) END AS arm
                FROM trial_allocations a WHERE a.trial_id = \(bind: $0)
                """
            }
                ?? """
                SELECT ch.victim_id, ch.choice AS arm FROM response_choices ch
                WHERE ch.eligible = \(bind: true)
                  AND ch.recorded_at = (SELECT MIN(z.recorded_at) FROM response_choices z
                    WHERE z.victim_id = ch.victim_id AND z.eligible = \(bind: true))
                """
        let rows = try await sql.raw(
            """
            SELECT v.id AS victim_id, arms.arm AS choice, u.name AS unit, COALESCE(o.offence_group, 'Unknown') AS offence_group,
              c.reported_at,
              CASE WHEN EXISTS (SELECT 1 FROM case_events e WHERE e.crime_id = c.id
                AND e.type IN (\(bind: CaseEventType.suspectArrested.rawValue), \(bind: CaseEventType.suspectInterviewed.rawValue)))
                THEN 1 ELSE 0 END AS arrest,
              CASE WHEN EXISTS (SELECT 1 FROM case_events e WHERE e.crime_id = c.id
                AND e.type IN (\(bind: CaseEventType.charged.rawValue), \(bind: CaseEventType.outOfCourtDisposal.rawValue)))
                THEN 1 ELSE 0 END AS positive,
              CASE WHEN EXISTS (SELECT 1 FROM victim_actions x WHERE x.victim_id = v.id
                AND x.kind = \(bind: VictimActionKind.withdrewSupport.rawValue)) THEN 1 ELSE 0 END AS withdrew,
              (SELECT r.satisfaction FROM feedback_responses r JOIN feedback_invitations i ON i.id = r.invitation_id
                WHERE i.victim_id = v.id ORDER BY r.submitted_at DESC LIMIT 1) AS satisfaction,
              (SELECT CASE WHEN r.would_recommend THEN 1 ELSE 0 END FROM feedback_responses r
                JOIN feedback_invitations i ON i.id = r.invitation_id
                WHERE i.victim_id = v.id AND r.would_recommend IS NOT NULL ORDER BY r.submitted_at DESC LIMIT 1)
                AS recommend,
              (SELECT MIN(k.at) FROM contacts k WHERE k.victim_id = v.id AND k.outcome = \(bind: ContactOutcome.spokeToVictim.rawValue)
                AND k.at >= c.reported_at
                AND k.method = CASE WHEN arms.arm = \(bind: video)
                  THEN \(bind: ContactMethod.video.rawValue) ELSE \(bind: ContactMethod.inPerson.rawValue) END)
                AS responded_at
            FROM (\(arms)) arms
            JOIN victims v ON v.id = arms.victim_id
            JOIN crimes c ON c.id = v.crime_id
            JOIN command_units u ON u.id = c.command_unit_id
            LEFT JOIN offences o ON o.code = c.offence_code
            WHERE c.reported_at >= \(bind: scope.from) AND c.reported_at < \(bind: scope.to) \(unitFilter)
            """
        ).all()
        // Two answers recorded in the same instant would give a victim two rows; they count once.
        var seen = Set<UUID>()
        var cases: [VideoOutcomes.Case] = []
        cases.reserveCapacity(rows.count)
        for row in rows {
            guard seen.insert(try row.decode(column: "victim_id", as: UUID.self)).inserted else { continue }
            let reported = try row.decode(column: "reported_at", as: Date.self)
            let responded = try row.decode(column: "responded_at", as: Date?.self)
            cases.append(
                VideoOutcomes.Case(
                    arm: try row.decode(column: "choice", as: String.self) == video ? .video : .inPerson,
                    unit: try row.decode(column: "unit", as: String.self),
                    offenceGroup: try row.decode(column: "offence_group", as: String.self),
                    arrestOrInterview: try row.decode(column: "arrest", as: Int.self) == 1,
                    positiveOutcome: try row.decode(column: "positive", as: Int.self) == 1,
                    withdrew: try row.decode(column: "withdrew", as: Int.self) == 1,
                    satisfaction: try row.decode(column: "satisfaction", as: Int?.self),
                    wouldRecommend: try row.decode(column: "recommend", as: Int?.self).map { $0 == 1 },
                    hoursToResponse: responded.map { $0.timeIntervalSince(reported) / 3600 }))
        }
        return cases
    }
}
