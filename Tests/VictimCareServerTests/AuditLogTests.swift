import Fluent
import SQLKit
import Testing
import Vapor
import VaporTesting
import VictimCareDomain

@testable import VictimCareServer

@Suite struct AuditLogTests {
    @Test func theDatabaseRefusesToChangeOrDeleteEntries() async throws {
        try await withTestApp { app in
            try await World(app).crime("SN/0000001/25")
            let sql = app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) {
                try await sql.raw("UPDATE audit_entries SET reason = 'tampered'").run()
            }
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM audit_entries").run() }
            #expect(try await AuditEntry.query(on: app.db).filter(\.$reason == "tampered").count() == 0)
            #expect(try await AuditEntry.query(on: app.db).count() > 0)
        }
    }

    @Test func administratorsFilterAndExportIt() async throws {
        try await withTestApp { app in
            let world = try await World(app)
            let crime = try await world.crime("SN/0000001/25").crime
            try await world.user("pc.hart", .officer)
            try await world.user("root.admin", .administrator)
            var officer = Browser(app)
            try await officer.signIn("pc.hart")
            try await officer.get("/crimes/\(crime.id!)")
            #expect(try await officer.get("/admin/audit").status == .forbidden)
            #expect(try await officer.get("/admin/audit.csv").status == .forbidden)

            var admin = Browser(app)
            try await admin.signIn("root.admin")
            let page = try await admin.get("/admin/audit?action=view&recordID=\(crime.id!)").body.string
            #expect(page.contains("Pc.Hart"))
            let csv = try await admin.get("/admin/audit.csv?recordID=\(crime.id!)")
            #expect(csv.headers.contentType?.subType == "csv")
            let lines = csv.body.string.split(separator: "\r\n")
            // A byte-order mark first, so Excel reads it as UTF-8.
            #expect(lines.first == "\u{FEFF}at,actor,actor_role,action,record_type,record_id,summary,ip,reason")
            #expect(lines.contains { $0.contains(",Pc.Hart,officer,view,crime,\(crime.id!),") })
            #expect(try await admin.get("/admin/audit?recordID=nonsense").status == .unprocessableEntity)
        }
    }

    @Test func csvFieldsCannotBecomeFormulas() {
        #expect(CSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
    }
}
