import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

/// Issue 12: every route of the web app and the API, read from the router, for every role, on records of the
/// actor's own unit, another unit, and another unit's record shared with the actor's organisation; without a
/// reason, with a reason given earlier to read, and with a reason stated with the request. What each should
/// answer comes from ``AccessPolicy`` and the route's declaration (``RouteAccess``); the test fails on any route
/// that answers otherwise, and on any route that declares nothing.
@Suite struct AccessMatrixTests {
    enum Observed: String {
        case allowed, reasonRequired, reasonRequiredEachTime, denied, signedOut
    }

    struct Case: CustomStringConvertible {
        var route: Route
        var variant: MatrixFixture.Variant
        /// The variant of a second record the request names (a person being linked).
        var alsoVariant: MatrixFixture.Variant?

        var description: String {
            "\(route.method.rawValue) /\(route.path.map(\.description).joined(separator: "/")) [\(variant.rawValue)"
                + (alsoVariant.map { " + \($0.rawValue)" } ?? "") + "]"
        }
    }

    static let reason = "Matrix test: reviewing this record for a case conference"

    @Test func everyRouteDeclaresWhatItNeeds() async throws {
        try await withTestApp { app in
            let undeclared = app.routes.all.filter { $0.declaredAccess == nil }.map {
                "\($0.method.rawValue) /\($0.path.map(\.description).joined(separator: "/"))"
            }
            #expect(undeclared.isEmpty, "routes with no access declaration: \(undeclared)")
        }
    }

    @Test(arguments: Role.allCases)
    func everyRouteAnswersAsThePolicySays(_ role: Role) async throws {
        try await withTestApp { app in
            let fixture = try await MatrixFixture.make(app)
            var runner = try await Runner(app: app, fixture: fixture, role: role)
            try await runner.run()
            let report = "\(role.rawValue):\n" + runner.mismatches.joined(separator: "\n")
            #expect(runner.mismatches.isEmpty, "\(report)")
            #expect(runner.checked > 0)
        }
    }
}

extension AccessMatrixTests {
    struct Runner {
        let app: Application
        let fixture: MatrixFixture
        let role: Role
        let user: User
        let token: HTTPHeaders
        var browser: Browser
        var mismatches: [String] = []
        var checked = 0

        init(app: Application, fixture: MatrixFixture, role: Role) async throws {
            self.app = app
            self.fixture = fixture
            self.role = role
            user = try await fixture.world.user("matrix.actor", role)
            if role == .prosecutor { try await fixture.share(with: user, on: app.db) }
            token = try await fixture.world.token(role)
            browser = Browser(app)
            #expect(try await browser.signIn("matrix.actor").status == .seeOther)
        }

        var actor: Actor { user.actor }

        mutating func run() async throws {
            // Routes that end the actor's own sessions are asked last, by the tests of sign-out.
            let endsSessions: Set<[String]> = [["sign-out"], ["account", "sign-out-everywhere"]]
            let routes = app.routes.all.filter {
                $0.declaredAccess != nil && !($0.method == .POST && endsSessions.contains($0.path.map(\.description)))
            }
            var cases: [Case] = []
            for route in routes {
                let access = route.declaredAccess!
                if case .open = access.gate { continue }
                let variants: [MatrixFixture.Variant] =
                    needsRecord(access.gate) ? MatrixFixture.Variant.allCases : [.own]
                for variant in variants {
                    if access.also.isEmpty {
                        cases.append(Case(route: route, variant: variant))
                    } else {
                        for other in MatrixFixture.Variant.allCases {
                            cases.append(Case(route: route, variant: variant, alsoVariant: other))
                        }
                    }
                }
            }
            // 1. No reason given.
            for c in cases { try await check(c, phase: .none) }
            // 2. A reason given earlier to read each record: reading opens, changing does not.
            for variant in MatrixFixture.Variant.allCases { try await grantReading(variant) }
            for c in cases where !isAPI(c.route) { try await check(c, phase: .granted) }
            // 3. A reason stated with the request itself.
            for c in cases { try await check(c, phase: .stated) }
        }

        enum Phase { case none, granted, stated }

        func needsRecord(_ gate: RouteAccess.Gate) -> Bool {
            switch gate {
            case .record, .form, .unitList, .reasonForm: true
            case .open, .signedIn, .role, .ownUnitList: false
            }
        }

        func isAPI(_ route: Route) -> Bool {
            let path = route.path.map(\.description)
            return path.starts(with: ["api", "v1"]) && path != ["api", "v1", "openapi.json"]
        }

