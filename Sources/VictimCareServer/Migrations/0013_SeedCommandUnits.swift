import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The Met's twelve basic command units and the specialist units a victim's case may sit with.
/// Frozen history: later changes to the organisation are made as data, not by editing this list.
struct SeedCommandUnits: AsyncMigration {
    var name: String { "0013_SeedCommandUnits" }

    static let rows: [(String, String, String)] = [
        ("AW", "Central West (Hammersmith and Fulham, Kensington and Chelsea, Westminster)", "basic"),
        ("CE", "Central East (Hackney, Tower Hamlets)", "basic"),
        ("CN", "Central North (Camden, Islington)", "basic"),
        ("AS", "Central South (Lambeth, Southwark)", "basic"),
        ("EA", "East (Barking and Dagenham, Havering, Redbridge)", "basic"),
        ("NA", "North (Enfield, Haringey)", "basic"),
        ("NE", "North East (Newham, Waltham Forest)", "basic"),
        ("NW", "North West (Barnet, Brent, Harrow)", "basic"),
        ("SN", "South (Bromley, Croydon, Sutton)", "basic"),
        ("SE", "South East (Bexley, Greenwich, Lewisham)", "basic"),
        ("SW", "South West (Kingston, Merton, Richmond, Wandsworth)", "basic"),
        ("WA", "West (Ealing, Hillingdon, Hounslow)", "basic"),
        ("TD", "Telephone and Digital Investigation Unit", "specialist"),
        ("CA", "Child Abuse Investigation Command", "specialist"),
        ("RS", "Rape and Serious Sexual Offences", "specialist"),
        ("HM", "Specialist Crime - Homicide", "specialist"),
    ]

    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var insert = sql.insert(into: "command_units").columns("id", "code", "name", "kind", "created_at")
        for row in Self.rows {
            insert = insert.values(
                SQLBind(UUID.random()), SQLBind(row.0), SQLBind(row.1), SQLBind(row.2), SQLBind(Date()))
        }
        try await insert.run()
    }

    func revert(on db: any Database) async throws {
        try await CommandUnit.query(on: db).delete()
    }
}
