import Fluent
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct CrimesControllerTests {
    static let validForm: [(String, String)] = [
        ("reference", "SN/0099001/25"), ("offenceCode", "008/01"), ("occurredFrom", "2025-06-01T22:15"),
        ("reportedAt", "2025-06-02T09:00"),
        ("channel", "telephone"), ("flags[]", "domestic_abuse"), ("commandUnit", "SN"),
        ("summary", "Assault at home address."),
        ("victimGivenName", "Ada"), ("victimFamilyName", "Lovelace"), ("victimDateOfBirth", "1985-04-12"),
        ("victimPhone", "07700 900123"), ("victimPhoneSafe", "no"), ("victimPreferredContact", "phone"),
        ("victimLanguage", "en"),
    ]

    @Test func officerRecordsACrimeWithAVictim() async throws {
        try await withTestApp { app in
            // setup
            let world = try await World(app)
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/new")
            // act
            let response = try await browser.post("/crimes", Self.validForm)
            // check
            #expect(response.status == .seeOther)
            let crime = try #require(try await Crime.query(on: app.db).filter(\.$reference == "SN/0099001/25").first())
            #expect(response.location == "/crimes/\(crime.id!)")
            #expect(crime.flags == [.domesticAbuse])
            // London 09:00 in June is 08:00 UTC.
            #expect(crime.reportedAt == Instant.parse("2025-06-02T08:00:00Z"))
            let page = try await browser.get(response.location!)
            #expect(page.body.string.contains("Crime SN/0099001/25 recorded."))
            #expect(page.body.string.contains("Ada Lovelace"))
            let victim = try #require(try await Person.query(on: app.db).filter(\.$familyName == "Lovelace").first())
            let phone = try #require(
                try await ContactPoint.query(on: app.db).filter(\.$person.$id == victim.id!).first())
            #expect(phone.safe == false)
            #expect(try await world.auditCount("create", "crime", crime.id) == 1)
            #expect(try await world.auditCount("view", "crime", crime.id) == 1)
        }
    }

    @Test func badFormComesBackWithEveryProblemAndNothingSaved() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/new")
            var form = Self.validForm.filter { !["reference", "channel"].contains($0.0) }
            form = form.map { $0.0 == "offenceCode" ? ($0.0, "999/99") : $0 }
            form = form.map { $0.0 == "victimDateOfBirth" ? ($0.0, "1985-02-30") : $0 }
            form = form.map { $0.0 == "summary" ? ($0.0, String(repeating: "x", count: 4001)) : $0 }
            let response = try await browser.post("/crimes", form)
            #expect(response.status == .unprocessableEntity)
            let html = response.body.string
            #expect(html.contains("There is a problem"))
            for anchor in ["#reference", "#offenceCode", "#channel", "#summary", "#victimDateOfBirth"] {
                #expect(
                    html.contains("href=\"\(anchor)\""),
                    "error summary links to \(anchor): \(html.components(separatedBy: "error-summary").dropFirst().first?.prefix(1500) ?? "")"
                )
            }
            #expect(html.contains("Offence code 999/99 is not a known offence"))
            #expect(html.contains("value=\"Lovelace\""), "what was typed is kept")
            #expect(try await Crime.query(on: app.db).count() == 0)
            #expect(try await Person.query(on: app.db).count() == 0)
        }
    }

    @Test func duplicateReferenceIsAnInlineError() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.crime("SN/0099001/25")
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/new")
            let response = try await browser.post(
                "/crimes", Self.validForm.map { $0.0 == "reference" ? ($0.0, "sn/0099001/25") : $0 })
            #expect(response.status == .unprocessableEntity)
            #expect(response.body.string.contains("Crime reference SN/0099001/25 is already recorded"))
            #expect(try await Crime.query(on: app.db).count() == 1)
        }
    }

    @Test func searchFindsByReferenceNamePostcodeDateAndUnit() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let first = try await world.crime(
                "SN/0000001/25", victim: ("Grace", "Hopper"), reported: "2025-03-01T10:00:00Z")
            try await world.crime("SN/0000002/25", victim: ("Alan", "Turing"), reported: "2025-05-01T10:00:00+01:00")
            try await world.crime(
                "CE/0000003/25", unit: world.ce, victim: ("Grace", "O'Brien"), reported: "2025-05-02T10:00:00+01:00")
            _ = try await CrimeService.addLocation(
                crimeID: first.crime.id!, form: .init(address: "1 Acacia Avenue", postcode: "br1 3ls", role: "scene"),
                context: .system, on: app.db)
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")

            func references(_ query: String) async throws -> [String] {
                let html = try await browser.get("/crimes?\(query)").body.string
                return ["SN/0000001/25", "SN/0000002/25", "CE/0000003/25"].filter { html.contains(">\($0)<") }
            }
            #expect(try await references("reference=sn/00000") == ["SN/0000001/25", "SN/0000002/25"])
            #expect(try await references("name=hopper") == ["SN/0000001/25"])
            #expect(try await references("name=Grace+Hopper") == ["SN/0000001/25"])
            #expect(try await references("name=obrien") == ["CE/0000003/25"])
            #expect(try await references("postcode=BR1") == ["SN/0000001/25"])
            #expect(try await references("from=2025-04-30&to=2025-05-01") == ["SN/0000002/25"])
            #expect(try await references("commandUnit=CE") == ["CE/0000003/25"])
            let other = try await browser.get("/crimes?commandUnit=CE").body.string
            #expect(other.contains("Other unit: reason needed"))
            #expect(
                !other.contains("O&#39;Brien") && !other.contains("O'Brien"),
                "victims of other units' crimes are not listed")
            let bad = try await browser.get("/crimes?from=2025-02-31")
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("must be a real date"))
        }
    }

    @Test func recordOutsideTheUnitNeedsAnAuditedReason() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("CE/0000003/25", unit: world.ce).crime
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            let refused = try await browser.get("/crimes/\(crime.id!)")
            #expect(refused.status == .seeOther)
            #expect(refused.location?.hasPrefix("/access/crime/\(crime.id!)") == true)
            #expect(try await world.auditCount("view", "crime", crime.id) == 0)
            let form = try await browser.get(refused.location!)
            #expect(form.body.string.contains("Why do you need this record?"))
            let tooShort = try await browser.post(
                "/access/crime/\(crime.id!)", [("reason", "because"), ("next", "/crimes/\(crime.id!)")])
            #expect(tooShort.status == .unprocessableEntity)
            let granted = try await browser.post(
                "/access/crime/\(crime.id!)",
                [("reason", "Same suspect as my case SN/0000001/25"), ("next", "/crimes/\(crime.id!)")])
            #expect(granted.location == "/crimes/\(crime.id!)")
            let page = try await browser.get("/crimes/\(crime.id!)")
            #expect(page.status == .ok)
            let entry = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "view_with_reason").filter(
                    \.$recordID == crime.id!
                ).first())
            #expect(entry.reason == "Same suspect as my case SN/0000001/25")
            #expect(entry.actorName == "Pc.Hart")
            #expect(entry.ip != nil)
        }
    }

    @Test func partnersAndProsecutorsCannotSearchOrOpenCrimes() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/25").crime
            for (name, role) in [("lvws.partner", Role.supportPartner), ("cps.lawyer", .prosecutor)] {
                try await world.user(name, role)
                var browser = Browser(app)
                try await browser.signIn(name)
                #expect(try await browser.get("/crimes?reference=SN").status == .forbidden)
                #expect(try await browser.get("/crimes/\(crime.id!)").status == .forbidden)
            }
            #expect(try await world.auditCount("refused", "crime", crime.id) == 2)
        }
    }

    @Test func editingAndStatusKeepHistory() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/25").crime
            try await world.user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            try await browser.get("/crimes/\(crime.id!)/edit")
            let form: [(String, String)] = [
                ("reference", "SN/0000001/25"), ("offenceCode", "049/05"), ("occurredFrom", "2025-06-01T22:00"),
                ("reportedAt", "2025-06-02T10:00"),
                ("channel", "online"), ("commandUnit", "SN"), ("officerInCase", "pc.hart"), ("summary", ""),
            ]
            #expect(try await browser.post("/crimes/\(crime.id!)", form).status == .seeOther)
            let changed = try await CrimeService.find(crime.id!, on: app.db)
            #expect(changed.offenceCode == "049/05")
            #expect(changed.offenceDescription == "Theft of a mobile phone")
            #expect(changed.channel == .online)
            let audit = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "update").filter(\.$recordID == crime.id!)
                    .first())
            #expect(audit.summary.contains("offence_code"))
            #expect(audit.summary.contains("officer_in_case"))
            try await browser.get("/crimes/\(crime.id!)")
            #expect(
                try await browser.post(
                    "/crimes/\(crime.id!)/status", [("status", "under_investigation"), ("note", "CCTV requested")]
                ).status == .seeOther)
            let page = try await browser.get("/crimes/\(crime.id!)").body.string
            #expect(page.contains("Status: Under investigation"))
            #expect(page.contains("CCTV requested"))
            #expect(try await CrimeStatusChange.query(on: app.db).filter(\.$crime.$id == crime.id!).count() == 2)
            #expect(
                try await browser.post("/crimes/\(crime.id!)/status", [("status", "vanished")]).status
                    == .unprocessableEntity)
        }
    }

    @Test func unknownAndMalformedIdsAreNotFound() async throws {
        try await withTestApp { app in
            try await World(app).user("pc.hart", .officer)
            var browser = Browser(app)
            try await browser.signIn("pc.hart")
            #expect(try await browser.get("/crimes/\(UUID())").status == .notFound)
            #expect(try await browser.get("/crimes/not-a-uuid").status == .notFound)
            #expect(try await browser.get("/people/\(UUID())").status == .notFound)
        }
    }
}
