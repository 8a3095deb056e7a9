import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// The integration contract a force's records system uses (issue 3).
@Suite struct VictimsAPIControllerTests {
    struct Obligation: Decodable {
        var code: String
        var trigger: String
        var due_date: String
        var due_at: String
        var status: String
        var met_by: String?
    }

    struct Created: Decodable {
        struct Victim: Decodable {
            var id: UUID
            var enhanced: Bool
        }
        var id: UUID
        var victims: [Victim]
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func recent(_ daysAgo: Int) -> String {
        Instant.format(Date().addingTimeInterval(-Double(daysAgo) * 86_400))
    }

    func createCrime(
        _ app: Application, _ headers: HTTPHeaders, needs: String = "{}", flags: String = "[]",
        offence: String = "049/00", unit: String = "SN"
    ) async throws -> Created {
        var created: Created?
        let body = """
            {"reference": "SN/\(Int.random(in: 1_000_000...9_999_999))/26", "offence_code": "\(offence)", "offence": "Other theft", "flags": \(flags),
             "command_unit": "\(unit)", "occurred_at": "\(Self.recent(3))", "reported_at": "\(Self.recent(2))", "channel": "telephone",
             "victims": [{"person": {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1985-04-12", "phone": "07700 900123",
                          "email": "ada@example.com", "preferred_contact": "phone", "language": "en"}, "needs": \(needs)}]}
            """
        try await app.testing().test(.POST, "/api/v1/crimes", headers: headers, body: Self.json(body)) { res in
            #expect(res.status == .created, "\(res.body.string)")
            created = try JSONDecoder().decode(Created.self, from: Data(res.body.readableBytesView))
        }
        return try #require(created)
    }

    func obligations(_ app: Application, _ headers: HTTPHeaders, _ victim: UUID) async throws -> [String: Obligation] {
        var result: [String: Obligation] = [:]
        try await app.testing().test(.GET, "/api/v1/victims/\(victim)/obligations", headers: headers) { res in
            #expect(res.status == .ok)
            for o in try JSONDecoder().decode([Obligation].self, from: Data(res.body.readableBytesView)) {
                result["\(o.code):\(o.trigger)"] = o
            }
        }
        return result
    }

    @Test func needsDecideEnhancedRightsAndTheDutiesOfReporting() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            let standard = try await createCrime(app, headers)
            #expect(standard.victims[0].enhanced == false)
            let owed = try await obligations(app, headers, standard.victims[0].id)
            #expect(
                Set(owed.keys) == [
                    "R2:crime_reported", "R4:crime_recorded", "R5:crime_recorded", "R6:crime_recorded",
                    "R7:crime_recorded", "R16:crime_recorded", "R15:update_interval",
                ])
            #expect(owed["R7:crime_recorded"]?.status == "due" || owed["R7:crime_recorded"]?.status == "overdue")
            let vulnerable = try await createCrime(
                app, headers, needs: #"{"vulnerable": true, "referral_consent": "no"}"#)
            #expect(vulnerable.victims[0].enhanced)
            let owedVulnerable = try await obligations(app, headers, vulnerable.victims[0].id)
            #expect(owedVulnerable["R7:crime_recorded"]?.status == "not_applicable")
            #expect(owedVulnerable["R19:enhanced_identified"] != nil)
            // Needs sent by the records system are an assessment, but a partial one is a draft: R6 stays owed
            // until its required questions are answered (2026-11-30, issue 13).
            #expect(owedVulnerable["R6:crime_recorded"]?.status != "met", "a partial assessment does not meet R6")
            let abuse = try await createCrime(app, headers, flags: #"["domestic_abuse"]"#)
            #expect(abuse.victims[0].enhanced, "domestic abuse is a most serious crime")
        }
    }

