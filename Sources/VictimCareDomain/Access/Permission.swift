/// Things an actor can ask to do. The policy maps each to the roles that may.
public enum Permission: String, Sendable, CaseIterable {
    case viewCrime
    /// Search crimes force-wide (the rows; victims' names only where the crime is within reach).
    case searchCrimes
    case createCrime
    case editCrime
    /// Move a crime to another command unit: decided on the unit that owns it now.
    case moveCrime
    case viewPerson
    case createPerson
    case editPerson
    /// Search people force-wide (one POLE record per person); matches outside the unit show little.
    case searchPeople
    case viewProtectedCharacteristics
    case editProtectedCharacteristics
    case manageUsers
    case manageTokens
    case viewAudit
    case viewOrganisation
    // The Victims' Code
    case recordContact
    case recordCaseEvent
    case completeAssessment
    case recordVictimAction
    case waiveObligation
    case manageReview
    /// "My victims": the victims of the crimes the user is the officer in the case of.
    case viewOwnWorklist
    case viewTeamWorklist
    case viewUnitWorklist
    case viewDeskWorklist
    case manageVictimsCodeSettings
    /// Ask for an email, text or letter to a victim (the safety gate still decides).
    case messageVictim
    /// Record that messaging a domestic abuse victim is safe (the suspect cannot see their messages).
    case clearMessaging
    /// The outbox: dead letters, retries.
    case manageOutbox
    /// Leaflet provision and feedback results, in aggregate.
    case viewCommunicationsReports
    /// The support service's side of referrals: see those sent to it, record what happened next.
    case manageReferrals
    /// Load a records system's extract (the upload page; the command line runs as the system).
    case importRecords
    /// The Witness Care Unit's referral at charge, by secure email to the support service.
    case referAtCharge
    /// The compliance dashboard: every unit's figures in aggregate; the victims behind a figure within scope.
    case viewComplianceDashboard
    /// A command unit's own targets for the dashboard's metrics.
    case setUnitTargets
    /// The staffing recorded for a team, beside its workload.
    case recordStaffing
    /// The satisfaction survey's sample size and waves.
    case manageSurvey
    /// Randomised trials of a care practice.
    case manageTrials
    // Interviews and their recordings (issue 15)
    /// Watch an interview's recordings (prosecutors: only what was shared with them, while the share lasts).
    case viewEvidence
    /// Share an interview's recordings with a named prosecutor, or revoke a share.
    case shareEvidence
    /// Decide an evidence item's retention: review it, or delete it with a reason (a tombstone stays).
    case manageEvidenceRetention
    /// Build and run video identifications (PACE Code D, Annex A) and keep the foil library. The service adds
    /// what a role cannot say: the identification officer is an inspector or above and not investigating.
    case runIdentification
    // Video response (issue 16)
    /// Book, change and cancel a victim's video call, see the calls due now, and take them.
    case conductVideoCall
    /// Keep the unit's video rota: the shifts officers are available for calls.
    case manageVideoRota
    /// Issue 18: the record-linkage review queue (pairs in the grey band, merges and splits, undo).
    case reviewLinkage

    /// What a role that works in one command unit needs to do this on another unit's record.
    public var outsideOwnUnit: OutsideOwnUnit {
        switch self {
        case .viewCrime, .viewPerson, .viewProtectedCharacteristics, .viewOrganisation, .searchPeople, .searchCrimes,
            .viewEvidence:
            .withReason
        case .moveCrime, .waiveObligation, .setUnitTargets, .recordStaffing, .viewOwnWorklist, .viewTeamWorklist,
            .viewUnitWorklist, .viewDeskWorklist, .viewCommunicationsReports, .viewComplianceDashboard,
            .manageEvidenceRetention, .manageVideoRota, .reviewLinkage:
            .never
        default:
            .withReasonEachTime
        }
    }

    /// Whether the permission only reads.
    public var onlyReads: Bool { outsideOwnUnit == .withReason }
}

/// What opens another command unit's record to a role that works in one unit (2026-11-30, issue 12).
public enum OutsideOwnUnit: Sendable, Equatable {
    /// A stated reason, audited, opens it for reading for a while.
    case withReason
    /// A reason stated with every change, audited with the change.
    case withReasonEachTime
    /// Only the owning unit (or a force-wide role) may.
    case never
}
