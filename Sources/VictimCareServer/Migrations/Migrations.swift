import Fluent

/// Every migration, in the order they run. Append only; never reorder or edit a shipped one.
enum Migrations {
    static let all: [any Migration] = [
        CreateCommandUnit(),
        CreateTeam(),
        CreateUser(),
        CreateAPIToken(),
        CreateSignInAttempt(),
        SessionRecord.migration,
        CreateAuditEntry(),
        CreateOffence(),
        SeedOffences(),
        CreatePerson(),
        CreateLocationAndProperty(),
        CreateCrime(),
        CreateCrimeLinks(),
        SeedCommandUnits(),
        CreateVictim(),
        CreateVictimsCodeRecords(),
        CreateObligation(),
        CreateVictimsCodeSettings(),
        AddSearchKeysToCrimePersons(),
        AddObligationsHashToVictims(),
        CreateOutbox(),
        CreateVictimLinks(),
        CreateReferrals(),
        CreateImports(),
        CreateSelfReferrals(),
        AddRecomputedAtToReferralBatches(),
        CreateDashboard(),
        CreateTrials(),
        AddDashboardIndexes(),
        CreateTrustRecords(),
        AddVictimsCodeFacts(),
        CreateInterviewEvidence(),
    ]
}
