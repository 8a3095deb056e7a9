import Vapor

/// Vapor writes the session back on every response, changed or not. With sessions in the database (so
/// every app node sees them) that is a write per page view. This driver remembers what was read and only
/// writes when the data changed.
struct QuietSessionsDriver: SessionDriver {
    let base: any SessionDriver

    private struct ReadKey: StorageKey {
        typealias Value = [String: String]
    }

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        base.createSession(data, for: request)
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        base.readSession(sessionID, for: request).map { data in
            request.storage[ReadKey.self] = data?.snapshot
            return data
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID>
    {
        if let read = request.storage[ReadKey.self], read == data.snapshot {
            return request.eventLoop.makeSucceededFuture(sessionID)
        }
        return base.updateSession(sessionID, to: data, for: request)
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        base.deleteSession(sessionID, for: request)
    }
}
