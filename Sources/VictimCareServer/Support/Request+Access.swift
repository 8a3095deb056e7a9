import Vapor
import VictimCareDomain

extension Request {
    /// The signed-in user or API token as an actor, with the client's address, any reason given with this
    /// request (the API's `X-Access-Reason` header, a web form's `accessReason` field), and the records this
    /// session has opened for reading with a reason (web).
    func accessContext() throws -> AccessContext {
        if let user = auth.get(User.self) {
            let reason =
                [.GET, .HEAD].contains(method)
                ? nil : (try? content.get(String.self, at: "accessReason")).map { String($0.prefix(1000)) }
            var context = AccessContext(actor: user.actor, ip: clientIP, reason: reason, grantedRecords: accessGrants)
            context.auditWriter = application.auditWriter
            context.crimeWriter = application.crimeWriter
            return context
        }
        if let token = auth.get(APIToken.self) {
            let reason = headers.first(name: "X-Access-Reason").map { String($0.prefix(1000)) }
            var context = AccessContext(actor: token.actor, ip: clientIP, reason: reason)
            context.auditWriter = application.auditWriter
            context.crimeWriter = application.crimeWriter
            return context
        }
        throw Abort(.unauthorized)
    }

    var currentUser: User? { auth.get(User.self) }

    func requireUser() throws -> User {
        guard let user = auth.get(User.self) else { throw Abort(.unauthorized) }
        return user
    }

    /// Records this session opened outside its unit, with a stated reason, and until when.
    var accessGrants: Set<UUID> {
        guard hasSession, let raw = session.data["grants"] else { return [] }
        let now = Date().timeIntervalSince1970
        return Set(
            raw.split(separator: ";").compactMap { entry -> UUID? in
                let parts = entry.split(separator: "@")
                guard parts.count == 2, let until = Double(parts[1]), until > now else { return nil }
                return UUID(uuidString: String(parts[0]))
            })
    }

    func grantAccess(to id: UUID, minutes: Int) {
        let now = Date().timeIntervalSince1970
        let kept = (session.data["grants"] ?? "").split(separator: ";").filter { entry in
            let parts = entry.split(separator: "@")
            return parts.count == 2 && (Double(parts[1]) ?? 0) > now && parts[0] != id.uuidString
        }.suffix(50)
        session.data["grants"] = (kept + ["\(id.uuidString)@\(Int(now) + minutes * 60)"]).joined(separator: ";")
    }

    /// A message for the next page (kept in the session, never in the URL).
    func flash(_ message: String) {
        session.data["flash"] = message
    }

    func takeFlash() -> String? {
        guard hasSession, let message = session.data["flash"] else { return nil }
        session.data["flash"] = nil
        return message
    }
}
