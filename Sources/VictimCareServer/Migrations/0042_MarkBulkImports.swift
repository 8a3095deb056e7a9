import Fluent
import FluentSQL
import SQLKit

/// Marks the import runs that are bulk first loads (`import crimes --bulk`), which drop the secondary indexes while
/// they run: `migrate` and other imports leave the indexes to a bulk load that is still running.
struct MarkBulkImports: AsyncMigration {
    var name: String { "0042_MarkBulkImports" }

    func prepare(on db: any Database) async throws {
        try await db.schema("import_runs").field("bulk", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("import_runs").deleteField("bulk").update()
    }
}
