import Fluent
import FluentSQL
import Foundation
import Logging
import NIOWebSocket
import SQLKit
import Vapor
import VictimCareDomain

/// The sockets of video calls this node holds, and the relay between them and every other node: a message is
/// a row in `video_signals`; each node reads the rows for the sockets it holds, in order, every tenth of a
/// second. A call's two sides may be on different nodes, and either may reconnect to any node. When the
/// recipient's socket is on the node that stored the message, it is sent at once and the poll skips it.
actor SignalHub {
    struct Key: Hashable, Sendable {
        var callID: UUID
        var role: Signalling.Role
    }

    private let app: Application
    private var sockets: [Key: WebSocket] = [:]
    private var cursor: Int?
    private var polling: Task<Void, Never>?
    private var lastSeenWrite = Date.distantPast
    /// Rows already sent by ``deliverHere(_:to:body:)``, which the poll must not send again.
    private var sentHere: Set<Int> = []
    let interval: Duration

    init(app: Application, interval: Duration = .milliseconds(100)) {
        self.app = app
        self.interval = interval
    }

    /// Holds a side's socket (a second one for the same side replaces the first) and starts relaying.
    func attach(_ key: Key, _ socket: WebSocket) async throws {
        if let old = sockets[key], old !== socket { try? await old.close(code: .policyViolation) }
        if cursor == nil {
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT MAX(id) AS top FROM video_signals").all()
            cursor =
                try rows.first?.decodeNil(column: "top") == false
                ? try rows.first!.decode(column: "top", as: Int.self) : 0
        }
        sockets[key] = socket
        if polling == nil {
            polling = Task { [weak self] in
                while !Task.isCancelled {
                    guard let self, await self.poll() else { break }
                    try? await Task.sleep(for: self.interval)
                }
            }
        }
    }

    func detach(_ key: Key, _ socket: WebSocket) {
        if sockets[key] === socket { sockets[key] = nil }
    }

    func holds(_ key: Key) -> Bool { sockets[key] != nil }

    /// Sends a stored row now if its recipient's socket is here and the poll has not already sent it. The poll
    /// moves its cursor past a row before sending it, and both run on this actor, so each row goes once.
    func deliverHere(_ id: Int, to key: Key, body: String) async {
        guard let socket = sockets[key], !socket.isClosed, id > (cursor ?? Int.max) else { return }
        sentHere.insert(id)
        try? await socket.send(body)
    }

    /// Queues a message for a side of a call, wherever its socket is; sent at once when it is on this node.
    @discardableResult
    static func post(
        _ body: String, to role: Signalling.Role, call callID: UUID, hub: SignalHub? = nil, on db: any Database
    ) async throws -> Int {
        let signal = VideoSignal()
        signal.callID = callID
        signal.toRole = role.rawValue
        signal.body = body
        signal.createdAt = Date()
        try await signal.create(on: db)
        if let hub, let id = signal.id {
            await hub.deliverHere(id, to: Key(callID: callID, role: role), body: body)
        }
        return signal.id ?? 0
    }

    /// One pass: relays new rows to the sockets held here; false when none are left (the loop ends).
    private func poll() async -> Bool {
        sockets = sockets.filter { !$0.value.isClosed }
        guard !sockets.isEmpty else {
            polling = nil
            return false
        }
        do {
            let calls = Array(Set(sockets.keys.map(\.callID)))
            let rows = try await VideoSignal.query(on: app.db).filter(\.$id > (cursor ?? 0)).filter(\.$callID ~~ calls)
                .sort(\.$id).limit(500).all()
            for row in rows {
                cursor = max(cursor ?? 0, row.id ?? 0)
                if let id = row.id, sentHere.remove(id) != nil { continue }
                guard let role = Signalling.Role(rawValue: row.toRole),
                    let socket = sockets[Key(callID: row.callID, role: role)]
                else { continue }
                try? await socket.send(row.body)
            }
            // A row sent here whose socket closed before the poll saw it is forgotten once the cursor passes it.
            if sentHere.count > 1000 { sentHere = sentHere.filter { $0 > (cursor ?? 0) } }
            if Date().timeIntervalSince(lastSeenWrite) > 5 {
                lastSeenWrite = Date()
                try await markSeen()
            }
        } catch {
            app.logger.warning("video signalling poll failed", metadata: ["error": "\(type(of: error))"])
        }
        return true
    }

    /// Who is in each room, as every node sees it: each held side's last-seen time, every few seconds.
    private func markSeen() async throws {
        let now = Date()
        for key in sockets.keys {
            try await VideoCallService.seen(key.role, at: now, call: key.callID, on: app.db)
        }
    }
}

extension Application {
    private struct SignalHubKey: StorageKey {
        typealias Value = SignalHub
    }

    /// This node's signalling hub, made when the app is configured.
    var signalHub: SignalHub {
        get { storage[SignalHubKey.self]! }
        set { storage[SignalHubKey.self] = newValue }
    }
}
