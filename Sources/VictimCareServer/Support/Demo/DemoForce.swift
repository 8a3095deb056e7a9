import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The organisation of the synthetic force: teams in every unit, and people in every role.
struct DemoForce {
    struct Unit {
        var id: UUID
        var code: String
        var kind: String
        /// Officers and supervisors who can be officer in the case.
        var investigators: [UUID]
    }

    var units: [Unit]
    /// The easy-to-remember accounts printed after loading (username, role, unit).
    var showcase: [(String, String, String)]

    static let basicTeams = [
        ("Response Team 1", "response"), ("Response Team 2", "response"), ("CID", "cid"),
        ("Community Safety Unit", "csu"), ("Neighbourhood Team", "neighbourhood"),
    ]
    static let specialistTeams: [String: [(String, String)]] = [
        "TD": [("TDIU Team A", "tdiu"), ("TDIU Team B", "tdiu")],
        "CA": [("CAIT North", "cait"), ("CAIT South", "cait")],
        "RS": [("RASSO Team 1", "rasso"), ("RASSO Team 2", "rasso")],
        "HM": [("Major Investigation Team 1", "mit")],
    ]

    /// Creates teams and users for every command unit. All demo accounts share one password hash.
    static func create(passwordHash: String, random: inout DemoRandom, ids: inout SequentialIDs, on db: any Database)
        async throws -> DemoForce
    {
        let units = try await CommandUnit.query(on: db).sort(\.$code).all()
        var teams = BulkInsert("teams", ["id", "command_unit_id", "name", "kind", "created_at"])
        var users = BulkInsert(
            "users",
            [
                "id", "username", "display_name", "email", "rank", "collar_number", "role", "command_unit_id",
                "team_id",
                "password_hash", "must_change_password", "failed_sign_ins", "active", "created_at", "updated_at",
            ])
        let now = Date()
        var collar = 1000
        func addUser(_ username: String, _ role: Role, unit: UUID?, team: UUID?, rank: String?) -> UUID {
            let id = ids.next()
            let female = random.chance(0.5)
            let name =
                "\(random.pick(female ? DemoNames.givenFemale : DemoNames.givenMale)) \(random.pick(DemoNames.family))"
            collar += 1
            let collarNumber: String? = rank == nil ? nil : String(collar)
            users.add([
                id, username, name, "\(username)@police.example", rank, collarNumber, role.rawValue, unit, team,
                passwordHash, false, 0, true, now, now,
            ])
            return id
        }
        var result: [Unit] = []
        for unit in units {
            let unitID = unit.id!
            let code = unit.code.lowercased()
            var investigators: [UUID] = []
            let teamList = unit.kind == "basic" ? basicTeams : (specialistTeams[unit.code] ?? [("Team 1", "team")])
            for (index, (name, kind)) in teamList.enumerated() {
                let teamID = ids.next()
                teams.add([teamID, unitID, name, kind, now])
                let detective = ["cid", "csu", "cait", "rasso", "mit", "tdiu"].contains(kind)
                investigators.append(
                    addUser(
                        "\(code).sgt\(index + 1)", .supervisor, unit: unitID, team: teamID,
                        rank: detective ? "DS" : "PS"))
                for n in 1...4 {
                    investigators.append(
                        addUser(
                            "\(code).officer\(index * 4 + n)", .officer, unit: unitID, team: teamID,
                            rank: detective ? "DC" : "PC"))
                }
            }
            _ = addUser("\(code).di", .supervisor, unit: unitID, team: nil, rank: "DI")
            _ = addUser(
                "\(code).lead", .commandUnitLead, unit: unitID, team: nil,
                rank: unit.kind == "basic" ? "Ch Supt" : "Det Supt")
            result.append(Unit(id: unitID, code: unit.code, kind: unit.kind, investigators: investigators))
        }
        let sn = result.first { $0.code == "SN" }
        for n in 1...4 { _ = addUser("desk\(n)", .victimCareDesk, unit: nil, team: nil, rank: nil) }
        for n in 1...2 {
            _ = addUser("analyst\(n)", .forceAnalyst, unit: nil, team: nil, rank: nil)
            _ = addUser("wcu\(n)", .witnessCareUnit, unit: nil, team: nil, rank: nil)
            _ = addUser("partner\(n)", .supportPartner, unit: nil, team: nil, rank: nil)
            _ = addUser("prosecutor\(n)", .prosecutor, unit: nil, team: nil, rank: nil)
        }
        var showcase: [(String, String, String)] = []
        if let sn {
            let officer = addUser("demo.officer", .officer, unit: sn.id, team: nil, rank: "PC")
            result[result.firstIndex { $0.code == "SN" }!].investigators.insert(officer, at: 0)
            _ = addUser("demo.supervisor", .supervisor, unit: sn.id, team: nil, rank: "PS")
            _ = addUser("demo.di", .supervisor, unit: sn.id, team: nil, rank: "DI")
            _ = addUser("demo.lead", .commandUnitLead, unit: sn.id, team: nil, rank: "Ch Supt")
            showcase += [
                ("demo.officer", "Officer", "SN"), ("demo.supervisor", "Supervisor", "SN"),
                ("demo.di", "Supervisor (DI)", "SN"),
                ("demo.lead", "Command unit lead", "SN"),
            ]
        }
        for (username, role, label) in [
            ("demo.desk", Role.victimCareDesk, "Victim care desk"), ("demo.analyst", .forceAnalyst, "Force analyst"),
            ("demo.wcu", .witnessCareUnit, "Witness care unit"),
            ("demo.partner", .supportPartner, "Support service partner"),
            ("demo.prosecutor", .prosecutor, "Prosecutor"), ("demo.admin", .administrator, "Administrator"),
        ] {
            _ = addUser(username, role, unit: nil, team: nil, rank: nil)
            showcase.append((username, label, "force-wide"))
        }
        try await teams.flush(on: db)
        try await users.flush(on: db)
        return DemoForce(units: result, showcase: showcase)
    }
}
