import Foundation
import Testing

@testable import VictimCareDomain

/// Issue 14: the places the engine parted from `shared/domain/victims-code.md`, one test per defect, each on a
/// real case history. The crime is reported on Monday 2 June 2025 at 10:00 London time.
@Suite struct VictimsCodeExactlyTests {
    static let engine = ObligationEngine()
    static func t(_ text: String) -> Double { Instant.parse(text)!.timeIntervalSince1970 }
    static let recorded = t("2025-06-02T09:00:00Z")

    static func facts(_ change: (inout VictimFacts) -> Void = { _ in }) -> VictimFacts {
        var facts = VictimFacts(recordedAt: recorded, enhancedHistory: [(recorded, false)])
        change(&facts)
        return facts
    }

    static func owed(_ facts: VictimFacts) -> [String: Obligation] {
        Dictionary(uniqueKeysWithValues: engine.obligations(for: facts).map { ($0.key, $0) })
    }

    static func updates(_ facts: VictimFacts) -> [Obligation] {
        engine.obligations(for: facts).filter { $0.code == "R15" }.sorted { $0.triggeredAt < $1.triggeredAt }
    }

    static func call(_ at: String) -> VictimFacts.Done { .init(kind: .successfulContact, at: t(at), label: "call") }

    // MARK: 1, 2 and 9e: the regular update across closing, reopening and the Witness Care Unit

    @Test func reopeningStartsANewChainAndTheClosedMonthsOweNothing() {
        let closed = Self.t("2025-06-22T09:00:00Z")
        let reopened = Self.t("2025-09-01T09:00:00Z")
        let history = Self.facts {
            $0.done = [Self.call("2025-06-12T09:00:00Z")]
            $0.pauses = [.init(from: closed, to: reopened, why: .closed)]
        }
        let links = Self.updates(history)
        #expect(links.first?.key == "R15:1" && links.first?.state == .met)
        // The link due on 10 July fell inside the closure: not owed, so not overdue.
        #expect(!links.contains { $0.dueDate.description == "2025-07-10" })
        let open = links.filter { $0.state == .open }
        #expect(open.count == 1)
        #expect(open.first?.triggeredAt == reopened)
        #expect(open.first?.dueDate.description == "2025-09-29")
        #expect(open.first?.key == "R15:\(Int64(reopened)):1", "a stretch after reopening is keyed by its start")

        // Closed again before that link fell due: nothing is owed any more.
        var closedAgain = history
        closedAgain.pauses.append(.init(from: Self.t("2025-09-15T09:00:00Z"), to: nil, why: .closed))
        #expect(Self.updates(closedAgain).filter { $0.state == .open }.isEmpty)
    }

    @Test func anUpdateAlreadyOverdueWhenTheCaseClosedStaysOwed() {
        let owed = Self.owed(Self.facts { $0.pauses = VictimFacts.closed(at: Self.t("2025-07-05T09:00:00Z")) })
        #expect(owed["R15:1"]?.state == .open)
        #expect(owed["R15:1"]?.dueDate.description == "2025-06-30")
    }

    @Test func closingTheCaseNeverDeletesAnUpdateAlreadyMet() {
        let owed = Self.owed(
            Self.facts {
                $0.done = [.init(kind: .successfulContact, at: Self.recorded + 10 * 86_400, label: "call")]
                $0.pauses = VictimFacts.closed(at: Self.recorded + 20 * 86_400)
            })
        #expect(owed["R15:1"]?.state == .met, "met on 12 June, before the case closed on 22 June")
        #expect(owed["R15:2"] == nil, "due 10 July, after the closure: not owed")
    }

    @Test func aReferralMadeThenDeclinedStaysMet() {
        let owed = Self.owed(
            Self.facts {
                $0.referralConsent = .no
                $0.done = [.init(kind: .referral, at: Self.recorded + 86_400, label: "batch 3")]
            })
        #expect(owed["R7:crime"]?.state == .met)
    }

