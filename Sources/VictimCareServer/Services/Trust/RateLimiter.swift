import Fluent
import Foundation
import SQLKit

/// Counters for limits, kept in the database so every app node counts the same attempts, and incremented in
/// one statement (`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`) so attempts sent
/// at once are each counted: a limit read, checked and written back in three steps counts a burst as one.
/// Each counter covers a fixed window and is kept for one more; a limit is checked against a sliding window,
/// the current count plus the part of the previous one the sliding window still covers, so a burst cannot
/// double its allowance across a window boundary.
enum RateLimiter {
    struct Window: Sendable {
        var seconds: Int

        static func minutes(_ n: Int) -> Window { Window(seconds: max(1, n) * 60) }

        /// The key for the window `now` falls in, and when its counter may go (the end of the next window).
        func slot(_ key: String, at now: Date) -> (key: String, ends: Date) {
            let index = Int(now.timeIntervalSince1970) / seconds
            return ("\(key)@\(index)", Date(timeIntervalSince1970: Double((index + 2) * seconds)))
        }

        /// The previous window's key, and how much of it a window ending now still covers (0...1).
        func previous(_ key: String, at now: Date) -> (key: String, weight: Double) {
            let t = now.timeIntervalSince1970
            let index = Int(t) / seconds
            let into = (t - Double(index * seconds)) / Double(seconds)
            return ("\(key)@\(index - 1)", max(0, 1 - into))
        }
    }

    /// Counts one more attempt against `key` and returns the attempts in the sliding window, this one included.
    static func hit(_ key: String, window: Window, now: Date = Date(), on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let (slot, ends) = window.slot(key, at: now)
        struct Row: Decodable { var count: Int }
        let row = try await sql.raw(
            """
            INSERT INTO rate_counters (key, count, expires_at) VALUES (\(bind: slot), 1, \(bind: ends))
            ON CONFLICT (key) DO UPDATE SET count = rate_counters.count + 1 RETURNING count
            """
        ).first(decoding: Row.self)
        let (previous, weight) = window.previous(key, at: now)
        let before =
            weight > 0
            ? try await sql.raw("SELECT count FROM rate_counters WHERE key = \(bind: previous)").first(
                decoding: Row.self)?
                .count ?? 0 : 0
        return (row?.count ?? 0) + Int((Double(before) * weight).rounded(.up))
    }

    /// Takes back one attempt (an attempt counted before the check turned out not to count: a right answer).
    static func undo(_ key: String, window: Window, now: Date = Date(), on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let (slot, _) = window.slot(key, at: now)
        try await sql.raw("UPDATE rate_counters SET count = count - 1 WHERE key = \(bind: slot) AND count > 0").run()
    }

    /// Deletes counters whose window has passed.
    static func purge(now: Date = Date(), on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.delete(from: "rate_counters").where("expires_at", .lessThan, now).run()
    }
}
