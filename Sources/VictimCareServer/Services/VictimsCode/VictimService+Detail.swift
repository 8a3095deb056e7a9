import Fluent
import Foundation
import SQLKit
import VictimCareDomain

extension VictimService {
    /// Everything on a victim's page: who they are, their rights, what they are owed, and what was done.
    struct Detail: Sendable {
        var victim: Victim
        var person: Person
        var crime: Crime
        var obligations: [ObligationRecord]
        var contacts: [Contact]
        var actions: [VictimAction]
        var assessment: NeedsAssessmentRecord?
        var decision: EnhancedRightsDecision
        var contactPoints: [ContactPoint]
        var reviews: [ReviewRequest]
        var reviewEligibility: RightToReview.Eligibility
        var events: [CaseEvent]
        var duties: [String: String]
        var messages: [OutboundMessage]
        /// What the victim asked for on their case page.
        var requests: [CaseRequest]
        var invitations: [FeedbackInvitation]
        /// Leaflet and case page links given out (sessions and feedback links are not listed).
        var links: [VictimLink]
        var referrals: [Referral]
        var consents: [ReferralConsentRecord]
        /// The trials the victim is allocated in, and the arm.
        var trials: [(Trial, TrialService.Arm)]
        /// The crime's units (and any sharing) against which changes are checked.
        var scope: RecordScope
        /// Calls the Victim Focus Desk took or made about this victim, newest first.
        var deskCalls: [DeskCall]
        /// Automatic grounds a supervisor recorded as not holding.
        var exceptions: [EnhancedGroundException] = []
        /// Contact attempts of any outcome, for the prompt to try when an update is overdue.
        var attempts: [Date] = []
        /// Whether the crime makes some ground automatic that a supervisor could set aside.
        var exceptableGround: EnhancedGround?
        /// Their latest answer to the offer of a video call (issue 16).
        var responseChoice: ResponseChoice?
    }

    static func detail(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Detail {
        let victim = try await find(id, on: db)
        let scope = try await checkAccess(.viewPerson, victim, context: context, on: db)
        try await AuditLog.record(.view, "victim", id, context: context, on: db)
        try await AuditLog.recordViews(
            "person", [victim.$person.id], summary: "victim page \(id)", context: context, on: db)
        let person = try await PersonService.find(victim.$person.id, on: db)
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let latest = try await NeedsAssessmentService.latest(victimID: id, on: db)
        let input = try await NeedsAssessmentService.input(victimID: id, assessment: latest?.answers, on: db)
        let config = try await VictimsCodeConfig.current(on: db)
        let policy = config.currentPolicy
        return Detail(
            victim: victim, person: person, crime: crime,
            // Only duties that have arisen: the reason for a missed update is worked out ahead of its time.
            obligations: try await ObligationRecord.query(on: db).filter(\.$victim.$id == id)
                .filter(\.$triggeredAt <= Date()).sort(\.$dueAt).all(),
            contacts: try await Contact.query(on: db).filter(\.$victim.$id == id).sort(\.$at, .descending).all(),
            actions: try await VictimAction.query(on: db).filter(\.$victim.$id == id).sort(\.$at, .descending).all(),
            assessment: latest, decision: EnhancedRights.assess(input, policy: policy),
            contactPoints: try await ContactPoint.query(on: db).filter(\.$person.$id == person.id!).all(),
            reviews: try await ReviewRequest.query(on: db).filter(\.$victim.$id == id).sort(\.$requestedAt).all(),
            reviewEligibility: try await ReviewService.eligibility(victimID: id, on: db).eligibility,
            events: try await CaseEvent.query(on: db).filter(\.$crime.$id == crime.id!).sort(\.$at).all(),
            duties: Dictionary(policy.rules.map { ($0.code, $0.duty) }, uniquingKeysWith: { first, _ in first }),
            messages: try await OutboxService.messages(victimID: id, on: db),
            requests: try await CaseAccess.requests(victimID: id, on: db),
            invitations: try await FeedbackService.invitations(victimID: id, on: db),
            links: try await VictimLink.query(on: db).filter(\.$victim.$id == id)
                .filter(\.$purposeCode ~~ [VictimLink.Purpose.leaflet.rawValue, VictimLink.Purpose.track.rawValue])
                .sort(\.$createdAt, .descending).limit(20).all(),
            referrals: try await ReferralService.referrals(victimID: id, on: db),
            consents: try await ReferralConsentRecord.query(on: db).filter(\.$victim.$id == id)
                .sort(\.$recordedAt, .descending).limit(10).all(),
            trials: try await TrialService.allocations(victimID: id, on: db), scope: scope,
            deskCalls: try await DeskCall.query(on: db).filter(\.$victim.$id == id).sort(\.$at, .descending).limit(50)
                .all(),
            exceptions: try await EnhancedGroundException.query(on: db).filter(\.$victim.$id == id).all(),
            attempts: try await Contact.query(on: db).filter(\.$victim.$id == id).all().map(\.at),
            exceptableGround: crime.flags.isDisjoint(with: policy.persistentlyTargetedFlags)
                || victim.basis == .business
                ? nil : .persistentlyTargeted,
            responseChoice: try await ResponseTriageService.latestChoice(victimID: id, on: db))
    }

    /// Victims of a crime with their enhanced status, for the crime's page.
    static func victims(ofCrime crimeID: UUID, on db: any Database) async throws -> [Victim] {
        try await Victim.query(on: db).filter(\.$crime.$id == crimeID).all()
    }

    /// Open and overdue counts per victim of a crime.
    static func openCounts(crimeID: UUID, on db: any Database) async throws -> [UUID: (open: Int, overdue: Int)] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let now = Date()
        var counts: [UUID: (open: Int, overdue: Int)] = [:]
        for row in try await FastRows.query(
            """
            SELECT victim_id, COUNT(*), SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) FROM obligations
            WHERE crime_id = ? AND state = 'open' AND triggered_at <= ? GROUP BY victim_id
            """, [.date(now), .uuid(crimeID), .date(now)], on: sql)
        {
            if let victim = row.uuid(0) { counts[victim] = (row.int(1) ?? 0, row.int(2) ?? 0) }
        }
        return counts
    }
}
