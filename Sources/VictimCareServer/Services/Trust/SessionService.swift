import Fluent
import Foundation
import SQLKit
import Vapor

/// Staff sessions, stored by the service itself (`web_sessions`) so that every node sees them, expired ones
/// are purged, and a user's sessions can be ended together: at a password change or reset, deactivation, a
/// change of role or unit, or "sign out everywhere". A session is stored only once it holds something (a
/// signed-in user), so a visit without a cookie writes nothing.
enum SessionService {
    /// Ends every session of `user` except `keeping` (the one making the change), and moves the user's session
    /// version on, so a session on any node that was read before the change is refused at its next request.
    static func endSessions(of user: User, keeping: SessionID? = nil, on db: any Database) async throws {
        guard let id = user.id, let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE users SET session_version = session_version + 1 WHERE id = \(bind: id)").run()
        user.sessionVersion += 1
        var delete = sql.delete(from: "web_sessions").where("user_id", .equal, id)
        if let keeping { delete = delete.where("id", .notEqual, keeping.string) }
        try await delete.run()
    }

    /// How many sessions `user` has open now (the account page shows it).
    static func openCount(of userID: UUID, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        struct Row: Decodable { var n: Int }
        return try await sql.raw(
            "SELECT COUNT(*) AS n FROM web_sessions WHERE user_id = \(bind: userID) AND expires_at > \(bind: Date())"
        ).first(decoding: Row.self)?.n ?? 0
    }

    /// Deletes expired sessions.
    static func purge(now: Date = Date(), on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.delete(from: "web_sessions").where("expires_at", .lessThan, now).run()
    }
}

/// The session store behind `vc_session`. Writes only when the data changed (Vapor writes on every response
/// otherwise), never stores an empty session, and lets a session expire `SESSION_HOURS` after sign-in.
struct DatabaseSessionDriver: AsyncSessionDriver {
    let hours: Int

    private struct ReadKey: StorageKey {
        typealias Value = [String: String]
    }

    func createSession(_ data: SessionData, for request: Request) async throws -> SessionID {
        let id = SessionID(string: Secrets.randomToken(bytes: 32))
        guard !data.snapshot.isEmpty, let sql = request.db as? any SQLDatabase else { return id }
        let now = Date()
        try await sql.insert(into: "web_sessions")
            .columns("id", "data", "user_id", "created_at", "expires_at")
            .values(
                SQLBind(id.string), SQLBind(try Self.encode(data)), SQLBind(Self.userID(data)), SQLBind(now),
                SQLBind(now.addingTimeInterval(Double(hours) * 3600))
            ).run()
        request.storage[ReadKey.self] = data.snapshot
        return id
    }

    func readSession(_ sessionID: SessionID, for request: Request) async throws -> SessionData? {
        guard let sql = request.db as? any SQLDatabase, sessionID.string.count <= 64 else { return nil }
        // Read positionally: every signed-in request asks.
        guard
            let data = try await FastRows.query(
                "SELECT data FROM web_sessions WHERE id = ? AND expires_at > ?",
                [.text(sessionID.string), .date(Date())],
                on: sql
            ).first?.string(0),
            let values = try? JSONDecoder().decode([String: String].self, from: Data(data.utf8))
        else { return nil }
        request.storage[ReadKey.self] = values
        return SessionData(initialData: values)
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) async throws -> SessionID {
        if request.storage[ReadKey.self] == data.snapshot { return sessionID }
        guard let sql = request.db as? any SQLDatabase else { return sessionID }
        if data.snapshot.isEmpty {
            try await deleteSession(sessionID, for: request)
            return sessionID
        }
        try await sql.update("web_sessions").set("data", to: try Self.encode(data))
            .set("user_id", to: Self.userID(data)).where("id", .equal, sessionID.string).run()
        return sessionID
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) async throws {
        guard let sql = request.db as? any SQLDatabase else { return }
        try await sql.delete(from: "web_sessions").where("id", .equal, sessionID.string).run()
    }

    private static func encode(_ data: SessionData) throws -> String {
        String(decoding: try JSONEncoder().encode(data.snapshot), as: UTF8.self)
    }

    private static func userID(_ data: SessionData) -> UUID? {
        data["uid"].flatMap(UUID.init(uuidString:))
    }
}
