import Foundation
import Testing

@testable import VictimCareDomain

struct ObligationEngineTests {
    static let engine = ObligationEngine()
    static func t(_ text: String) -> Double { Instant.parse(text)!.timeIntervalSince1970 }
    /// Monday 2 June 2025, 10:00 BST.
    static let recorded = t("2025-06-02T09:00:00Z")

    static func facts(_ change: (inout VictimFacts) -> Void = { _ in }) -> VictimFacts {
        var facts = VictimFacts(recordedAt: recorded, enhancedHistory: [(recorded, false)])
        change(&facts)
        return facts
    }

    static func byKey(_ facts: VictimFacts) -> [String: Obligation] {
        Dictionary(uniqueKeysWithValues: engine.obligations(for: facts).map { ($0.key, $0) })
    }

    @Test func aStandardVictimIsOwedTheReportingDuties() {
        let owed = Self.byKey(Self.facts())
        // R15W (the reason, should the first update be missed) is worked out ahead and arises at its deadline.
        #expect(
            Set(owed.keys) == [
                "R2:crime", "R4:crime", "R5:crime", "R6:crime", "R7:crime", "R16:crime", "R15:1", "R15W:R15:1",
            ])
        #expect(owed["R4:crime"]?.dueDate.description == "2025-06-03")
        #expect(owed["R7:crime"]?.dueDate.description == "2025-06-04")
        #expect(owed["R16:crime"]?.dueDate.description == "2025-06-09")
        #expect(owed["R15:1"]?.dueDate.description == "2025-06-30")
        #expect(owed.values.allSatisfy { $0.state == .open })
    }

    @Test func domesticAbuseNeedsExplicitConsentAndAnInterviewerChoice() {
        let owed = Self.byKey(
            Self.facts {
                $0.flags = [.domesticAbuse]; $0.enhancedHistory = [(Self.recorded, true)]
            })
        #expect(owed["R7a:crime"] != nil)
        #expect(owed["R3:crime"]?.dueDate.description == "2025-06-03")
        #expect(owed["R16:crime"]?.dueDate.description == "2025-06-03", "1 working day for enhanced victims")
        #expect(owed["R19:enhanced"]?.dueDate.description == "2025-06-03")
    }

    @Test func declinedReferralIsNotApplicableWithTheReason() {
        let owed = Self.byKey(Self.facts { $0.referralConsent = .no })
        #expect(owed["R7:crime"]?.state == .notApplicable)
        #expect(owed["R7:crime"]?.reason == "The victim declined a referral")
    }

    @Test func bereavedAndInterpreterDuties() {
        let owed = Self.byKey(
            Self.facts {
                $0.bereaved = true; $0.interpreterNeeded = true
            })
        #expect(owed["R17:crime"] != nil)
        #expect(owed["R7a:crime"] != nil)
        #expect(owed["R1:crime"] != nil)
    }

    @Test func telephoneUnitCallBacks() {
        let required = Self.byKey(Self.facts { $0.callBack = .required })
        #expect(required["CB:crime"]?.state == .open)
        let notRoutine = Self.byKey(
            Self.facts { $0.callBack = .notRoutine(reason: "Not routinely called back: IMEI needed") })
        #expect(notRoutine["CB:crime"]?.state == .notApplicable)
        #expect(notRoutine["CB:crime"]?.reason == "Not routinely called back: IMEI needed")
        #expect(Self.byKey(Self.facts())["CB:crime"] == nil)
        // A written update does not meet a call-back; a successful contact does.
        let written = Self.byKey(
            Self.facts {
                $0.callBack = .required; $0.done = [.init(kind: .update, at: Self.recorded + 3600, label: "email")]
            })
        #expect(written["CB:crime"]?.state == .open)
        let called = Self.byKey(
            Self.facts {
                $0.callBack = .required;
                $0.done = [.init(kind: .successfulContact, at: Self.recorded + 3600, label: "call")]
            })
        #expect(called["CB:crime"]?.state == .met)
    }

    // (event, the code it raises)
    @Test(arguments: [
        (ObligationTrigger.decisionNotToInvestigate, "R8"), (.suspectArrested, "R9"), (.suspectInterviewed, "R10"),
        (.releasedNFA, "R11"), (.bail, "R12"), (.releasedUnderInvestigation, "R12"), (.bailConditionsChanged, "R12"),
        (.decisionNotToProsecute, "R13"), (.charged, "R14"), (.outOfCourtDisposal, "R14"),
        (.propertyReadyForReturn, "R20"),
    ])
    func eachCaseEventRaisesItsDutyWithFiveOrOneWorkingDays(_ trigger: ObligationTrigger, _ code: String) {
        let at = Self.t("2025-06-06T15:00:00Z")  // Friday
        let standard = Self.byKey(Self.facts { $0.events = [.init(key: "e1", trigger: trigger, at: at)] })
        #expect(standard["\(code):e1"]?.dueDate.description == "2025-06-13")
        let enhanced = Self.byKey(
            Self.facts {
                $0.events = [.init(key: "e1", trigger: trigger, at: at)]; $0.enhancedHistory = [(Self.recorded, true)]
            })
        #expect(enhanced["\(code):e1"]?.dueDate.description == "2025-06-09")
    }

    @Test func onlyASuccessfulContactOrChosenWrittenUpdateAfterTheEventMeetsIt() {
        let arrest = Self.t("2025-06-03T12:00:00Z")
        let before = Self.byKey(
            Self.facts {
                $0.events = [.init(key: "a", trigger: .suspectArrested, at: arrest)]
                $0.done = [.init(kind: .successfulContact, at: arrest - 60, label: "call before the arrest")]
            })
        #expect(before["R9:a"]?.state == .open)
        let after = Self.byKey(
            Self.facts {
                $0.events = [.init(key: "a", trigger: .suspectArrested, at: arrest)]
                $0.done = [
                    .init(kind: .update, at: arrest + 7200, label: "email update"),
                    .init(kind: .successfulContact, at: arrest + 9000, label: "call"),
                ]
            })
        #expect(after["R9:a"]?.state == .met)
        #expect(after["R9:a"]?.metBy == "email update")
        #expect(after["R9:a"]?.metLate == false)
    }

    @Test func updatesFollowTheIntervalAndEachUpdateResetsTheClock() {
        let owed = Self.byKey(
            Self.facts {
                $0.done = [
                    .init(kind: .successfulContact, at: Self.recorded + 10 * 86_400, label: "call 1"),
                    .init(kind: .update, at: Self.recorded + 40 * 86_400, label: "letter"),
                ]
            })
        #expect(owed["R15:1"]?.state == .met)
        #expect(owed["R15:1"]?.metLate == false)
        #expect(owed["R15:2"]?.dueDate.description == "2025-07-10")
        #expect(owed["R15:2"]?.metLate == true, "the letter came 30 days after the call")
        #expect(owed["R15:3"]?.state == .open)
        #expect(owed["R15:3"]?.dueDate.description == "2025-08-09")
        #expect(owed["R15:4"] == nil)
    }

    @Test func theAgreedIntervalAndClosingTheCaseChangeUpdates() {
        let agreed = Self.byKey(Self.facts { $0.agreedUpdateDays = 14 })
        #expect(agreed["R15:1"]?.dueDate.description == "2025-06-16")
        let closed = Self.byKey(Self.facts { $0.pauses = VictimFacts.closed(at: Self.recorded + 5 * 86_400) })
        #expect(closed["R15:1"] == nil)
    }

    @Test func statusIsDueThenOverdue() {
        let r4 = Self.byKey(Self.facts())["R4:crime"]!
        #expect(r4.status(now: Self.t("2025-06-03T22:59:00Z")) == .due)
        #expect(r4.status(now: Self.t("2025-06-03T23:00:00Z")) == .overdue, "after the end of 3 June in London")
    }

    @Test func supervisorsWaiveWithAReason() {
        let owed = Self.byKey(Self.facts { $0.waivers = ["R16:crime": "Victim asked not to be contacted about a VPS"] })
        #expect(owed["R16:crime"]?.status(now: Self.recorded + 1e7) == .waived)
        #expect(owed["R16:crime"]?.reason == "Victim asked not to be contacted about a VPS")
    }

    @Test func actionsMeetTheirOwnDuties() {
        let owed = Self.byKey(
            Self.facts {
                $0.done = [
                    .init(kind: .writtenConfirmation, at: Self.recorded + 600, label: "email"),
                    .init(kind: .informationLeaflet, at: Self.recorded + 700, label: "QR code"),
                    .init(kind: .needsAssessment, at: Self.recorded + 800, label: "VNA"),
                    .init(kind: .referral, at: Self.recorded + 3 * 86_400, label: "batch 4"),
                    .init(kind: .vpsOffered, at: Self.recorded + 900, label: "at statement"),
                ]
            })
        for key in ["R4:crime", "R5:crime", "R6:crime", "R16:crime"] { #expect(owed[key]?.metLate == false, "\(key)") }
        #expect(owed["R7:crime"]?.state == .met)
        #expect(owed["R7:crime"]?.metLate == true, "the referral came a day late")
    }

    /// Things done at the same moment meet a duty in a fixed order, whatever order they were read in.
    @Test func thingsDoneTogetherMeetADutyTheSameWayInAnyOrder() {
        let at = Self.recorded + 3600
        let done: [VictimFacts.Done] = [
            .init(kind: .informationLeaflet, at: at, label: "Information leaflet given in English", language: "en"),
            .init(kind: .interpreterArranged, at: at, label: "Interpreter arranged"),
            .init(kind: .writtenConfirmation, at: at, label: "Written confirmation given"),
            .init(kind: .update, at: at + 86_400, label: "Email"),
            .init(kind: .successfulContact, at: at + 86_400, label: "Phone call"),
            .init(kind: .successfulContact, at: at + 86_400, label: "Video call"),
        ]
        let forwards = Self.engine.obligations(for: Self.facts { $0.done = done })
        let backwards = Self.engine.obligations(for: Self.facts { $0.done = done.reversed() })
        #expect(forwards == backwards)
        #expect(Obligation.fingerprint(forwards) == Obligation.fingerprint(backwards))
        let r5 = forwards.first { $0.key == "R5:crime" }
        #expect(r5?.metBy == "Information leaflet given in English")
    }

    @Test func enhancedStatusAtTheTriggerSetsTheLimit() {
        let becameEnhanced = Self.t("2025-06-10T09:00:00Z")
        let owed = Self.byKey(
            Self.facts {
                $0.enhancedHistory = [(Self.recorded, false), (becameEnhanced, true)]
                $0.events = [
                    .init(key: "before", trigger: .suspectArrested, at: Self.t("2025-06-09T09:00:00Z")),
                    .init(key: "after", trigger: .suspectInterviewed, at: Self.t("2025-06-11T09:00:00Z")),
                ]
            })
        #expect(owed["R9:before"]?.dueDate.description == "2025-06-16")
        #expect(owed["R10:after"]?.dueDate.description == "2025-06-12")
        #expect(owed["R19:enhanced"]?.dueDate.description == "2025-06-11")
    }

    @Test func policyVersionsApplyFromTheirDate() {
        var stricter = VictimsCodePolicy.standard
        stricter.rules = stricter.rules.map { rule in
            var r = rule
            if r.code == "R9" { r.standard = .workingDays(3) }
            return r
        }
        let engine = ObligationEngine(
            calendar: WorkingDayCalendar(),
            policies: [
                (LocalDate("2000-01-01")!, .standard), (LocalDate("2025-06-05")!, stricter),
            ])
        var facts = Self.facts()
        facts.events = [
            .init(key: "old", trigger: .suspectArrested, at: Self.t("2025-06-04T09:00:00Z")),
            .init(key: "new", trigger: .suspectArrested, at: Self.t("2025-06-05T09:00:00Z")),
        ]
        let owed = Dictionary(uniqueKeysWithValues: engine.obligations(for: facts).map { ($0.key, $0) })
        #expect(owed["R9:old"]?.dueDate.description == "2025-06-11")
        #expect(owed["R9:new"]?.dueDate.description == "2025-06-10")
    }

    @Test func rightToReviewDeadlines() {
        let requested = Self.t("2025-06-02T09:00:00Z")
        let owed = Self.byKey(
            Self.facts {
                $0.reviews = [
                    .init(key: "r1", requestedAt: requested, acknowledgedAt: requested + 86_400, completedAt: nil)
                ]
            })
        #expect(owed["VRR1:r1"]?.dueDate.description == "2025-06-16")
        #expect(owed["VRR1:r1"]?.state == .met)
        #expect(owed["VRR2:r1"]?.dueDate.description == "2025-07-14")
        #expect(owed["VRR2:r1"]?.state == .open)
    }
}

