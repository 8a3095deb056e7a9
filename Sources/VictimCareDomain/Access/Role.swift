/// The jobs people do in VictimCare. Each decides what a user may see and do (see ``AccessPolicy``).
public enum Role: String, Labelled {
    case officer
    case supervisor
    case victimCareDesk = "victim_care_desk"
    case commandUnitLead = "command_unit_lead"
    case forceAnalyst = "force_analyst"
    case witnessCareUnit = "witness_care_unit"
    case supportPartner = "support_partner"
    case prosecutor
    case administrator

    public var label: String {
        switch self {
        case .officer: "Officer"
        case .supervisor: "Supervisor"
        case .victimCareDesk: "Victim care desk"
        case .commandUnitLead: "Command unit lead"
        case .forceAnalyst: "Force analyst"
        case .witnessCareUnit: "Witness care unit"
        case .supportPartner: "Support service partner"
        case .prosecutor: "Prosecutor"
        case .administrator: "Administrator"
        }
    }

    /// How far a role's reading reaches without having to give a reason.
    public var reach: Reach {
        switch self {
        case .officer, .supervisor, .commandUnitLead: .commandUnit
        case .victimCareDesk, .forceAnalyst, .witnessCareUnit, .administrator: .force
        case .supportPartner, .prosecutor: .sharedOnly
        }
    }

    /// Where the role's day starts: its own work, not somebody else's (2026-11-30, issue 13).
    public var home: String {
        switch self {
        case .officer: "/worklist"
        case .supervisor: "/worklist/team"
        case .commandUnitLead: "/worklist/unit"
        case .victimCareDesk: "/desk"
        case .forceAnalyst: "/dashboard"
        case .witnessCareUnit: "/witness-care"
        case .supportPartner: "/referrals"
        case .prosecutor: "/shared"
        case .administrator: "/admin"
        }
    }

    /// Roles whose members belong to a command unit.
    public var needsCommandUnit: Bool { reach == .commandUnit }

    public enum Reach: String, Sendable {
        /// Own command unit; other units only with a recorded reason.
        case commandUnit
        /// Every command unit.
        case force
        /// Only records referred or shared to the user's organisation.
        case sharedOnly
    }
}