    @Test func theWitnessCareUnitTakesOverTheUpdatesOnlyWhenHandedOver() {
        let charged = Self.t("2025-06-20T09:00:00Z")
        let chargeOnly = Self.facts {
            $0.events = [.init(key: "e1", trigger: .charged, at: charged)]
            $0.done = [Self.call("2025-06-21T09:00:00Z")]
        }
        #expect(Self.updates(chargeOnly).contains { $0.state == .open }, "a charge alone stops nothing")
        var handedOver = chargeOnly
        handedOver.pauses = [.init(from: charged, to: nil, why: .witnessCare)]
        #expect(Self.updates(handedOver).filter { $0.state == .open }.isEmpty)
        // Handed back on 1 October: the team owes updates again from then.
        handedOver.pauses = [.init(from: charged, to: Self.t("2025-10-01T09:00:00Z"), why: .witnessCare)]
        let open = Self.updates(handedOver).filter { $0.state == .open }
        #expect(open.map(\.dueDate.description) == ["2025-10-29"])
    }

    // MARK: 3: victims added after the report

    @Test func aVictimLinkedLaterIsOwedTheReportDutiesFromThen() {
        let linked = Self.t("2025-06-09T09:00:00Z")
        let owed = Self.owed(
            Self.facts {
                $0.becameVictimAt = linked
                $0.events = [.init(key: "arrest", trigger: .suspectArrested, at: Self.t("2025-06-03T12:00:00Z"))]
            })
        #expect(owed["R4:crime"]?.dueDate.description == "2025-06-10")
        #expect(owed["R7:crime"]?.dueDate.description == "2025-06-11")
        #expect(owed["R15:1"]?.dueDate.description == "2025-07-07")
        #expect(owed["R9:arrest"]?.triggeredAt == linked, "told of the arrest from when they became a victim")
        #expect(owed["R9:arrest"]?.dueDate.description == "2025-06-16")
        // The recording decision runs from the report itself.
        #expect(owed["R2:crime"]?.dueAt == Self.recorded + 86_400)
    }

    @Test func aNeedFoundLaterIsOwedFromWhenItWasFound() {
        let owed = Self.owed(
            Self.facts {
                $0.interpreterNeeded = true
                $0.interpreterNeededSince = Self.t("2025-06-16T09:00:00Z")
            })
        #expect(owed["R1:crime"]?.dueDate.description == "2025-06-17")
    }

    // MARK: 4: harassment and stalking

    static func input(
        flags: Set<CrimeFlag>, assessment: NeedsAssessment? = nil, exceptions: [EnhancedGround: String] = [:],
        reported: String = "2025-06-02"
    ) -> EnhancedRightsInput {
        EnhancedRightsInput(
            offenceIsMostSerious: false, flags: flags, occurredOn: LocalDate(reported)!,
            reportedOn: LocalDate(reported)!,
            dateOfBirth: LocalDate("1980-01-01"), assessment: assessment, recentVictimisations: 1,
            groundExceptions: exceptions)
    }

    @Test func harassmentAndStalkingVictimsArePersistentlyTargetedFromTheStart() {
        let decision = EnhancedRights.assess(Self.input(flags: [.harassmentOrStalking]), policy: .standard)
        #expect(decision.groundList == [.persistentlyTargeted])
        let timeline = EnhancedRights.timeline(
            Self.input(flags: [.harassmentOrStalking]), start: Self.recorded, assessments: [], policy: .standard)
        let owed = Self.owed(
            Self.facts {
                $0.flags = [.harassmentOrStalking]
                $0.enhancedHistory = EnhancedRights.history(timeline)
                $0.events = [.init(key: "arrest", trigger: .suspectArrested, at: Self.t("2025-06-06T10:00:00Z"))]
            })
        #expect(owed["R9:arrest"]?.dueDate.description == "2025-06-09", "1 working day, not 5")
        #expect(owed["R19:enhanced"]?.dueDate.description == "2025-06-03")
    }