struct ContactRuleTests {
    static func attempt(
        _ outcome: ContactOutcome, method: ContactMethod = .phone, preferred: ContactMethod? = .phone,
        identity: Bool = true, welfare: Bool = true, safe: Bool = true, pointSafe: Bool? = true,
        representative: Bool = false, pointKind: ContactPointKind?? = .none, inbound: Bool = false
    ) -> ContactRule.Decision {
        let kind = pointKind ?? method.contactPointKind
        return ContactRule.decide(
            ContactAttempt(
                method: method, outcome: outcome, identityVerified: identity, welfareChecked: welfare,
                safeToSpeak: safe, preferredMethod: preferred, contactPointSafe: kind == nil ? nil : pointSafe,
                hasAgreedRepresentative: representative, contactPointKind: kind, inbound: inbound))
    }

    /// Issue 13: a phone call with no number is not a successful contact; method and contact point agree.
    @Test func theMethodAndTheContactPointMustAgree() {
        let noNumber = Self.attempt(.spokeToVictim, method: .phone, pointKind: .some(nil))
        #expect(!noNumber.successful && noNumber.reasons.first?.contains("choose the number you called") == true)
        #expect(Self.attempt(.spokeToVictim, method: .phone, pointKind: .some(nil), inbound: true).successful)
        #expect(
            !Self.attempt(.writtenUpdateSent, method: .email, preferred: .email, pointKind: .phone)
                .meetsUpdateObligations)
        #expect(!Self.attempt(.spokeToVictim, method: .inPerson, preferred: .inPerson, pointKind: .phone).successful)
        #expect(Self.attempt(.spokeToVictim, method: .inPerson, preferred: .inPerson).successful)
        #expect(Self.attempt(.spokeToVictim, method: .video, preferred: .video).successful)
        #expect(ContactMethod.letter.mismatch(with: .address, inbound: false) == nil)
        #expect(ContactMethod.sms.mismatch(with: nil, inbound: true) != nil, "a text we sent needs the number")
    }

    @Test func speakingWithIdentityWelfareAndSafetyIsSuccessful() {
        let decision = Self.attempt(.spokeToVictim)
        #expect(decision.successful)
        #expect(decision.reasons == ["Spoke to the victim, verified identity and welfare, and it was safe to speak."])
        #expect(decision.warnings.isEmpty)
    }

    @Test(arguments: [ContactOutcome.voicemailLeft, .textSent, .noAnswer, .wrongPerson])
    func theseAreNeverSuccessful(_ outcome: ContactOutcome) {
        let decision = Self.attempt(outcome)
        #expect(!decision.successful)
        #expect(!decision.meetsUpdateObligations)
        #expect(!decision.reasons.isEmpty)
    }

    @Test func everyCheckIsNeeded() {
        #expect(Self.attempt(.spokeToVictim, identity: false).reasons == ["Identity was not verified."])
        #expect(Self.attempt(.spokeToVictim, welfare: false).reasons == ["Welfare was not checked."])
        #expect(!Self.attempt(.spokeToVictim, safe: false).successful)
        #expect(!Self.attempt(.spokeToVictim, method: .email, preferred: .email).successful)
        #expect(!Self.attempt(.spokeToRepresentative).successful)
        #expect(Self.attempt(.spokeToRepresentative, representative: true).successful)
    }

    @Test func writtenUpdatesCountOnlyByTheChosenSafeChannel() {
        #expect(Self.attempt(.writtenUpdateSent, method: .email, preferred: .email).countsAsWrittenUpdate)
        #expect(!Self.attempt(.writtenUpdateSent, method: .email, preferred: .phone).countsAsWrittenUpdate)
        #expect(
            !Self.attempt(.writtenUpdateSent, method: .email, preferred: .email, pointSafe: false).countsAsWrittenUpdate
        )
        #expect(!Self.attempt(.writtenUpdateSent, method: .email, preferred: .email).successful)
    }

    @Test func warnsAboutThePreferredMethodAndUnsafeContactPoints() {
        let decision = Self.attempt(.spokeToVictim, method: .phone, preferred: .video, pointSafe: false)
        #expect(decision.warnings.count == 2)
        #expect(decision.successful, "a warning is not a failure")
        // Guidance on what already happened is a reason; only the two choices made before contact are warnings.
        #expect(
            Self.attempt(.voicemailLeft).reasons.contains("Do not leave voicemails on the victim's preferred number."))
        #expect(Self.attempt(.voicemailLeft).warnings.isEmpty)
    }
}

