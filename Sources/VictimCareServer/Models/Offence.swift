import Fluent
import Foundation
import VictimCareDomain

/// A Home Office offence classification the force records crimes under.
final class Offence: Model, @unchecked Sendable {
    static let schema = "offences"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "description") var description: String
    /// The Home Office offence group, used in referrals and the dashboard.
    @Field(key: "offence_group") var group: String
    /// Flags every crime under this offence carries (delimited, as on crimes).
    @Field(key: "implied_flags") var impliedFlags: String
    /// A "most serious crime" under the Victims' Code: its victims have enhanced rights.
    @Field(key: "most_serious") var mostSerious: Bool
    @Field(key: "active") var active: Bool

    init() {}

    init(code: String, description: String, group: String, impliedFlags: Set<CrimeFlag>, mostSerious: Bool) {
        self.code = code
        self.description = description
        self.group = group
        self.impliedFlags = CrimeFlags.encode(impliedFlags)
        self.mostSerious = mostSerious
        self.active = true
    }

    var flags: Set<CrimeFlag> { CrimeFlags.decode(impliedFlags) }
}
