import Foundation

/// The units a record belongs to, and whether it was shared with the asking actor's organisation.
public struct RecordScope: Sendable, Equatable {
    public var commandUnitIDs: Set<UUID>
    public var sharedWithActor: Bool

    public init(commandUnitIDs: Set<UUID>, sharedWithActor: Bool = false) {
        self.commandUnitIDs = commandUnitIDs
        self.sharedWithActor = sharedWithActor
    }

    public static let unowned = RecordScope(commandUnitIDs: [])
}

public enum AccessDecision: Sendable, Equatable {
    case allowed
    /// Allowed once the actor states why (the reason is audited).
    case reasonRequired
    case denied
}

/// One policy for web, API, jobs and commands. Services ask it before they read or write anything.
public enum AccessPolicy {
    /// Whether `actor` may do `permission` at all, whatever the record.
    public static func grants(_ actor: Actor, _ permission: Permission) -> Bool {
        roles(for: permission).contains(actor.role)
    }

    /// Whether `actor` may do `permission` on a record with the given scope.
    public static func decide(_ actor: Actor, _ permission: Permission, on scope: RecordScope) -> AccessDecision {
        guard grants(actor, permission) else { return .denied }
        if actor.kind == .system { return .allowed }
        switch actor.role.reach {
        case .force:
            return .allowed
        case .sharedOnly:
            return scope.sharedWithActor ? .allowed : .denied
        case .commandUnit:
            if let unit = actor.commandUnitID, scope.commandUnitIDs.contains(unit) { return .allowed }
            // A record nobody owns yet (a person created without a crime) is open to the units that may create one.
            if scope.commandUnitIDs.isEmpty { return .allowed }
            return .reasonRequired
        }
    }

    static func roles(for permission: Permission) -> Set<Role> {
        let frontLine: Set<Role> = [.officer, .supervisor, .commandUnitLead]
        switch permission {
        case .viewCrime:
            return frontLine.union([.victimCareDesk, .forceAnalyst, .witnessCareUnit, .prosecutor, .administrator])
        case .createCrime, .editCrime:
            return frontLine.union([.administrator])
        case .viewPerson:
            return frontLine.union([.victimCareDesk, .forceAnalyst, .witnessCareUnit, .supportPartner, .administrator])
        case .createPerson:
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .editPerson:
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .viewProtectedCharacteristics:
            // Self-declared characteristics serve equality monitoring and tailored support, not investigation.
            return [.forceAnalyst, .victimCareDesk, .administrator]
        case .editProtectedCharacteristics:
            // Recorded from the victim's own declaration by whoever takes it; not readable back by most of them.
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .manageUsers, .manageTokens, .viewAudit:
            return [.administrator]
        case .viewOrganisation:
            return Set(Role.allCases)
        case .recordContact, .recordVictimAction:
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .recordCaseEvent:
            return frontLine.union([.administrator])
        case .completeAssessment:
            return frontLine.union([.victimCareDesk, .administrator])
        case .waiveObligation, .manageReview:
            return [.supervisor, .commandUnitLead, .administrator]
        case .viewTeamWorklist:
            return [.supervisor, .commandUnitLead, .administrator]
        case .viewUnitWorklist:
            return [.commandUnitLead, .administrator]
        case .viewDeskWorklist:
            return [.victimCareDesk, .administrator]
        case .manageVictimsCodeSettings, .manageOutbox, .importRecords:
            return [.administrator]
        case .messageVictim:
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .clearMessaging:
            return frontLine.union([.administrator])
        case .viewCommunicationsReports:
            return [.supervisor, .commandUnitLead, .forceAnalyst, .administrator]
        case .manageReferrals:
            return [.supportPartner, .administrator]
        case .referAtCharge:
            return [.witnessCareUnit, .administrator]
        case .viewComplianceDashboard:
            return [.supervisor, .commandUnitLead, .forceAnalyst, .administrator]
        case .setUnitTargets:
            return [.commandUnitLead, .administrator]
        case .recordStaffing:
            return [.supervisor, .commandUnitLead, .administrator]
        case .manageSurvey, .manageTrials:
            return [.forceAnalyst, .administrator]
        }
    }
}
