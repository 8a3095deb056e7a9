import Fluent
import FluentSQL
import Foundation
import Logging
import NIOWebSocket
import SQLKit
import Vapor
import VictimCareDomain

/// The sockets of video calls this node holds, and the relay between them and every other node: a message is
/// a row in `video_signals`; each node reads the rows it has not read yet every 25 ms (an indexed read of the
/// ids above the last, which costs next to nothing when there are none) and sends
/// those for the sockets it holds, each once. A call's two sides may be on different nodes, and either may
/// reconnect to any node. When the recipient's socket is on the node that stored the message, it is sent at once.
///
/// Each pass reads the ids above the highest read so far, and any ids skipped over (a ``SignalCursor``): on
/// PostgreSQL an id is taken before its transaction commits, so a lower id can become visible after a higher
/// one; it is read when it shows up (within `window`). Every row is read once. A pass reads only ids and
/// addresses for every call (so that another node's rows are not mistaken for gaps), then the bodies of the
/// rows for the sockets held here.
actor SignalHub {
    struct Key: Hashable, Sendable {
        var callID: UUID
        var role: Signalling.Role
        /// A guest's invitation: a guest's socket hears only what was sent to its own invitation, never what is
        /// meant for whoever was invited after them.
        var guestID: UUID?

        init(callID: UUID, role: Signalling.Role, guestID: UUID? = nil) {
            self.callID = callID
            self.role = role
            self.guestID = role == .guest ? guestID : nil
        }

        /// A row's `to_role`: the role, or `guest:` and the invitation.
        init?(callID: UUID, address: String) {
            if address.hasPrefix("guest:") {
                guard let id = UUID(uuidString: String(address.dropFirst(6))) else { return nil }
                self.init(callID: callID, role: .guest, guestID: id)
            } else {
                guard let role = Signalling.Role(rawValue: address), role != .guest else { return nil }
                self.init(callID: callID, role: role)
            }
        }

        var address: String { guestID.map { "guest:" + $0.uuidString.lowercased() } ?? role.rawValue }
    }

    private let app: Application
    private var sockets: [Key: WebSocket] = [:]
    /// When each socket arrived: rows older than that were for a socket before it (its state is sent instead).
    private var since: [Key: Date] = [:]
    /// Rows sent or passed over, with when they were handled (forgotten after twice the window).
    private var handled: [Int: Date] = [:]
    private var polling: Task<Void, Never>?
    /// Where this node has read to; set when polling starts.
    private var cursor: SignalCursor?
    private var lastSeenWrite = Date.distantPast
    let interval: Duration
    /// How late a row may become visible and still be delivered.
    let window: TimeInterval = 15

    init(app: Application, interval: Duration = .milliseconds(25)) {
        self.app = app
        self.interval = interval
    }

    /// Holds a side's socket (a second one for the same side replaces the first) and starts relaying.
    func attach(_ key: Key, _ socket: WebSocket) async {
        if let old = sockets[key], old !== socket { try? await old.close(code: .policyViolation) }
        sockets[key] = socket
        since[key] = Date()
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
        if sockets[key] === socket {
            sockets[key] = nil
            since[key] = nil
        }
    }

    func holds(_ key: Key) -> Bool { sockets[key] != nil }

    /// Sends a stored row now if its recipient's socket is here and it has not been handled; both this and the
    /// poll run on this actor and mark a row handled before sending it, so each row goes once.
    func deliverHere(_ id: Int, to key: Key, body: String) async {
        guard let socket = sockets[key], !socket.isClosed, handled[id] == nil else { return }
        handled[id] = Date()
        try? await socket.send(body)
    }

    /// Queues a message for a side of a call, wherever its socket is; sent at once when it is on this node.
    @discardableResult
    static func post(
        _ body: String, to role: Signalling.Role, call callID: UUID, guest: UUID? = nil, hub: SignalHub? = nil,
        on db: any Database
    ) async throws -> Int {
        let key = Key(callID: callID, role: role, guestID: guest)
        // A message for a guest names their invitation.
        guard role != .guest || guest != nil else { return 0 }
        let signal = VideoSignal()
        signal.callID = callID
        signal.toRole = key.address
        signal.body = body
        signal.createdAt = Date()
        try await signal.create(on: db)
        if let hub, let id = signal.id {
            await hub.deliverHere(id, to: key, body: body)
        }
        return signal.id ?? 0
    }

    /// Signals are for delivery, not for keeping (an SDP carries network addresses): gone after ten minutes.
    static func purge(on db: any Database, now: Date = Date()) async throws {
        try await VideoSignal.query(on: db).filter(\.$createdAt < now.addingTimeInterval(-600)).delete()
    }

    /// One pass: relays the unread rows to the sockets held here, in id order; false when no sockets are left
    /// (the loop ends, and starts again from the recent rows when a socket next arrives).
    private func poll() async -> Bool {
        sockets = sockets.filter { !$0.value.isClosed }
        since = since.filter { sockets[$0.key] != nil }
        guard !sockets.isEmpty else {
            polling = nil
            cursor = nil
            return false
        }
        let now = Date()
        do {
            if cursor == nil {
                // The first pass reads the last `window` of rows, as a socket that just arrived may need them.
                let older = try await VideoSignal.query(on: app.db)
                    .filter(\.$createdAt < now.addingTimeInterval(-window)).max(\.$id)
                cursor = SignalCursor(floor: older ?? 0, patience: window)
            }
            let top = cursor!.top
            let gaps = Array(cursor!.gaps.keys)
            let heads = try await VideoSignal.query(on: app.db)
                .field(\.$id).field(\.$callID).field(\.$toRole).field(\.$createdAt)
                .group(.or) { either in
                    either.filter(\.$id > top)
                    if !gaps.isEmpty { either.filter(\.$id ~~ gaps) }
                }
                .sort(\.$id).limit(5000).all()
            cursor!.read(heads.compactMap(\.id), now: now)
            var wanted: [Int] = []
            for row in heads {
                guard let id = row.id, handled[id] == nil, let key = Key(callID: row.callID, address: row.toRole) else {
                    continue
                }
                guard sockets[key] != nil, row.createdAt >= (since[key] ?? .distantFuture).addingTimeInterval(-1)
                else { continue }
                wanted.append(id)
            }
            if !wanted.isEmpty {
                for row in try await VideoSignal.query(on: app.db).filter(\.$id ~~ wanted).sort(\.$id).all() {
                    // Checked again: a socket may have been replaced while the bodies were read.
                    guard let id = row.id, handled[id] == nil, let key = Key(callID: row.callID, address: row.toRole),
                        let socket = sockets[key],
                        row.createdAt >= (since[key] ?? .distantFuture).addingTimeInterval(-1)
                    else { continue }
                    handled[id] = now
                    try? await socket.send(row.body)
                }
            }
            handled = handled.filter { now.timeIntervalSince($0.value) < 2 * window }
            if now.timeIntervalSince(lastSeenWrite) > 5 {
                lastSeenWrite = now
                try await markSeen()
            }
        } catch {
            app.logger.warning("video signalling poll failed", metadata: ["error": "\(type(of: error))"])
        }
        return true
    }

    /// Who is in each room, as every node sees it: each held side's last-seen time, every few seconds, in one
    /// statement per side however many rooms this node holds.
    private func markSeen() async throws {
        let now = Date()
        for role in Signalling.Role.allCases {
            let calls = sockets.keys.filter { $0.role == role }.map(\.callID)
            guard !calls.isEmpty else { continue }
            let query = VideoCall.query(on: app.db).filter(\.$id ~~ calls)
            switch role {
            case .victim: try await query.set(\.$victimSeenAt, to: now).update()
            case .officer: try await query.set(\.$officerSeenAt, to: now).update()
            case .guest:
                let invitations = sockets.keys.compactMap(\.guestID)
                try await VideoGuest.query(on: app.db).filter(\.$id ~~ invitations).filter(\.$revokedAt == nil)
                    .set(\.$seenAt, to: now).update()
            }
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
