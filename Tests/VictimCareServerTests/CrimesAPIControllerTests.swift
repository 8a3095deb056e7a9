import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct CrimesAPIControllerTests {
    /// The valid request, with some fields replaced by raw JSON fragments.
    static func body(_ overrides: [String: String] = [:]) -> ByteBuffer {
        var json: [String: Any] = [
            "reference": "SN/0012345/25", "offence_code": "008/01", "offence": "Assault with injury",
            "flags": ["domestic_abuse"],
            "command_unit": "SN", "occurred_at": "2025-06-01T22:15:00+01:00",
            "reported_at": "2025-06-02T09:00:00+01:00", "channel": "telephone",
            "victims": [
                [
                    "person": [
                        "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1985-04-12",
                        "phone": "07700 900123",
                        "email": "ada@example.com", "preferred_contact": "phone", "language": "en",
                    ]
                ]
            ],
        ]
        for (key, fragment) in overrides {
            json[key] = try! JSONSerialization.jsonObject(with: Data(fragment.utf8), options: .fragmentsAllowed)
        }
        return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: json))
    }

    struct Problem: Decodable {
        struct Field: Decodable {
            var field: String
            var message: String
        }
        var status: Int
        var errors: [Field]?
    }

    @Test func recordsACrimeWithVictimsAndReturnsTheirIds() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            try await app.testing().test(.POST, "/api/v1/crimes", headers: headers, body: Self.body()) { res in
                #expect(res.status == .created)
                let created = try res.content.decode(CrimeCreatedDTO.self)
                #expect(created.reference == "SN/0012345/25")
                #expect(created.victims.count == 1)
                #expect(res.headers.first(name: .location) == "/api/v1/crimes/\(created.id)")
                let link = try #require(try await CrimePerson.find(created.victims[0].id, on: app.db))
                #expect(link.role == .victim)
                // Domestic abuse: contact details from a records system are not assumed safe.
                let points = try await ContactPoint.query(on: app.db).filter(
                    \.$person.$id == created.victims[0].person_id
                ).all()
                #expect(points.count == 2)
                #expect(points.allSatisfy { !$0.safe })
            }
        }
    }

    @Test func readsBackTheCrime() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let headers = try await world.token()
            let created = try await world.crime(
                "SN/0000001/25", offence: "019/07", reported: "2025-06-02T10:00:00+01:00")
            try await app.testing().test(.GET, "/api/v1/crimes/\(created.crime.id!)", headers: headers) { res in
                #expect(res.status == .ok)
                let crime = try res.content.decode(CrimeDTO.self)
                #expect(crime.flags == ["sexual_offence"], "the offence's own flags are added")
                #expect(crime.people.map(\.role) == ["victim"])
                #expect(crime.status_history.map(\.status) == ["recorded"])
                #expect(crime.reported_at == "2025-06-02T09:00:00.000Z")
            }
        }
    }

    @Test(arguments: [
        ("occurred_at", #""2025-06-01T22:15:00""#, "occurred_at"),
        ("reported_at", #""yesterday""#, "reported_at"),
        ("offence_code", #""999/99""#, "offence_code"),
        ("command_unit", #""ZZ""#, "command_unit"),
        ("channel", #""pigeon""#, "channel"),
        ("flags", #"["domestic_abuse", "unlucky"]"#, "flags"),
        ("reference", "\"" + String(repeating: "A", count: 40) + "\"", "reference"),
        ("summary", "\"" + String(repeating: "x", count: 4001) + "\"", "summary"),
        (
            "victims",
            #"[{"person": {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1985-02-30"}}]"#,
            "victims[0].person.date_of_birth"
        ),
        (
            "victims", #"[{"person": {"given_name": "Ada", "family_name": "Lovelace", "email": "not-an-email"}}]"#,
            "victims[0].person.email"
        ),
        ("victims", #"[{"person": {"family_name": "Lovelace"}}]"#, "victims[0].person.given_name"),
        ("flags", #""domestic_abuse""#, "flags"),
    ])
    func badInputIs422NamingTheFieldAndSavesNothing(_ key: String, _ value: String, _ field: String) async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            try await app.testing().test(.POST, "/api/v1/crimes", headers: headers, body: Self.body([key: value])) {
                res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(res.body.readableBytesView))
                #expect(
                    problem.errors?.contains { $0.field == field } == true,
                    "fields: \(problem.errors?.map(\.field) ?? [])")
            }
            #expect(try await Crime.query(on: app.db).count() == 0)
            #expect(try await Person.query(on: app.db).count() == 0)
        }
    }

    @Test func missingRequiredFieldsAreAllListed() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token()
            try await app.testing().test(.POST, "/api/v1/crimes", headers: headers, body: ByteBuffer(string: "{}")) {
                res in
                #expect(res.status == .unprocessableEntity)
                let fields = Set(
                    try JSONDecoder().decode(Problem.self, from: Data(res.body.readableBytesView)).errors?.map(\.field)
                        ?? [])
                #expect(
                    fields == ["reference", "offence_code", "occurred_at", "reported_at", "channel", "command_unit"])
            }
        }
    }

    @Test func duplicateReferenceIsAConflict() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            try await world.crime("SN/0012345/25")
            try await app.testing().test(.POST, "/api/v1/crimes", headers: try await world.token(), body: Self.body()) {
                res in
                #expect(res.status == .unprocessableEntity || res.status == .conflict)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(res.body.readableBytesView))
                #expect(problem.errors?.first?.field == "reference")
            }
            #expect(try await Crime.query(on: app.db).count() == 1)
        }
    }

    @Test func malformedJSONIsABadRequest() async throws {
        try await withTestApp { app in
            try await app.testing().test(
                .POST, "/api/v1/crimes", headers: try await World(app).token(),
                body: ByteBuffer(string: "{\"reference\": ")
            ) { res in
                #expect(res.status == .badRequest)
            }
        }
    }

    @Test func tokensAreRequiredAndRevocable() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/api/v1/command-units") { res in
                #expect(res.status == .unauthorized)
                #expect(res.headers.first(name: "WWW-Authenticate") == "Bearer")
            }
            try await app.testing().test(.GET, "/api/v1/command-units", headers: ["Authorization": "Bearer vc_madeup"])
            { res in
                #expect(res.status == .unauthorized)
            }
            let issued = try await TokenService.issue(
                name: "bridge", role: "administrator", commandUnit: nil, context: .system, on: app.db)
            let headers: HTTPHeaders = ["Authorization": "Bearer \(issued.secret)"]
            try await app.testing().test(.GET, "/api/v1/command-units", headers: headers) { res in
                #expect(res.status == .ok)
                let units = try res.content.decode([CommandUnitDTO].self)
                #expect(units.count == 16)
                #expect(units.filter { $0.kind == "basic" }.count == 12)
            }
            #expect(try await APIToken.find(issued.token.id, on: app.db)?.tokenHash == Secrets.sha256Hex(issued.secret))
            try await TokenService.revoke(issued.token.id!, context: .system, on: app.db)
            try await app.testing().test(.GET, "/api/v1/command-units", headers: headers) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }

    @Test func outOfUnitRecordsNeedTheReasonHeader() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("CE/0000001/25", unit: world.ce).crime
            var headers = try await world.token(.officer, unit: world.sn)
            try await app.testing().test(.GET, "/api/v1/crimes/\(crime.id!)", headers: headers) { res in
                #expect(res.status == .forbidden)
                #expect(res.body.string.contains("reason-required"))
            }
            headers.add(name: "X-Access-Reason", value: "Linked to SN/0000009/25 by the same suspect")
            try await app.testing().test(.GET, "/api/v1/crimes/\(crime.id!)", headers: headers) { res in
                #expect(res.status == .ok)
            }
            let entry = try #require(
                try await AuditEntry.query(on: app.db).filter(\.$action == "view_with_reason").first())
            #expect(entry.reason == "Linked to SN/0000009/25 by the same suspect")
            #expect(entry.actorKind == "api_token")
        }
    }

    @Test func patchChangesOnlyWhatIsSent() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/25", reported: "2025-06-02T10:00:00+01:00").crime
            let officer = try await world.user("pc.hart", .officer)
            let body = ByteBuffer(string: #"{"officer_in_case": "pc.hart", "summary": "Suspect seen on CCTV"}"#)
            try await app.testing().test(
                .PATCH, "/api/v1/crimes/\(crime.id!)", headers: try await world.token(), body: body
            ) { res in
                #expect(res.status == .ok)
                let dto = try res.content.decode(CrimeDTO.self)
                #expect(dto.officer_in_case == officer.username)
                #expect(dto.summary == "Suspect seen on CCTV")
                #expect(dto.offence_code == "049/00")
                #expect(dto.reported_at == "2025-06-02T09:00:00.000Z")
            }
        }
    }

    @Test func searchAndLinks() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let headers = try await world.token()
            let crime = try await world.crime("SN/0000001/25", victim: ("Grace", "Hopper")).crime
            try await app.testing().test(.GET, "/api/v1/crimes?name=hopper", headers: headers) { res in
                let page = try res.content.decode(CrimePageDTO.self)
                #expect(page.items.map(\.reference) == ["SN/0000001/25"])
                #expect(page.items.first?.victims == ["Grace Hopper"])
            }
            try await app.testing().test(.GET, "/api/v1/crimes?page=abc", headers: headers) { res in
                #expect(res.status == .unprocessableEntity)
            }
            let link = ByteBuffer(
                string: #"{"role": "witness", "person": {"given_name": "Tim", "family_name": "Berners-Lee"}}"#)
            var linkID: UUID?
            var personID: UUID?
            try await app.testing().test(.POST, "/api/v1/crimes/\(crime.id!)/people", headers: headers, body: link) {
                res in
                #expect(res.status == .created)
                let dto = try res.content.decode(LinkDTO.self)
                linkID = dto.id
                personID = dto.person_id
            }
            // The answer names the person: audited as seen by the token that asked.
            #expect(
                try await AuditEntry.query(on: app.db).filter(\.$action == "view").filter(\.$recordType == "person")
                    .filter(\.$recordID == personID).filter(\.$actorKind == "api_token").count() == 1)
            try await app.testing().test(.GET, "/api/v1/crimes/\(crime.id!)/people", headers: headers) { res throws in
                #expect(try res.content.decode([LinkDTO].self).map(\.role).sorted() == ["victim", "witness"])
            }
            try await app.testing().test(.DELETE, "/api/v1/crimes/\(crime.id!)/people/\(linkID!)", headers: headers) {
                res in
                #expect(res.status == .noContent)
            }
            try await app.testing().test(.DELETE, "/api/v1/crimes/\(crime.id!)/people/\(linkID!)", headers: headers) {
                res in
                #expect(res.status == .notFound)
            }
            try await app.testing().test(.GET, "/api/v1/crimes/\(UUID())", headers: headers) { res in
                #expect(res.status == .notFound)
            }
            try await app.testing().test(.GET, "/api/v1/crimes/12345", headers: headers) { res in
                #expect(res.status == .notFound)
            }
        }
    }
}
