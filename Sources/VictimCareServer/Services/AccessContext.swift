import Foundation
import VictimCareDomain

/// Who is asking, from where, and any reason they have given to open records outside their unit.
/// Every service call takes one; web, API, jobs and commands build it the same way.
struct AccessContext: Sendable {
    var actor: Actor
    var ip: String?
    /// A reason stated with this very request (the API's `X-Access-Reason` header, the web's reason field).
    var reason: String?
    /// Records opened for reading with a stated reason earlier in this session; no need to ask again to read.
    var grantedRecords: Set<UUID>
    /// A witness recording their own video identification viewing may upload to that one interview and nothing
    /// else (issue 15); their actor is granted nothing by the policy.
    var uploadPin: UUID? = nil
    /// The application's group-commit writer for audit entries; without one (commands, tests) each write is
    /// its own statement.
    var auditWriter: AuditWriter? = nil
    /// The application's group-commit writer for recorded crimes; without one (commands, tests) each crime is its
    /// own transaction.
    var crimeWriter: CrimeService.Writer? = nil

    init(actor: Actor, ip: String? = nil, reason: String? = nil, grantedRecords: Set<UUID> = []) {
        self.actor = actor
        self.ip = ip
        self.reason = reason
        self.grantedRecords = grantedRecords
    }

    static let system = AccessContext(actor: .system)

    /// The reason stated with this request, when it says enough to be audited (10 characters or more).
    var statedReason: String? {
        guard let text = reason?.trimmingWhitespaceAndNewlines(), text.count >= 10 else { return nil }
        return text
    }
}
