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
        #expect(
            AccessPolicy.decide(Self.actor(role, unit: Self.east), .viewCrime, on: Self.southCrime) == .reasonRequired)
        #expect(
            AccessPolicy.decide(Self.actor(role, unit: Self.east), .editCrime, on: Self.southCrime) == .reasonRequired)
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