    @Test func aSupervisorCanRecordWhyPersistentTargetingDoesNotApply() {
        let reason = "A single message from a stranger, no course of conduct"
        let decision = EnhancedRights.assess(
            Self.input(flags: [.harassmentOrStalking], exceptions: [.persistentlyTargeted: reason]), policy: .standard)
        #expect(!decision.enhanced)
        #expect(decision.exceptions[.persistentlyTargeted] == reason)
        // The officer's own answer in the assessment still counts.
        let recorded = EnhancedRights.assess(
            Self.input(
                flags: [.harassmentOrStalking], assessment: NeedsAssessment(persistentlyTargeted: true),
                exceptions: [.persistentlyTargeted: reason]), policy: .standard)
        #expect(recorded.groundList == [.persistentlyTargeted])
    }

    // MARK: 5: referral unless the victim opts out; explicit consent first where the Code asks

    @Test func everyVictimIsReferredUnlessTheyOptOut() {
        #expect(ReferralPolicy.shouldRefer(consent: .notAsked, explicitConsentNeeded: false))
        #expect(!ReferralPolicy.shouldRefer(consent: .no, explicitConsentNeeded: false))
        #expect(!ReferralPolicy.shouldRefer(consent: .notAsked, explicitConsentNeeded: true))
        #expect(ReferralPolicy.shouldRefer(consent: .yes, explicitConsentNeeded: true))
        #expect(VictimsCodePolicy.standard.needsExplicitConsent(flags: [.domesticAbuse], bereaved: false))
        #expect(VictimsCodePolicy.standard.needsExplicitConsent(flags: [.homicide], bereaved: false))
        #expect(VictimsCodePolicy.standard.needsExplicitConsent(flags: [], bereaved: true))
        #expect(!VictimsCodePolicy.standard.needsExplicitConsent(flags: [.hateCrime], bereaved: false))
    }

    @Test func aReferralWithoutExplicitConsentMeetsNothing() {
        let manual = Self.owed(
            Self.facts {
                $0.flags = [.domesticAbuse]
                $0.done = [.init(kind: .referral, at: Self.recorded + 3600, label: "manual")]
            })
        #expect(manual["R7:crime"]?.state != .met)
        #expect(manual["R7a:crime"]?.state == .open)

        let consented = Self.owed(
            Self.facts {
                $0.flags = [.domesticAbuse]
                $0.referralConsent = .yes
                $0.consentHistory = [(Self.t("2025-06-04T09:00:00Z"), .yes)]
                $0.done = [
                    .init(kind: .explicitConsent, at: Self.t("2025-06-04T09:00:00Z"), label: "asked"),
                    .init(kind: .referral, at: Self.recorded + 3600, label: "too early"),
                    .init(kind: .referral, at: Self.t("2025-06-05T09:00:00Z"), label: "after the yes"),
                ]
            })
        #expect(consented["R7a:crime"]?.state == .met)
        #expect(consented["R7:crime"]?.dueDate.description == "2025-06-06", "2 working days from the yes")
        #expect(consented["R7:crime"]?.metBy == "after the yes")

        let declined = Self.owed(
            Self.facts {
                $0.flags = [.sexualOffence]
                $0.referralConsent = .no
                $0.consentHistory = [(Self.recorded + 600, .no)]
            })
        #expect(declined["R7:crime"]?.state == .notApplicable)
    }

    // MARK: 6, 7: the Right to Review and the reviewer's rank