        // MARK: what the policy says

        func decide(
            _ permission: Permission, _ record: RouteAccess.Record, _ variant: MatrixFixture.Variant, api: Bool = false
        ) -> AccessDecision {
            switch record {
            case .unit, .team:
                return AccessPolicy.listingReach(actor, permission).includes(unit: fixture.records[variant]!.unit.id!)
                    ? .allowed : .denied
            case .interview, .evidence, .upload:
                // Interviews are shared with a named prosecutor (the web user), never with a token.
                var scope = fixture.scope(variant, for: actor, interview: true)
                if api { scope.sharedWithActor = false }
                return AccessPolicy.decide(actor, permission, on: scope)
            default:
                return AccessPolicy.decide(actor, permission, on: fixture.scope(variant, for: actor))
            }
        }

        /// The checks the request meets, in the order the services make them.
        func expectedChecks(_ c: Case) -> [AccessDecision] {
            let access = c.route.declaredAccess!
            var checks: [AccessDecision]
            switch access.gate {
            case .open, .signedIn: checks = [.allowed]
            case .role(let p): checks = [AccessPolicy.grants(actor, p) ? .allowed : .denied]
            case .record(let p, let r): checks = [decide(p, r, c.variant, api: isAPI(c.route))]
            case .form(let change, let read, let r):
                checks = [decide(change, r, c.variant) == .denied ? .denied : .allowed, decide(read, r, c.variant)]
            case .unitList(let p, let r):
                checks = [AccessPolicy.grants(actor, p) ? .allowed : .denied, decide(p, r, c.variant)]
            case .ownUnitList(let p):
                if case .oneUnit = AccessPolicy.listingReach(actor, p) {
                    checks = [.allowed]
                } else {
                    checks = [.denied]
                }
            case .reasonForm:
                checks = [decide(.viewCrime, .crime("recordID"), c.variant) == .denied ? .denied : .allowed]
            }
            for also in access.also {
                checks.append(decide(also.permission, also.record, c.alsoVariant ?? c.variant))
            }
            return checks
        }

        func expected(_ c: Case, phase: Phase) -> Observed {
            for decision in expectedChecks(c) {
                switch (decision, phase) {
                case (.allowed, _): continue
                case (.denied, _): return .denied
                case (.reasonRequired, .none): return .reasonRequired
                case (.reasonRequired, _): continue
                case (.reasonRequiredEachTime, .stated): continue
                case (.reasonRequiredEachTime, _): return .reasonRequiredEachTime
                }
            }
            return .allowed
        }

        // MARK: asking

        func parameter(_ name: String, _ variant: MatrixFixture.Variant) -> String {
            let r = fixture.records[variant]!
            switch name {
            case "crimeID": return r.crime.uuidString
            case "personID": return r.person.uuidString
            case "victimID": return r.victim.uuidString
            case "reviewID": return r.review.uuidString
            case "linkID": return r.link.uuidString
            case "pointID": return r.point.uuidString
            case "requestID": return r.request.uuidString
            case "invitationID": return r.invitation.uuidString
            case "recordType": return "crime"
            case "recordID": return r.crime.uuidString
            case "purpose": return "leaflet"
            case "metric": return "needs-assessment"
            case "secret": return String(repeating: "A", count: 43)
            case "interviewID": return r.interview.uuidString
            case "itemID": return r.item.uuidString
            case "uploadID": return r.upload.uuidString
            default: return UUID().uuidString
            }
        }

        func fields(_ c: Case) -> [(String, String)] {
            let access = c.route.declaredAccess!
            var fields: [(String, String)] = []
            func add(_ record: RouteAccess.Record, _ variant: MatrixFixture.Variant) {
                let r = fixture.records[variant]!
                switch record {
                case .bodyPerson(let field): fields.append((field, r.person.uuidString))
                case .bodyVictim(let field): fields.append((field, r.victim.uuidString))
                case .unit(let field): fields.append((field, r.unit.code))
                case .team(let field): fields.append((field, r.team.id!.uuidString))
                default: break
                }
            }
            switch access.gate {
            case .unitList(_, let r): add(r, c.variant)
            default: break
            }
            for also in access.also { add(also.record, c.alsoVariant ?? c.variant) }
            return fields
        }

        mutating func check(_ c: Case, phase: Phase) async throws {
            let expected = expected(c, phase: phase)
            let observed = try await send(c, reason: phase == .stated)
            checked += 1
            if observed != expected {
                mismatches.append("\(c) \(phase): expected \(expected.rawValue), got \(observed.rawValue)")
            }
        }

