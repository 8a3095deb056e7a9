import Fluent
import Foundation
import VictimCareDomain

/// The Victims' Right to Review: requests, acknowledgement and outcome, with the reviewer rules enforced.
enum ReviewService {
    /// Whether this victim may ask for a review, and the decision it would review: the case's events in time
    /// order and whether the victim withdrew their support (2026-11-30, issue 14).
    static func eligibility(victimID: UUID, on db: any Database) async throws -> (
        eligibility: RightToReview.Eligibility, decision: CaseEvent?
    ) {
        let victim = try await VictimService.find(victimID, on: db)
        let events = try await CaseEvent.query(on: db).filter(\.$crime.$id == victim.$crime.id).all()
        let withdrew = try await VictimAction.query(on: db).filter(\.$victim.$id == victimID)
            .filter(\.$kind == VictimActionKind.withdrewSupport.rawValue).sort(\.$at).first()?.at
        let decided = RightToReview.decide(
            events: events.compactMap { e in
                e.type.map { RightToReview.Event($0, at: e.at.timeIntervalSince1970, id: e.id!.uuidString) }
            },
            withdrewSupportAt: withdrew?.timeIntervalSince1970)
        return (decided.eligibility, decided.decision.flatMap { d in events.first { $0.id?.uuidString == d.id } })
    }

    static func request(
        victimID: UUID, toldOn rawTold: String?, requestedOn rawRequested: String?, lateReason rawReason: String?,
        context: AccessContext, on db: any Database
    ) async throws -> ReviewRequest {
        let victim = try await VictimService.find(victimID, on: db)
        try await VictimService.checkAccess(.recordVictimAction, victim, context: context, on: db)
        let checked = try await eligibility(victimID: victimID, on: db)
        if case .notEligible(let why) = checked.eligibility {
            throw DomainError.invalid("review", "Not eligible for a review: \(why)")
        }
        guard let decision = checked.decision else {
            throw DomainError.invalid("review", "There is no decision to review")
        }
        var v = Validator()
        let told = v.date(rawTold, "toldOn", "the date they were told") ?? London.date(of: decision.at)
        let requested = v.date(rawRequested, "requestedOn", "the date they asked") ?? London.date(of: Date())
        let reason = v.optional(rawReason, "lateReason", "the reason for accepting a late request", max: 1000)
        if told < London.date(of: decision.at) { v.fail("toldOn", "They cannot have been told before the decision") }
        if told > London.date(of: Date()) { v.fail("toldOn", "The date they were told cannot be in the future") }
        if requested < told { v.fail("requestedOn", "The request cannot come before they were told") }
        if requested > London.date(of: Date()) { v.fail("requestedOn", "The request date cannot be in the future") }
        let policy = try await VictimsCodeConfig.current(on: db).currentPolicy
        if RightToReview.requestNeedsReason(toldOn: told, requestedOn: requested, policy: policy), reason == nil {
            v.fail(
                "lateReason",
                "The request came more than \(policy.reviewRequestMonths) months after they were told: record why it is accepted"
            )
        }
        try v.check()
        let review = ReviewRequest()
        review.$victim.id = victimID
        review.$decision.id = decision.id!
        review.toldOn = told.description
        review.requestedAt = max(London.startOfDay(requested).addingTimeInterval(12 * 3600), decision.at)
        review.lateReason = reason
        review.recordedByName = context.actor.name
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victimID], on: tx)
            try await review.create(on: tx)
            try await AuditLog.record(
                .create, "review_request", review.id, summary: "victim \(victimID)", context: context, on: tx)
            try await ObligationService.recompute([victimID], on: tx)
        }
        return review
    }

    static func acknowledge(reviewID: UUID, context: AccessContext, on db: any Database) async throws {
        let review = try await find(reviewID, on: db)
        let victim = try await VictimService.find(review.$victim.id, on: db)
        try await VictimService.checkAccess(.manageReview, victim, context: context, on: db)
        guard review.acknowledgedAt == nil else { return }
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victim.id!], on: tx)
            review.acknowledgedAt = Date()
            try await review.save(on: tx)
            try await AuditLog.record(
                .update, "review_request", reviewID, summary: "acknowledged", context: context, on: tx)
            try await ObligationService.recompute([victim.id!], on: tx)
        }
    }

    /// Records the review's outcome. The reviewer is the person recording it: Inspector rank or above, and
    /// not involved in the original decision (who recorded it, or the officer in the case).
    static func complete(
        reviewID: UUID, outcome rawOutcome: String?, reviewer: User, context: AccessContext, on db: any Database
    ) async throws {
        let review = try await find(reviewID, on: db)
        let victim = try await VictimService.find(review.$victim.id, on: db)
        try await VictimService.checkAccess(.manageReview, victim, context: context, on: db)
        var v = Validator()
        let outcome = v.required(rawOutcome, "outcome", "the outcome", max: 20)
        if !outcome.isEmpty, !["upheld", "overturned"].contains(outcome) {
            v.fail("outcome", "The outcome is that the decision is upheld or overturned")
        }
        let decision = try await CaseEvent.find(review.$decision.id, on: db)
        let crime = try await CrimeService.find(victim.$crime.id, on: db)
        let involved = Set([decision?.recordedByID, crime.$officerInCase.id].compactMap { $0 })
        if let problem = RightToReview.reviewerProblem(
            rank: reviewer.rank, reviewerID: reviewer.id!, involved: involved)
        {
            v.fail("outcome", problem)
        }
        try v.check()
        try await db.transaction { tx in
            try await VictimService.bumpFacts([victim.id!], on: tx)
            let now = Date()
            if review.acknowledgedAt == nil { review.acknowledgedAt = now }
            review.completedAt = now
            review.outcome = outcome
            review.reviewerID = reviewer.id
            try await review.save(on: tx)
            try await AuditLog.record(
                .update, "review_request", reviewID, summary: "completed: \(outcome)", context: context, on: tx)
            try await ObligationService.recompute([victim.id!], on: tx)
        }
    }

    static func find(_ id: UUID, on db: any Database) async throws -> ReviewRequest {
        guard let review = try await ReviewRequest.find(id, on: db) else {
            throw DomainError.notFound("review request")
        }
        return review
    }
}
