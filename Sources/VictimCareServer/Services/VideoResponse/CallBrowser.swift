import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// A way into a call held by one browser (issue 16): the victim's call and a guest's invitation alike. The first
/// browser to take it gets a secret of its own (its cookie; only the hash is stored); afterwards only that browser
/// gets in. Two taking it at once: the database lets one win.
enum CallBrowser {
    enum Outcome: Sendable, Equatable {
        /// The browser holding it (`fresh`: the secret to set as its cookie, when it has just taken it).
        case holder(fresh: String?)
        /// Held by another browser, or not taken and this request may not take it.
        case elsewhere
    }

    /// `stored`: the hash held in `table.column` for row `id`; `browser`: this browser's secret, if it sent one;
    /// `take`: whether this request may take a way in nobody holds (a page or a join, never a socket).
    /// `unlessSet` names a column that, set, means the way in is gone (a withdrawn invitation).
    static func check(
        _ table: String, _ column: String, id: UUID, stored: String?, browser: String?, take: Bool,
        unlessSet: String? = nil, on db: any Database
    ) async throws -> Outcome {
        if let stored {
            guard let browser, Secrets.constantTimeEquals(Secrets.sha256Hex(browser), stored) else { return .elsewhere }
            return .holder(fresh: nil)
        }
        guard take, let sql = db as? any SQLDatabase else { return .elsewhere }
        let mine = Secrets.randomToken(bytes: 32)
        let gone: SQLQueryString = unlessSet.map { " AND \(ident: $0) IS NULL" } ?? ""
        let won = try await sql.raw(
            """
            UPDATE \(ident: table) SET \(ident: column) = \(bind: Secrets.sha256Hex(mine))
            WHERE id = \(bind: id) AND \(ident: column) IS NULL\(gone) RETURNING id
            """
        ).all()
        return won.isEmpty ? .elsewhere : .holder(fresh: mine)
    }
}

extension VideoCall {
    /// Where now falls against the call's window: a call the officer has let the victim into is under way however
    /// long it runs, so the victim and a guest can come back into it after the window.
    func timing(at now: Date) -> VideoBooking.Timing {
        VideoBooking.timing(at: now, window: opensAt...closesAt, underWay: admittedAt != nil)
    }
}