        mutating func send(_ c: Case, reason: Bool) async throws -> Observed {
            let path =
                "/"
                + c.route.path.map {
                    switch $0 {
                    case .parameter(let name): parameter(name, c.variant)
                    default: $0.description
                    }
                }.joined(separator: "/")
            let fields = fields(c)
            if isAPI(c.route) {
                var headers = token
                if reason { headers.replaceOrAdd(name: "X-Access-Reason", value: AccessMatrixTests.reason) }
                var body: ByteBuffer?
                var target = path
                if c.route.method == .GET {
                    if !fields.isEmpty { target += "?" + fields.map { "\($0.0)=\($0.1)" }.joined(separator: "&") }
                } else {
                    let json = Dictionary(uniqueKeysWithValues: fields)
                    body = ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: json)))
                }
                let response = try await app.testing().sendRequest(c.route.method, target, headers: headers, body: body)
                return classifyAPI(response)
            }
            if c.route.path.first?.description == "uploads" {
                return try await sendTus(c, path: path, reason: reason)
            }
            if c.route.method == .GET {
                let query = fields.isEmpty ? "" : "?" + fields.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
                return classifyWeb(try await browser.get(path + query))
            }
            let form = fields + (reason ? [("accessReason", AccessMatrixTests.reason)] : [])
            if c.route.path.map(\.description) == ["admin", "imports"] {
                return classifyWeb(try await browser.upload(path, fields: form, file: nil))
            }
            return classifyWeb(try await browser.post(path, form))
        }

        /// A tus request as the recording page sends it: the session, the form token in a header, the reason in
        /// `X-Access-Reason`.
        func sendTus(_ c: Case, path: String, reason: Bool) async throws -> Observed {
            var headers: HTTPHeaders = ["Tus-Resumable": "1.0.0", "X-CSRF-Token": browser.csrf ?? ""]
            if let cookie = browser.cookie { headers.add(name: .cookie, value: cookie) }
            if reason { headers.add(name: "X-Access-Reason", value: AccessMatrixTests.reason) }
            var body: ByteBuffer?
            if c.route.method == .PATCH {
                headers.add(name: .contentType, value: "application/offset+octet-stream")
                headers.add(name: "Upload-Offset", value: "0")
                body = ByteBuffer(bytes: [])
            }
            let response = try await app.testing().sendRequest(c.route.method, path, headers: headers, body: body)
            switch response.status {
            case .unauthorized: return .signedOut
            case .forbidden:
                switch response.headers.first(name: "X-Refusal") {
                case "reason-required-each-time": return .reasonRequiredEachTime
                case "reason-required": return .reasonRequired
                default: return .denied
                }
            default: return .allowed
            }
        }

        /// Opens each record of a variant for reading with a reason, as the web's reason page does.
        mutating func grantReading(_ variant: MatrixFixture.Variant) async throws {
            let r = fixture.records[variant]!
            for (type, id) in [("crime", r.crime), ("person", r.person)] {
                try await browser.get("/access/\(type)/\(id)")
                try await browser.post("/access/\(type)/\(id)", [("reason", AccessMatrixTests.reason)])
            }
        }

        func classifyAPI(_ response: TestingHTTPResponse) -> Observed {
            switch response.status {
            case .unauthorized: return .signedOut
            case .forbidden:
                let problem = try? JSONSerialization.jsonObject(with: Data(response.body.string.utf8)) as? [String: Any]
                let type = (problem?["type"] as? String) ?? ""
                if type.hasSuffix("/reason-required-each-time") { return .reasonRequiredEachTime }
                if type.hasSuffix("/reason-required") { return .reasonRequired }
                return .denied
            default: return .allowed
            }
        }

        func classifyWeb(_ response: TestingHTTPResponse) -> Observed {
            if response.status == .seeOther || response.status == .found {
                if response.location?.hasPrefix("/access/") == true { return .reasonRequired }
                if response.location?.hasPrefix("/sign-in") == true { return .signedOut }
                return .allowed
            }
            if response.status == .unauthorized { return .signedOut }
            if response.status == .forbidden {
                let body = response.body.string
                if body.contains("This form has expired") { return .signedOut }
                if body.contains("needs its own reason") { return .reasonRequiredEachTime }
                if body.contains("Say why you need it") { return .reasonRequired }
                return .denied
            }
            return .allowed
        }
    }
}