    @Test func anArrestIsOwedToTheVictimAndOnlyASuccessfulContactMeetsIt() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            let crime = try await createCrime(app, headers)
            let victim = crime.victims[0].id
            let arrested = Self.recent(1)
            try await app.testing().test(
                .POST, "/api/v1/crimes/\(crime.id)/events", headers: headers,
                body: Self.json(#"{"type": "suspect_arrested", "at": "\#(arrested)"}"#)
            ) { res in
                #expect(res.status == .created)
            }
            var owed = try await obligations(app, headers, victim)
            let r9 = try #require(owed["R9:suspect_arrested"])
            #expect(r9.status == "due")
            let arrestDay = London.date(of: Instant.parse(arrested)!)
            #expect(r9.due_date == WorkingDayCalendar().adding(workingDays: 5, to: arrestDay).description)

            struct Result: Decodable { var successful: Bool; var reasons: [String] }
            let phone = try await World(app).phone(ofVictim: victim)
            let voicemail =
                #"{"at": "\#(Self.recent(0))", "method": "phone", "contact_point_id": "\#(phone)", "outcome": "voicemail_left", "identity_verified": false, "welfare_checked": false, "safe_to_speak": false}"#
            try await app.testing().test(
                .POST, "/api/v1/victims/\(victim)/contacts", headers: headers, body: Self.json(voicemail)
            ) { res in
                #expect(res.status == .created)
                let result = try JSONDecoder().decode(Result.self, from: Data(res.body.readableBytesView))
                #expect(!result.successful)
                #expect(result.reasons.contains { $0.contains("voicemail never counts") })
            }
            owed = try await obligations(app, headers, victim)
            #expect(owed["R9:suspect_arrested"]?.status == "due")
            let spoke =
                #"{"at": "\#(Self.recent(0))", "method": "phone", "contact_point_id": "\#(phone)", "outcome": "spoke_to_victim", "identity_verified": true, "welfare_checked": true, "safe_to_speak": true}"#
            try await app.testing().test(
                .POST, "/api/v1/victims/\(victim)/contacts", headers: headers, body: Self.json(spoke)
            ) { res in
                let result = try JSONDecoder().decode(Result.self, from: Data(res.body.readableBytesView))
                #expect(result.successful)
            }
            owed = try await obligations(app, headers, victim)
            #expect(owed["R9:suspect_arrested"]?.status == "met")
            #expect(owed["R9:suspect_arrested"]?.met_by?.hasPrefix("Phone call") == true)
            let updates = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == victim).filter(
                \.$code == "R15"
            ).sort(\.$dueAt).all()
            #expect(
                updates.map(\.state) == ["met", "open"],
                "a successful contact is an update, and the next one falls due after it")
        }
    }

    @Test func timesWithoutAnOffsetAndUnknownEventsAre422() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            let crime = try await createCrime(app, headers)
            for body in [
                #"{"type": "suspect_arrested", "at": "2026-11-01T10:00:00"}"#,
                #"{"type": "abducted_by_aliens", "at": "2026-11-01T10:00:00Z"}"#,
                #"{"type": "suspect_arrested"}"#, #"{"type": "suspect_arrested", "at": "2099-01-01T10:00:00Z"}"#,
            ] {
                try await app.testing().test(
                    .POST, "/api/v1/crimes/\(crime.id)/events", headers: headers, body: Self.json(body)
                ) { res in
                    #expect(res.status == .unprocessableEntity, "\(body)")
                }
            }
            try await app.testing().test(
                .POST, "/api/v1/victims/\(crime.victims[0].id)/contacts", headers: headers,
                body: Self.json(#"{"at": "2026-11-01 10:00", "method": "phone", "outcome": "spoke_to_victim"}"#)
            ) { res in
                #expect(res.status == .unprocessableEntity)
            }
            #expect(try await CaseEvent.query(on: app.db).count() == 0)
            #expect(try await Contact.query(on: app.db).count() == 0)
            try await app.testing().test(.GET, "/api/v1/victims/\(UUID())/obligations", headers: headers) { res in
                #expect(res.status == .notFound)
            }
        }
    }

    @Test func chargingMovesTheCaseAndClosingStopsTheUpdates() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            let crime = try await createCrime(app, headers)
            try await app.testing().test(
                .POST, "/api/v1/crimes/\(crime.id)/events", headers: headers,
                body: Self.json(#"{"type": "charged", "at": "\#(Self.recent(1))"}"#)
            ) { res in
                #expect(res.status == .created)
            }
            #expect(try await Crime.find(crime.id, on: app.db)?.status == .suspectCharged)
            try await app.testing().test(
                .POST, "/api/v1/crimes/\(crime.id)/events", headers: headers,
                body: Self.json(#"{"type": "case_closed", "at": "\#(Self.recent(0))"}"#)
            ) { res in
                #expect(res.status == .created)
            }
            let owed = try await obligations(app, headers, crime.victims[0].id)
            #expect(owed["R14:charged"] != nil)
            #expect(
                owed["R15:update_interval"] == nil, "no regular update is owed once the case closed before it fell due")
        }
    }

    @Test func theTelephoneUnitCallsBackByPolicy() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            let phone = try await createCrime(app, headers, offence: "049/05", unit: "TD")
            let assault = try await createCrime(app, headers, offence: "008/01", unit: "TD")
            let notRoutine = try await obligations(app, headers, phone.victims[0].id)
            #expect(notRoutine["CB:crime_recorded"]?.status == "not_applicable")
            let required = try await obligations(app, headers, assault.victims[0].id)
            #expect(["due", "overdue"].contains(required["CB:crime_recorded"]?.status))
            let record = try await ObligationRecord.query(on: app.db).filter(\.$victim.$id == phone.victims[0].id)
                .filter(\.$code == "CB").first()
            #expect(record?.reason?.contains("IMEI") == true)
        }
    }
}