    @Test func rightToReviewFollowsTheDecisionAndTheVictimsSupport() {
        let events = [
            RightToReview.Event(.suspectInterviewed, at: 10, id: "interview"),
            RightToReview.Event(.releasedNFA, at: 20, id: "nfa"),
        ]
        let released = RightToReview.decide(events: events, withdrewSupportAt: nil)
        #expect(released.eligibility == .eligible)
        #expect(released.decision?.id == "nfa")
        #expect(RightToReview.decide(events: events, withdrewSupportAt: 15).eligibility != .eligible)
        #expect(RightToReview.decide(events: events, withdrewSupportAt: 25).eligibility == .eligible)
        #expect(
            RightToReview.eligibility(events: [.suspectInterviewed, .decisionNotToProsecute], withdrewSupport: true)
                != .eligible)
    }

    @Test func ranksHaveAnOrderAndActingRanksCount() {
        for rank in [
            "Detective Inspector", "DI", "A/DI", "T/DI", "Acting Inspector", "Insp", "Insp.", "DCI",
            "Detective Chief Superintendent", "Det Ch Supt", "Chief Constable", "ACC", "DCC", "Commander", "T/Supt",
        ] {
            #expect(Rank.isInspectorOrAbove(rank), "\(rank)")
        }
        for rank in ["DS", "A/DS", "PC", "Sergeant", "Detective Constable", "", "Chief", "Manager"] {
            #expect(!Rank.isInspectorOrAbove(rank), "\(rank)")
        }
        #expect(Rank(parsing: "Detective Chief Inspector") == .chiefInspector)
        #expect(Rank(parsing: "Ch Supt")! > Rank(parsing: "Supt")!)
        #expect(Rank(parsing: "nonsense") == nil)
    }

    // MARK: 8: the safety gate and contact points for any crime where the suspect may see messages

    @Test func contactPointsAreNotSafeByDefaultWhereTheSuspectMaySeeThem() {
        #expect(!ContactSafety.safeByDefault(flags: [.harassmentOrStalking], suspectKnown: false, policy: .standard))
        #expect(!ContactSafety.safeByDefault(flags: [.domesticAbuse], suspectKnown: false, policy: .standard))
        #expect(!ContactSafety.safeByDefault(flags: [], suspectKnown: true, policy: .standard))
        #expect(ContactSafety.safeByDefault(flags: [.hateCrime], suspectKnown: false, policy: .standard))
    }

    // MARK: 9: smaller defects

    @Test func anotherReasonIsNotSection16() {
        let decision = EnhancedRights.assess(
            Self.input(flags: [], assessment: NeedsAssessment(vulnerability: [.other])), policy: .standard)
        #expect(!decision.section16 && !decision.section28 && !decision.enhanced)
        #expect(decision.suggestions.contains { $0.contains("section 16") })
    }

    @Test func domesticAbuseIntimidationStartsOn19May2022ForACaseAlreadyOpen() {
        let start = Self.t("2022-05-18T09:00:00Z")
        let timeline = EnhancedRights.timeline(
            Self.input(flags: [.domesticAbuse], reported: "2022-05-18"), start: start, assessments: [],
            policy: .standard)
        #expect(timeline.first?.decision.section17 == false)
        #expect(timeline.last?.decision.section17 == true)
        #expect(timeline.last?.at == LondonClock.startOfDay(LocalDate("2022-05-19")!))
    }

    @Test func homicideOwesAFamilyLiaisonOfficer() {
        #expect(Self.owed(Self.facts { $0.flags = [.homicide] })["R17:crime"] != nil)
    }

    @Test func everyTimeAVictimBecomesEnhancedRaisesR19() {
        let owed = Self.owed(
            Self.facts {
                $0.enhancedHistory = [
                    (Self.recorded, true), (Self.recorded + 5 * 86_400, false), (Self.recorded + 10 * 86_400, true),
                ]
            })
        let r19 = owed.values.filter { $0.code == "R19" }.sorted { $0.triggeredAt < $1.triggeredAt }
        #expect(r19.count == 2)
        #expect(r19.first?.key == "R19:enhanced", "the first keeps the key it always had")
        #expect(r19.last?.dueDate.description == "2025-06-13")
    }

    @Test func theCalendarCountsBankHolidaysInEveryYear() {
        let short = WorkingDayCalendar(years: 2000...2040)
        #expect(short.adding(workingDays: 1, to: LocalDate("2041-12-24")!).description == "2041-12-27")
        #expect(short.adding(workingDays: 1, to: LocalDate("1999-12-30")!).description == "2000-01-04")
        let calendar = WorkingDayCalendar()
        #expect(calendar.adding(workingDays: 1, to: LocalDate("1999-12-30")!).description == "2000-01-04")
        #expect(calendar.adding(workingDays: 1, to: LocalDate("1995-05-05")!).description == "1995-05-09")
        #expect(calendar.isWorkingDay(LocalDate("1995-05-01")!))
        #expect(calendar.adding(workingDays: 1, to: LocalDate("2150-12-24")!).description == "2150-12-29")
        #expect(short.holidayName(LocalDate("2041-12-25")!) == "Christmas Day")
    }

    // MARK: 10: rules that were missing

    @Test func theCrimeRecordingDecisionIsDueWithin24Hours() {
        let open = Self.owed(Self.facts())["R2:crime"]
        #expect(open?.dueAt == Self.recorded + 86_400)
        let met = Self.owed(
            Self.facts {
                $0.done = [.init(kind: .recordingDecision, at: Self.recorded + 3 * 3600, label: "recorded")]
            })["R2:crime"]
        #expect(met?.state == .met && met?.metLate == false)
    }

    @Test func aBusinessIsOfferedTheImpactStatementNotTheVictimsOwn() {
        let owed = Self.owed(Self.facts { $0.basis = .business })
        #expect(owed["R18:crime"]?.dueDate.description == "2025-06-09")
        #expect(owed["R16:crime"] == nil && owed["R6:crime"] == nil)
        #expect(Self.owed(Self.facts())["R18:crime"] == nil)
        #expect(
            EnhancedRights.assess(
                EnhancedRightsInput(
                    offenceIsMostSerious: true, flags: [.hateCrime], occurredOn: LocalDate("2025-06-01")!,
                    reportedOn: LocalDate("2025-06-02")!, dateOfBirth: nil, assessment: nil, recentVictimisations: 1,
                    business: true), policy: .standard
            ).enhanced == false)
    }

    @Test func theWiderVictimsOfThe2024ActFrom29January2025() {
        let policy = VictimsCodePolicy.standard
        #expect(VictimBasis.sawOrHeard.problem(flags: [], on: LocalDate("2025-01-28")!, policy: policy) != nil)
        #expect(VictimBasis.sawOrHeard.problem(flags: [], on: LocalDate("2025-01-29")!, policy: policy) == nil)
        #expect(
            VictimBasis.childInAbusiveHousehold.problem(flags: [], on: LocalDate("2025-06-01")!, policy: policy) != nil)
        #expect(
            VictimBasis.childInAbusiveHousehold.problem(
                flags: [.domesticAbuse], on: LocalDate("2025-06-01")!, policy: policy) == nil)
        #expect(VictimBasis.direct.problem(flags: [], on: LocalDate("2020-01-01")!, policy: policy) == nil)
    }

    @Test func aMissedUpdateOwesTheReason() {
        let missed = Self.owed(Self.facts())
        let reason = missed["R15W:R15:1"]
        #expect(reason?.triggeredAt == missed["R15:1"]?.dueAt, "owed from the missed deadline")
        #expect(reason?.dueDate.description == "2025-07-01")
        #expect(reason?.arisen(now: Self.t("2025-06-20T09:00:00Z")) == false, "not owed before the update is missed")
        let explained = Self.owed(
            Self.facts {
                $0.done = [
                    .init(kind: .updateFrequencyExplained, at: Self.t("2025-06-27T09:00:00Z"), label: "told in advance")
                ]
            })
        #expect(explained["R15W:R15:1"]?.state == .met)
        let onTime = Self.owed(Self.facts { $0.done = [Self.call("2025-06-20T09:00:00Z")] })
        #expect(onTime["R15W:R15:1"] == nil, "an update on time owes no reason")
    }

    @Test func anOverdueUpdateWithNoAttemptPromptsOne() {
        let link = Self.owed(Self.facts())["R15:1"]!
        let after = Self.t("2025-07-02T09:00:00Z")
        #expect(link.needsAttempt(attempts: [], now: after))
        #expect(link.needsAttempt(attempts: [Self.t("2025-06-25T09:00:00Z")], now: after), "tried before it fell due")
        #expect(!link.needsAttempt(attempts: [Self.t("2025-07-01T09:00:00Z")], now: after))
        #expect(!link.needsAttempt(attempts: [], now: Self.t("2025-06-29T09:00:00Z")), "not overdue yet")
        #expect(!Self.owed(Self.facts())["R4:crime"]!.needsAttempt(attempts: [], now: after), "not an update")
    }

    // MARK: 11: the leaflet in the victim's language

    @Test func theLeafletCountsOnlyInTheVictimsLanguage() {
        func leaflet(_ language: String?) -> VictimFacts.Done {
            .init(kind: .informationLeaflet, at: Self.recorded + 3600, label: "email", language: language)
        }
        let english = Self.owed(
            Self.facts {
                $0.language = "ti"; $0.done = [leaflet("en")]
            })
        #expect(english["R5:crime"]?.state == .open)
        let translated = Self.owed(
            Self.facts {
                $0.language = "ti"
                $0.done = [
                    leaflet("en"), .init(kind: .translationArranged, at: Self.recorded + 7200, label: "translated"),
                ]
            })
        #expect(translated["R5:crime"]?.state == .met)
        #expect(
            Self.owed(
                Self.facts {
                    $0.language = "pl"; $0.done = [leaflet("pl")]
                })["R5:crime"]?.state == .met)
        #expect(Self.owed(Self.facts { $0.done = [leaflet(nil)] })["R5:crime"]?.state == .met, "English, unrecorded")
        let interpreter = Self.owed(
            Self.facts {
                $0.interpreterNeeded = true
                $0.done = [.init(kind: .translationArranged, at: Self.recorded + 600, label: "translated")]
            })
        #expect(interpreter["R1:crime"]?.state == .met)
    }

    // MARK: policy versions hold only the administrators' changes

    @Test func aSavedVersionKeepsRulesAddedInTheCode() throws {
        var old = VictimsCodePolicy.standard
        old.rules.removeAll { $0.code == "R2" || $0.code == "R18" || $0.code == "R15W" }
        old.updateIntervalDays = 21
        if let i = old.rules.firstIndex(where: { $0.code == "R9" }) { old.rules[i].standard = .workingDays(3) }
        // A version saved before: a whole policy, without the figures added since.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(old)) as! [String: Any]
        for key in ["persistentlyTargetedFlags", "bereavedFlags", "widerVictimsFrom", "suspectRiskFlags"] {
            json.removeValue(forKey: key)
        }
        let decoded = try JSONDecoder().decode(
            VictimsCodePolicy.self, from: JSONSerialization.data(withJSONObject: json))
        let changes = PolicyAdjustments(from: decoded)
        #expect(changes.updateIntervalDays == 21)
        #expect(changes.limits == [.init(code: "R9", trigger: .suspectArrested, standard: 3, enhanced: nil)])
        let applied = changes.applied(to: .standard)
        #expect(applied.rules.contains { $0.code == "R2" }, "a rule added in the code reaches the old version")
        #expect(applied.rules.first { $0.code == "R9" }?.standard == .workingDays(3))
        #expect(applied.persistentlyTargetedFlags == [.harassmentOrStalking])
        let merged = changes.merging(PolicyAdjustments(persistentlyTargetedThreshold: 4))
        #expect(merged.updateIntervalDays == 21 && merged.persistentlyTargetedThreshold == 4)
    }
}
