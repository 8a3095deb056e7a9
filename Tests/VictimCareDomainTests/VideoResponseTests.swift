import Testing

@testable import VictimCareDomain

/// Issue 16, first slice: when a report may be answered by video, and who can take a video call.
@Suite struct VideoResponseTests {
    static let today = LocalDate("2026-11-30")!

    static func facts(_ dob: String?, guardian: Bool = false) -> VideoResponse.Facts {
        VideoResponse.Facts(
            dateOfBirth: dob.flatMap(LocalDate.init), today: today, guardianPresent: guardian, hasVideoDevice: true,
            hasConnection: true, offenderPresent: false)
    }

    @Test func videoIsOfferedOnlyWhenNobodyMustAttendAndNothingIsHigh() {
        let calm = VideoResponse.Triage(
            threat: .none, risk: .low, harm: .medium, attendanceNeeded: false, reason: "Theft of a bicycle, no suspect")
        #expect(calm.offersVideo && calm.whyNoVideo == nil)
        var high = calm
        high.risk = .high
        high.harm = .high
        #expect(!high.offersVideo)
        #expect(high.whyNoVideo == "The risk and harm are high: an officer attends in person.")
        var attend = calm
        attend.attendanceNeeded = true
        #expect(!attend.offersVideo && attend.whyNoVideo?.contains("Attendance is needed") == true)
        var terse = calm
        terse.reason = "ok"
        #expect(terse.problems().map(\.field) == ["reason"])
    }

    @Test func eighteenOnTheDayOrAGuardianPresent() {
        // 18 today: eligible; 18 tomorrow: not without a guardian; with one: eligible.
        #expect(VideoResponse.decide(Self.facts("2008-11-30")).eligible)
        let seventeen = VideoResponse.decide(Self.facts("2008-12-01"))
        #expect(!seventeen.eligible && seventeen.bars.first?.message.contains("parent or guardian") == true)
        #expect(VideoResponse.decide(Self.facts("2008-12-01", guardian: true)).eligible)
        // Born on 29 February: 18 on 1 March in a year without one.
        let leap = VideoResponse.Facts(
            dateOfBirth: LocalDate("2008-02-29"), today: LocalDate("2026-02-28")!, hasVideoDevice: true,
            hasConnection: true, offenderPresent: false)
        #expect(!VideoResponse.decide(leap).eligible)
        var after = leap
        after.today = LocalDate("2026-03-01")!
        #expect(VideoResponse.decide(after).eligible)
    }

    @Test func theOffenderPresentAlwaysBarsAndUnansweredQuestionsAreAsked() {
        var f = Self.facts("1980-05-05")
        f.offenderPresent = true
        let barred = VideoResponse.decide(f)
        #expect(
            !barred.eligible
                && barred.bars.map(\.message) == [
                    "The offender is or could be with them: never a video call; a visit, or a safe time later."
                ] && barred.bars.map(\.field) == ["offenderPresent"])
        let unknown = VideoResponse.decide(VideoResponse.Facts(dateOfBirth: nil, today: Self.today))
        #expect(
            !unknown.eligible && unknown.bars.isEmpty
                && unknown.unknowns.map(\.field) == [
                    "statedAdult", "hasVideoDevice", "hasConnection", "offenderPresent",
                ])
        // No date of birth: their word that they are 18 or over is enough; under 18 needs a guardian.
        var stated = f
        stated.dateOfBirth = nil
        stated.offenderPresent = false
        stated.statedAdult = true
        #expect(VideoResponse.decide(stated).eligible)
        stated.statedAdult = false
        #expect(VideoResponse.decide(stated).bars.map(\.field) == ["guardianPresent"])
        stated.guardianPresent = true
        #expect(VideoResponse.decide(stated).eligible)
        f.offenderPresent = false
        f.hasConnection = false
        #expect(VideoResponse.decide(f).bars.map(\.message) == ["No 4G or WiFi where they are: a visit instead."])
    }

    @Test func anInterpreterOrAccessNeedsAdjustTheCallAndNeverBarIt() {
        var f = Self.facts("1990-01-01")
        f.interpreterNeeded = true
        f.language = "pl"
        f.accessNeeds = "  Hard of hearing: captions or a BSL interpreter  "
        f.officerSex = "female"
        let d = VideoResponse.decide(f)
        #expect(d.eligible)
        #expect(
            d.adjustments == [
                "An interpreter (pl) joins the call.",
                "Arrange for their needs: Hard of hearing: captions or a BSL interpreter",
                "A female officer takes the call.",
            ])
    }
}