struct FingerprintTests {
    @Test func sameObligationsSameFingerprintWhateverTheOrder() {
        let owed = ObligationEngine().obligations(for: ObligationEngineTests.facts())
        #expect(Obligation.fingerprint(owed) == Obligation.fingerprint(owed.reversed()))
        var changed = owed
        changed[0].metBy = "Phone call"
        #expect(Obligation.fingerprint(changed) != Obligation.fingerprint(owed))
        changed = owed
        changed[1].dueAt += 1
        #expect(Obligation.fingerprint(changed) != Obligation.fingerprint(owed))
        #expect(Obligation.fingerprint(Array(owed.dropLast())) != Obligation.fingerprint(owed))
    }

    /// The hash worked out on bytes is the one every stored fingerprint was made with: FNV-1a over each field's
    /// text (times as decimal milliseconds, "-" when absent), each followed by 0xFF. Random obligations,
    /// including times before 1970, fractions that round, names in other scripts and emoji.
    @Test func theHashIsTheTextFormulaStoredFingerprintsWereMadeWith() {
        func reference(_ o: Obligation) -> Int64 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            func mix(_ text: String) {
                for byte in text.utf8 {
                    h ^= UInt64(byte)
                    h = h &* 0x0000_0100_0000_01B3
                }
                h ^= 0xFF
                h = h &* 0x0000_0100_0000_01B3
            }
            func ms(_ t: Double?) -> String { t.map { String(Int64(($0 * 1000).rounded())) } ?? "-" }
            for text in [
                o.key, o.code, o.trigger.rawValue, o.dueDate.description, ms(o.dueAt), ms(o.triggeredAt),
                o.state.rawValue, ms(o.metAt), o.metBy ?? "-", o.reason ?? "-",
            ] { mix(text) }
            return Int64(bitPattern: h)
        }
        var random = SystemRandomNumberGenerator()
        let texts = ["R7:crime", "Phone call, 3 Dec 2026 09:15", "Вікторія Шевченко", "李小龍", "😀 ok", "", "-"]
        let states: [Obligation.State] = [.open, .met, .notApplicable, .waived]
        var all: [Obligation] = []
        for _ in 0..<5000 {
            let at = Double.random(in: -2_000_000_000...4_000_000_000, using: &random)
            let o = Obligation(
                code: texts.randomElement(using: &random)!, key: texts.randomElement(using: &random)!,
                trigger: ObligationTrigger.allCases.randomElement(using: &random)!, right: 1, duty: "",
                triggeredAt: at + Double.random(in: 0...1, using: &random),
                dueDate: LocalDate(year: Int.random(in: 1...9999), month: Int.random(in: 1...12), day: 28)!,
                dueAt: Bool.random(using: &random) ? at.rounded() : at + 0.0005, state: states.randomElement()!,
                metAt: Bool.random(using: &random) ? nil : Double.random(in: -1...1, using: &random),
                metBy: Bool.random(using: &random) ? nil : texts.randomElement(using: &random),
                reason: Bool.random(using: &random) ? nil : texts.randomElement(using: &random))
            #expect(o.contentHash == reference(o), "\(o)")
            all.append(o)
        }
        #expect(Obligation.fingerprint(all) == all.reduce(Int64(0)) { $0 &+ reference($1) })
    }
}
