import Fluent
import Foundation
import SQLKit
import VictimCareDomain

/// The offences a fresh force starts with. Administrators can add and retire offences later;
/// this list is frozen history and never edited.
struct SeedOffences: AsyncMigration {
    var name: String { "0008_SeedOffences" }

    // (code, description, group, implied flags, most serious crime under the Victims' Code)
    static let rows: [(String, String, String, String, Bool)] = [
        ("001/00", "Murder", "Violence against the person", ",homicide,", true),
        ("004/01", "Manslaughter", "Violence against the person", ",homicide,", true),
        ("002/00", "Attempted murder", "Violence against the person", "", true),
        ("005/01", "Wounding with intent to do grievous bodily harm", "Violence against the person", "", true),
        ("008/01", "Assault with injury", "Violence against the person", "", false),
        (
            "008/10", "Racially or religiously aggravated assault with injury", "Violence against the person",
            ",hate_crime,", false
        ),
        ("105/01", "Common assault without injury", "Violence against the person", "", false),
        (
            "105/02", "Racially or religiously aggravated common assault", "Violence against the person",
            ",hate_crime,", false
        ),
        ("009/01", "Threats to kill", "Violence against the person", "", false),
        ("008/20", "Harassment", "Violence against the person", ",harassment_stalking,", false),
        ("008/21", "Stalking", "Violence against the person", ",harassment_stalking,", false),
        ("008/22", "Controlling or coercive behaviour", "Violence against the person", ",domestic_abuse,", false),
        ("036/00", "Kidnapping", "Violence against the person", "", true),
        ("036/01", "False imprisonment", "Violence against the person", "", true),
        ("106/00", "Modern slavery", "Violence against the person", ",modern_slavery,", true),
        ("019/07", "Rape of a female aged 16 or over", "Sexual offences", ",sexual_offence,", true),
        ("019/08", "Rape of a male aged 16 or over", "Sexual offences", ",sexual_offence,", true),
        ("017/02", "Sexual assault on a female aged 13 or over", "Sexual offences", ",sexual_offence,", true),
        (
            "020/01", "Sexual activity involving a child under 16", "Sexual offences", ",child_victim,sexual_offence,",
            true
        ),
        ("088/05", "Exposure and voyeurism", "Sexual offences", ",sexual_offence,", true),
        ("034/01", "Robbery of personal property", "Robbery", "", false),
        ("034/02", "Robbery of business property", "Robbery", "", false),
        ("028/01", "Burglary - residential", "Burglary", "", false),
        ("030/01", "Burglary - business and community", "Burglary", "", false),
        ("039/00", "Theft from the person", "Theft offences", "", false),
        ("044/00", "Theft of a pedal cycle", "Theft offences", "", false),
        ("045/00", "Theft from a motor vehicle", "Theft offences", "", false),
        ("048/00", "Theft or unauthorised taking of a motor vehicle", "Theft offences", "", false),
        ("046/00", "Shoplifting", "Theft offences", "", false),
        ("046/01", "Shoplifting - low value", "Theft offences", "", false),
        ("049/00", "Other theft", "Theft offences", "", false),
        ("049/05", "Theft of a mobile phone", "Theft offences", "", false),
        ("049/06", "Theft of parcels", "Theft offences", "", false),
        ("049/07", "Making off without payment - fuel", "Theft offences", "", false),
        ("056/01", "Arson endangering life", "Criminal damage and arson", "", true),
        ("056/02", "Arson not endangering life", "Criminal damage and arson", "", false),
        ("058/01", "Criminal damage to a dwelling", "Criminal damage and arson", "", false),
        ("058/03", "Criminal damage to a motor vehicle", "Criminal damage and arson", "", false),
        ("058/04", "Other criminal damage", "Criminal damage and arson", "", false),
        (
            "058/10", "Racially or religiously aggravated criminal damage", "Criminal damage and arson", ",hate_crime,",
            false
        ),
        (
            "066/03", "Racially or religiously aggravated public fear, alarm or distress", "Public order offences",
            ",hate_crime,", false
        ),
        ("053/01", "Fraud by false representation", "Fraud", "", false),
        ("010/01", "Possession of a knife or bladed article", "Possession of weapons", ",gun_knife,", false),
        ("010/02", "Possession of a firearm with intent", "Possession of weapons", ",gun_knife,", true),
        ("091/01", "Preparation of terrorist acts", "Miscellaneous crimes against society", ",terrorism,", true),
        ("129/00", "Fly-tipping", "Other offences", "", false),
    ]

    func prepare(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var insert = sql.insert(into: "offences")
            .columns("id", "code", "description", "offence_group", "implied_flags", "most_serious", "active")
        for row in Self.rows {
            insert = insert.values(
                SQLBind(UUID.random()), SQLBind(row.0), SQLBind(row.1), SQLBind(row.2), SQLBind(row.3), SQLBind(row.4),
                SQLBind(true))
        }
        try await insert.run()
    }

    func revert(on db: any Database) async throws {
        try await db.query(Offence.self).delete()
    }
}
