import Foundation
import Testing
import Vapor
import VaporTesting

@testable import VictimCareServer

/// Keeps the OpenAPI document true to the routes: every API route is documented and every documented
/// operation exists. Schemathesis (in the end-to-end run) checks the responses against the schemas.
@Suite struct OpenAPITests {
    @Test func documentAndRoutesAgree() async throws {
        try await withTestApp { app in
            var served: Set<String> = []
            for route in app.routes.all {
                let path =
                    "/"
                    + route.path.map { component -> String in
                        switch component {
                        case .parameter(let name): "{\(name)}"
                        default: component.description
                        }
                    }.joined(separator: "/")
                guard path.hasPrefix("/api/v1/"), path != "/api/v1/openapi.json" else { continue }
                served.insert("\(route.method.rawValue) \(path)")
            }
            var documented: Set<String> = []
            try await app.testing().test(.GET, "/api/v1/openapi.json") { res in
                #expect(res.status == .ok)
                let doc = try #require(
                    try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as? [String: Any])
                #expect(doc["openapi"] as? String == "3.1.0")
                let paths = try #require(doc["paths"] as? [String: [String: Any]])
                for (path, item) in paths {
                    for method in item.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                        documented.insert("\(method.uppercased()) \(path)")
                    }
                }
            }
            #expect(
                served == documented,
                "undocumented: \(served.subtracting(documented)); not served: \(documented.subtracting(served))")
        }
    }
}
