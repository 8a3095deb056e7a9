import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct PeopleAPIControllerTests {
    @Test func createsReadsAndPatchesAPerson() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token(.victimCareDesk)
            let body = ByteBuffer(
                string:
                    #"{"given_name": "Amina", "family_name": "Yusuf", "date_of_birth": "1990-01-31", "language": "so", "interpreter_needed": true, "ethnicity": "african"}"#
            )
            var id: UUID?
            try await app.testing().test(.POST, "/api/v1/people", headers: headers, body: body) { res in
                #expect(res.status == .created)
                let person = try res.content.decode(PersonDTO.self)
                id = person.id
                #expect(person.language == "so")
                #expect(person.interpreter_needed)
                #expect(person.characteristics?.ethnicity == "african", "the desk may read characteristics")
            }
            try await app.testing().test(
                .PATCH, "/api/v1/people/\(id!)", headers: headers,
                body: ByteBuffer(string: #"{"preferred_contact": "sms"}"#)
            ) { res in
                let person = try res.content.decode(PersonDTO.self)
                #expect(person.preferred_contact == "sms")
                #expect(person.family_name == "Yusuf")
                #expect(person.characteristics?.ethnicity == "african")
            }
            try await app.testing().test(
                .POST, "/api/v1/people/\(id!)/contact-points", headers: headers,
                body: ByteBuffer(string: #"{"kind": "phone", "value": "07700 900555", "safe": true}"#)
            ) { res in
                #expect(res.status == .created)
                let point = try res.content.decode(ContactPointDTO.self)
                #expect(point.safe)
            }
            try await app.testing().test(.GET, "/api/v1/people?name=yusuf&date_of_birth=1990-01-31", headers: headers) {
                res throws in
                let page = try res.content.decode(PersonPageDTO.self)
                #expect(page.items.map(\.id) == [id!])
            }
        }
    }

    @Test func officersDoNotReadCharacteristics() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let headers = try await world.token(.officer)
            let body = ByteBuffer(string: #"{"given_name": "Amina", "family_name": "Yusuf", "religion": "muslim"}"#)
            var id: UUID?
            try await app.testing().test(.POST, "/api/v1/people", headers: headers, body: body) { res in
                #expect(res.status == .created)
                let person = try res.content.decode(PersonDTO.self)
                id = person.id
                #expect(person.characteristics == nil)
                #expect(!res.body.string.contains("muslim"))
            }
            #expect(try await Person.find(id, on: app.db)?.religion == "muslim", "recorded, though not shown back")
            // A PATCH that does not mention them leaves them as they were.
            try await app.testing().test(
                .PATCH, "/api/v1/people/\(id!)", headers: headers,
                body: ByteBuffer(string: #"{"preferred_times": "Evenings"}"#)
            ) { res in
                #expect(res.status == .ok)
            }
            #expect(try await Person.find(id, on: app.db)?.religion == "muslim")
        }
    }

    @Test func badPeopleInputIs422() async throws {
        try await withTestApp { app in
            let headers = try await World(app).token(.victimCareDesk)
            for json in [
                #"{"given_name": "A"}"#, #"{"given_name": "A", "family_name": "B", "language": "xx"}"#,
                #"{"given_name": "A", "family_name": "B", "date_of_birth": "2999-01-01"}"#,
                #"{"given_name": "A", "family_name": "B", "sex": "robot"}"#, #"{"given_name": 5, "family_name": "B"}"#,
            ] {
                try await app.testing().test(.POST, "/api/v1/people", headers: headers, body: ByteBuffer(string: json))
                { res in
                    #expect(res.status == .unprocessableEntity, "\(json)")
                }
            }
            #expect(try await Person.query(on: app.db).count() == 0)
        }
    }
}
