/// Things an actor can ask to do. The policy maps each to the roles that may.
public enum Permission: String, Sendable, CaseIterable {
    case viewCrime
    case createCrime
    case editCrime
    case viewPerson
    case createPerson
    case editPerson
    case viewProtectedCharacteristics
    case editProtectedCharacteristics
    case manageUsers
    case manageTokens
    case viewAudit
    case viewOrganisation
}
