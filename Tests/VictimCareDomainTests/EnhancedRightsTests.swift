import Foundation
import Testing

@testable import VictimCareDomain

struct EnhancedRightsTests {
    static func assess(
        mostSerious: Bool = false, flags: Set<CrimeFlag> = [], occurred: String = "2025-06-01",
        reported: String = "2025-06-02",
        dob: String? = "1980-01-01", assessment: NeedsAssessment? = nil, victimisations: Int = 1,
        assessedOn: String? = nil, exceptions: [EnhancedGround: String] = [:]
    ) -> EnhancedRightsDecision {
        EnhancedRights.assess(
            EnhancedRightsInput(
                offenceIsMostSerious: mostSerious, flags: flags, occurredOn: LocalDate(occurred)!,
                reportedOn: LocalDate(reported)!,
                dateOfBirth: dob.flatMap(LocalDate.init), assessment: assessment, recentVictimisations: victimisations,
                assessedOn: assessedOn.flatMap(LocalDate.init), groundExceptions: exceptions),
            policy: .standard)
    }

    @Test func anAdultVictimOfTheftHasStandardRights() {
        let decision = Self.assess()
        #expect(!decision.enhanced)
        #expect(decision.suggestions.isEmpty)
        #expect(!decision.considerVideoInterview)
    }

    @Test func mostSeriousCrimeFromTheOffenceOrItsFlags() {
        #expect(Self.assess(mostSerious: true).groundList == [.mostSeriousCrime])
        #expect(Self.assess(flags: [.hateCrime]).groundList == [.mostSeriousCrime])
        #expect(Self.assess(assessment: NeedsAssessment(bereavedRelative: true)).groundList == [.mostSeriousCrime])
    }

    @Test func under18AtTheOffenceIsVulnerableEvenIfAdultNow() {
        let decision = Self.assess(occurred: "2025-06-01", reported: "2026-01-10", dob: "2007-06-02")
        #expect(decision.grounds[.vulnerable] == ["Under 18 at the time of the offence"])
        #expect(decision.section16 && decision.section28 && decision.considerVideoInterview)
        #expect(!Self.assess(occurred: "2025-06-02", dob: "2007-06-02").enhanced, "18 on the day")
    }

    @Test func domesticAbuseComplainantsAreIntimidatedFrom19May2022() {
        #expect(Self.assess(flags: [.domesticAbuse], reported: "2022-05-19").grounds[.intimidated] != nil)
        #expect(
            Self.assess(flags: [.domesticAbuse], occurred: "2022-05-01", reported: "2022-05-18").grounds[.intimidated]
                == nil)
        #expect(Self.assess(flags: [.domesticAbuse], reported: "2022-05-18").enhanced, "still a most serious crime")
        // Issue 14: the rule applies to decisions from 19 May 2022, whenever the crime was reported.
        #expect(
            Self.assess(
                flags: [.domesticAbuse], occurred: "2022-05-01", reported: "2022-05-18", assessedOn: "2025-06-02"
            )
            .grounds[.intimidated] != nil)
    }

    @Test func sexualOffenceComplainantsGetSection28() {
        let decision = Self.assess(flags: [.sexualOffence])
        #expect(decision.groundList == [.mostSeriousCrime, .intimidated])
        #expect(decision.section17 && decision.section28)
        let knife = Self.assess(flags: [.gunOrKnife])
        #expect(knife.section17 && !knife.section28)
    }

    @Test func repeatVictimisationIsSuggestedNotDecided() {
        let repeated = Self.assess(victimisations: 3)
        #expect(!repeated.enhanced)
        #expect(repeated.suggestions.count == 1)
        let recorded = Self.assess(assessment: NeedsAssessment(persistentlyTargeted: true), victimisations: 3)
        #expect(recorded.groundList == [.persistentlyTargeted])
        #expect(recorded.suggestions.isEmpty)
    }

    @Test func theOfficersAssessmentAddsVulnerabilityAndIntimidation() {
        let decision = Self.assess(assessment: NeedsAssessment(vulnerability: [.physicalDisability], intimidated: true))
        #expect(decision.groundList == [.vulnerable, .intimidated])
        #expect(decision.grounds[.vulnerable] == ["A physical disability or disorder"])
    }
}

struct RightToReviewTests {
    @Test(arguments: [
        ([CaseEventType.suspectInterviewed, .decisionNotToProsecute], true),
        ([.decisionNotToProsecute], false),
        ([.suspectInterviewed, .decisionNotToProsecute, .charged], false),
        ([.suspectInterviewed, .decisionNotToProsecute, .outOfCourtDisposal], false),
        // Issue 14: released with no further action after an interview is a decision not to charge.
        ([.suspectInterviewed, .releasedNFA], true),
        ([.releasedNFA, .suspectInterviewed], false),
    ])
    func eligibility(_ events: [CaseEventType], _ eligible: Bool) {
        #expect((RightToReview.eligibility(events: events) == .eligible) == eligible)
    }

    @Test func requestsAfterThreeMonthsNeedAReason() {
        let told = LocalDate("2025-01-31")!
        #expect(
            !RightToReview.requestNeedsReason(toldOn: told, requestedOn: LocalDate("2025-04-30")!, policy: .standard))
        #expect(
            RightToReview.requestNeedsReason(toldOn: told, requestedOn: LocalDate("2025-05-01")!, policy: .standard))
        #expect(LocalDate("2025-01-31")!.adding(months: 1).description == "2025-02-28")
    }

    @Test func reviewerMustBeAnInspectorNotInvolved() {
        let reviewer = UUID()
        #expect(RightToReview.reviewerProblem(rank: "DS", reviewerID: reviewer, involved: []) != nil)
        #expect(RightToReview.reviewerProblem(rank: "DI", reviewerID: reviewer, involved: [reviewer]) != nil)
        #expect(RightToReview.reviewerProblem(rank: "DI", reviewerID: reviewer, involved: []) == nil)
        #expect(RightToReview.reviewerProblem(rank: "Ch Supt", reviewerID: reviewer, involved: [UUID()]) == nil)
    }

    @Test func callBackPolicyChangesWithItsDates() {
        let policy = CallBackPolicy(entries: [
            .init(
                offenceCode: "045/00", callBack: false, note: "sufficient information on the report",
                from: LocalDate("2021-04-01")!),
            .init(offenceCode: "045/00", callBack: true, note: "mandatory call-back", from: LocalDate("2022-09-05")!),
        ])
        #expect(
            policy.decision(offenceCode: "045/00", on: LocalDate("2022-09-04")!)
                == .notRoutine(reason: "Not routinely called back: sufficient information on the report"))
        #expect(policy.decision(offenceCode: "045/00", on: LocalDate("2022-09-05")!) == .required)
        #expect(policy.decision(offenceCode: "008/01", on: LocalDate("2022-09-05")!) == .required)
    }
}
