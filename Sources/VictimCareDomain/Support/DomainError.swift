import Foundation

/// A problem with one submitted field, in words the person who typed it can act on.
public struct FieldError: Sendable, Equatable, Codable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Everything a use case can refuse, mapped to HTTP once in the server.
public enum DomainError: Error, Sendable, Equatable {
    case invalid([FieldError])
    case notFound(String)
    case forbidden(String)
    /// The record belongs to another command unit: allowed once the actor states why.
    case reasonRequired(recordType: String, recordID: UUID)
    /// A change to another command unit's record: allowed only with a reason stated with the change itself.
    case reasonRequiredEachTime(recordType: String, recordID: UUID)
    case conflict(field: String, message: String)
    case rateLimited(retryAfterSeconds: Int)

    public static func invalid(_ field: String, _ message: String) -> DomainError {
        .invalid([FieldError(field: field, message: message)])
    }
}
