import Foundation
import Testing

@testable import VictimCareDomain

struct AccessPolicyTests {
    static let south = UUID()
    static let east = UUID()

    static func actor(_ role: Role, unit: UUID? = south) -> Actor {
        Actor(
            id: UUID(), kind: .user, role: role, commandUnitID: role.needsCommandUnit ? unit : nil, name: role.rawValue)
    }

    static let southCrime = RecordScope(commandUnitIDs: [south])

    @Test(arguments: [
        (Role.officer, AccessDecision.allowed), (.supervisor, .allowed), (.commandUnitLead, .allowed),
        (.victimCareDesk, .allowed), (.forceAnalyst, .allowed), (.witnessCareUnit, .allowed),
        (.administrator, .allowed),
        (.supportPartner, .denied), (.prosecutor, .denied),
    ])
    func viewingACrimeInTheSouth(_ role: Role, _ expected: AccessDecision) {
        #expect(AccessPolicy.decide(Self.actor(role), .viewCrime, on: Self.southCrime) == expected)
    }

    @Test(arguments: [Role.officer, .supervisor, .commandUnitLead])
    func unitRolesNeedAReasonElsewhere(_ role: Role) {
        let elsewhere = Self.actor(role, unit: Self.east)
        #expect(AccessPolicy.decide(elsewhere, .viewCrime, on: Self.southCrime) == .reasonRequired)
        #expect(AccessPolicy.decide(elsewhere, .viewPerson, on: Self.southCrime) == .reasonRequired)
        // A reason given to read does not open changes: each change states its own.
        #expect(AccessPolicy.decide(elsewhere, .editCrime, on: Self.southCrime) == .reasonRequiredEachTime)
        #expect(AccessPolicy.decide(elsewhere, .editPerson, on: Self.southCrime) == .reasonRequiredEachTime)
        #expect(AccessPolicy.decide(elsewhere, .recordContact, on: Self.southCrime) == .reasonRequiredEachTime)
    }

    @Test func onlyTheOwningUnitWaivesOrMovesACrime() {
        #expect(AccessPolicy.decide(Self.actor(.supervisor), .waiveObligation, on: Self.southCrime) == .allowed)
        #expect(
            AccessPolicy.decide(Self.actor(.supervisor, unit: Self.east), .waiveObligation, on: Self.southCrime)
                == .denied)
        #expect(AccessPolicy.decide(Self.actor(.supervisor), .moveCrime, on: Self.southCrime) == .allowed)
        #expect(
            AccessPolicy.decide(Self.actor(.commandUnitLead, unit: Self.east), .moveCrime, on: Self.southCrime)
                == .denied)
        #expect(AccessPolicy.decide(Self.actor(.officer), .moveCrime, on: Self.southCrime) == .denied)
        #expect(AccessPolicy.decide(Self.actor(.administrator), .moveCrime, on: Self.southCrime) == .allowed)
    }

    @Test func aRecordNoUnitOwnsIsOutsideEveryUnit() {
        // A person the desk recorded before any crime: not open to every officer in the force.
        #expect(AccessPolicy.decide(Self.actor(.officer), .viewPerson, on: .unowned) == .reasonRequired)
        #expect(AccessPolicy.decide(Self.actor(.officer), .editPerson, on: .unowned) == .reasonRequiredEachTime)
        #expect(AccessPolicy.decide(Self.actor(.victimCareDesk), .editPerson, on: .unowned) == .allowed)
    }

    @Test func everyPermissionSaysWhatItNeedsOutsideTheUnit() {
        for permission in Permission.allCases {
            #expect(permission.onlyReads == (permission.outsideOwnUnit == .withReason))
        }
        #expect(
            Permission.allCases.filter(\.onlyReads).allSatisfy {
                $0.rawValue.hasPrefix("view") || $0.rawValue.hasPrefix("search")
            })
    }

    @Test func listsReachOneFormulaForEveryRole() {
        #expect(AccessPolicy.listingReach(Self.actor(.officer), .viewOwnWorklist) == .oneUnit(Self.south))
        #expect(AccessPolicy.listingReach(Self.actor(.supervisor), .viewComplianceDashboard) == .oneUnit(Self.south))
        #expect(AccessPolicy.listingReach(Self.actor(.forceAnalyst), .viewComplianceDashboard) == .everyUnit)
        #expect(AccessPolicy.listingReach(Self.actor(.administrator), .viewComplianceDashboard) == .everyUnit)
        #expect(AccessPolicy.listingReach(Self.actor(.prosecutor), .viewCrime) == .sharedOnly)
        #expect(AccessPolicy.listingReach(Self.actor(.supportPartner), .viewComplianceDashboard) == .nothing)
        #expect(!ListingReach.sharedOnly.includes(unit: Self.south))
        #expect(ListingReach.oneUnit(Self.south).includes(unit: Self.south))
        #expect(!ListingReach.oneUnit(Self.south).includes(unit: Self.east))
    }

    @Test func sharedRolesSeeOnlyWhatIsShared() {
        let shared = RecordScope(commandUnitIDs: [Self.south], sharedWithActor: true)
        #expect(AccessPolicy.decide(Self.actor(.supportPartner), .viewPerson, on: shared) == .allowed)
        #expect(AccessPolicy.decide(Self.actor(.supportPartner), .viewPerson, on: Self.southCrime) == .denied)
        #expect(AccessPolicy.decide(Self.actor(.prosecutor), .viewCrime, on: shared) == .allowed)
        #expect(AccessPolicy.decide(Self.actor(.prosecutor), .editCrime, on: shared) == .denied)
    }

    @Test func readOnlyRolesCannotChangeRecords() {
        for role in [Role.forceAnalyst, .victimCareDesk, .witnessCareUnit] {
            #expect(AccessPolicy.decide(Self.actor(role), .editCrime, on: Self.southCrime) == .denied)
        }
        #expect(AccessPolicy.decide(Self.actor(.victimCareDesk), .editPerson, on: Self.southCrime) == .allowed)
    }

    @Test func protectedCharacteristicsAreForFewRoles() {
        let readers = Role.allCases.filter { AccessPolicy.grants(Self.actor($0), .viewProtectedCharacteristics) }
        #expect(Set(readers) == [.forceAnalyst, .victimCareDesk, .administrator])
    }

    @Test func onlyAdministratorsAdminister() {
        for permission in [Permission.manageUsers, .manageTokens, .viewAudit] {
            #expect(Role.allCases.filter { AccessPolicy.grants(Self.actor($0), permission) } == [.administrator])
        }
    }

    @Test func flagsRoundTripThroughStorage() {
        let flags: Set<CrimeFlag> = [.hateCrime, .domesticAbuse]
        #expect(CrimeFlags.encode(flags) == ",domestic_abuse,hate_crime,")
        #expect(CrimeFlags.decode(CrimeFlags.encode(flags)) == flags)
        #expect(CrimeFlags.encode([]) == "")
        #expect(CrimeFlags.decode(",nonsense,hate_crime,") == [.hateCrime])
    }
}
