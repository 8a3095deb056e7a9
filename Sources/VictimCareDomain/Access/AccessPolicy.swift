import Foundation

/// The units a record belongs to, and whether it was shared with the asking actor's organisation.
public struct RecordScope: Sendable, Equatable {
    public var commandUnitIDs: Set<UUID>
    public var sharedWithActor: Bool

    public init(commandUnitIDs: Set<UUID>, sharedWithActor: Bool = false) {
        self.commandUnitIDs = commandUnitIDs
        self.sharedWithActor = sharedWithActor
    }

    /// A record no command unit owns yet (a person the desk recorded before any crime).
    public static let unowned = RecordScope(commandUnitIDs: [])
}

public enum AccessDecision: Sendable, Equatable {
    case allowed
    /// Reading another unit's record: allowed once the actor states why. The reason is audited and opens
    /// the record for reading for a while (`ACCESS_REASON_MINUTES`).
    case reasonRequired
    /// Changing another unit's record: allowed only with a reason stated with this very action; a reason
    /// given earlier to read it does not carry over.
    case reasonRequiredEachTime
    case denied
}

/// How far a list of records reaches for an actor: the rule behind every worklist, dashboard list and
/// report that names victims. Aggregates (counts, rates) are not lists and are open to every unit.
public enum ListingReach: Sendable, Equatable {
    case everyUnit
    case oneUnit(UUID)
    /// Only records shared with the actor's organisation (support partners, prosecutors).
    case sharedOnly
    case nothing

    /// Whether a list of the records of `unit` may be shown.
    public func includes(unit: UUID) -> Bool {
        switch self {
        case .everyUnit: true
        case .oneUnit(let own): own == unit
        case .sharedOnly, .nothing: false
        }
    }
}

/// One policy for web, API, jobs and commands. Services ask it before they read or write anything.
public enum AccessPolicy {
    /// Whether `actor` may do `permission` at all, whatever the record.
    public static func grants(_ actor: Actor, _ permission: Permission) -> Bool {
        actor.kind != .witness && roles(for: permission).contains(actor.role)
    }

    /// Whether `actor` may do `permission` on a record with the given scope. A change that widens a record's
    /// scope (linking a person to a crime, moving a crime) is decided on the record as it was before it.
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
            // 2026-11-30, issue 12: a record no unit owns is outside every unit, not open to all of them.
            switch permission.outsideOwnUnit {
            case .withReason: return .reasonRequired
            case .withReasonEachTime: return .reasonRequiredEachTime
            case .never: return .denied
            }
        }
    }

    /// How far lists of records reach for `actor` under `permission`: the one formula for "own unit,
    /// force-wide or shared only".
    public static func listingReach(_ actor: Actor, _ permission: Permission) -> ListingReach {
        guard grants(actor, permission) else { return .nothing }
        if actor.kind == .system { return .everyUnit }
        switch actor.role.reach {
        case .force: return .everyUnit
        case .sharedOnly: return .sharedOnly
        case .commandUnit: return actor.commandUnitID.map(ListingReach.oneUnit) ?? .nothing
        }
    }

    public static func roles(for permission: Permission) -> Set<Role> {
        let frontLine: Set<Role> = [.officer, .supervisor, .commandUnitLead]
        switch permission {
        case .viewCrime:
            return frontLine.union([.victimCareDesk, .forceAnalyst, .witnessCareUnit, .prosecutor, .administrator])
        case .searchCrimes:
            return frontLine.union([.victimCareDesk, .forceAnalyst, .witnessCareUnit, .administrator])
        case .createCrime, .editCrime:
            return frontLine.union([.administrator])
        case .moveCrime:
            // The unit that owns the crime hands it over: its supervisors and lead, or an administrator.
            return [.supervisor, .commandUnitLead, .administrator]
        case .viewPerson:
            return frontLine.union([.victimCareDesk, .forceAnalyst, .witnessCareUnit, .supportPartner, .administrator])
        case .createPerson:
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .editPerson:
            return frontLine.union([.victimCareDesk, .witnessCareUnit, .administrator])
        case .searchPeople:
            return frontLine.union([.victimCareDesk, .forceAnalyst, .witnessCareUnit, .administrator])
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
        case .viewOwnWorklist:
            return frontLine.union([.administrator])
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
        case .viewEvidence:
            return frontLine.union([.prosecutor, .administrator])
        case .shareEvidence, .runIdentification:
            return frontLine.union([.administrator])
        case .manageEvidenceRetention:
            return [.commandUnitLead, .administrator]
        case .conductVideoCall:
            return frontLine.union([.administrator])
        case .manageVideoRota:
            return [.supervisor, .commandUnitLead, .administrator]
        case .reviewLinkage:
            // Force-wide by role: the analysts who keep the person index, and administrators.
            return [.forceAnalyst, .administrator]
        }
    }
}
