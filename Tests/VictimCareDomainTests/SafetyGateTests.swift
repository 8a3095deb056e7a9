import Testing

@testable import VictimCareDomain

@Suite struct SafetyGateTests {
    static func facts(
        _ channel: MessageChannel = .email, owner: String? = "p1", kind: ContactPointKind? = .email, safe: Bool = true,
        optedOut: Bool = false, domesticAbuse: Bool = false, risk: String? = nil, suspectMaySee: Bool? = false,
        cleared: Bool = false, body: String = ""
    ) -> SafetyGate.Facts {
        SafetyGate.Facts(
            channel: channel, contactPointOwner: owner, victimPerson: "p1", contactPointKind: kind,
            contactPointSafe: safe, optedOut: optedOut, suspectRisk: domesticAbuse ? "Domestic abuse" : risk,
            suspectMaySeeMessages: suspectMaySee,
            clearedAsSafe: cleared, body: body,
            sensitiveWords: ["Theft from a motor vehicle", "SN/1234567/26", "Ada", "Lovelace", "Al"])
    }

    enum Expect: Equatable {
        case send, hold, refuse
    }

    @Test(arguments: [
        ("a safe email of the victim's own", facts(), Expect.send),
        ("no contact point of that kind", facts(owner: nil, kind: nil), .refuse),
        ("someone else's contact point", facts(owner: "p2"), .refuse),
        ("a phone for an email", facts(kind: .phone), .refuse),
        ("not marked safe", facts(safe: false), .refuse),
        ("opted out", facts(optedOut: true), .refuse),
        ("the fixed SMS line", facts(.sms, kind: .phone, body: SafetyGate.smsBody(link: "https://x/t/abc")), .send),
        ("an SMS naming the victim", facts(.sms, kind: .phone, body: "Hello Ada, news of your case"), .refuse),
        ("an SMS naming the offence", facts(.sms, kind: .phone, body: "About the theft from a motor vehicle"), .refuse),
        ("an SMS with the crime reference", facts(.sms, kind: .phone, body: "Ref SN/1234567/26"), .refuse),
        ("an email may name the offence", facts(body: "Theft from a motor vehicle, Ada"), .send),
        ("domestic abuse, suspect may see messages", facts(domesticAbuse: true, suspectMaySee: true), .hold),
        ("domestic abuse, recorded as safe", facts(domesticAbuse: true, suspectMaySee: true, cleared: true), .send),
        ("domestic abuse, suspect has no access", facts(domesticAbuse: true), .send),
        ("held, but not safe anyway", facts(safe: false, domesticAbuse: true, suspectMaySee: true), .refuse),
        ("a letter to an address", facts(.letter, kind: .address), .send),
        // Issue 14: not only domestic abuse.
        ("stalking, suspect may see messages", facts(risk: "Harassment or stalking", suspectMaySee: true), .hold),
        ("any crime, suspect may see messages", facts(suspectMaySee: true), .hold),
        ("domestic abuse, nobody asked yet", facts(domesticAbuse: true, suspectMaySee: nil), .hold),
        (
            "a suspect the victim knows, nobody asked", facts(risk: "The victim knows the suspect", suspectMaySee: nil),
            .hold
        ),
        ("a burglary, nobody asked", facts(suspectMaySee: nil), .send),
        (
            "domestic abuse, nobody asked, recorded as safe",
            facts(domesticAbuse: true, suspectMaySee: nil, cleared: true), .send
        ),
    ])
    func decides(_ name: String, _ facts: SafetyGate.Facts, _ expected: Expect) {
        let got: Expect =
            switch SafetyGate.check(facts) {
            case .send: .send
            case .hold: .hold
            case .refuse: .refuse
            }
        #expect(got == expected, "\(name)")
    }

    @Test func theSMSLineNamesNothingButTheLink() {
        let body = SafetyGate.smsBody(link: "https://victimcare.example/t/Zx9")
        #expect(body == "A message from the police about your report: https://victimcare.example/t/Zx9")
    }

    @Test func namesMatchAsWholeWordsOnly() {
        // "Al" is inside "all" and "Ada" inside "Adam", but neither names the victim there.
        #expect(SafetyGate.check(Self.facts(.sms, kind: .phone, body: "A message for all from Adam")) == .send)
        #expect(SafetyGate.check(Self.facts(.sms, kind: .phone, body: "A message for Al.")) != .send)
    }
}
