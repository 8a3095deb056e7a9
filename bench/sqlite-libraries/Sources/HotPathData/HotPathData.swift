import Foundation

/// The rows both programs write and read: shaped like VictimCare's obligations (text ids, a code, a date, a state,
/// a number, a note), generated the same way in each process so both libraries do the same work.
public struct HotRow: Sendable {
    public var id: String
    public var victimID: String
    public var code: String
    public var due: String
    public var state: String
    public var n: Int
    public var note: String?
}

public enum HotPathData {
    public static let schema = """
        CREATE TABLE obligations_like (
            id TEXT PRIMARY KEY NOT NULL, victim_id TEXT NOT NULL, code TEXT NOT NULL, due TEXT NOT NULL,
            state TEXT NOT NULL, n INTEGER NOT NULL, note TEXT)
        """
    public static let index = "CREATE INDEX obligations_like_victim ON obligations_like (victim_id)"
    public static let insert =
        "INSERT INTO obligations_like (id, victim_id, code, due, state, n, note) VALUES (?, ?, ?, ?, ?, ?, ?)"
    public static let pointRead = "SELECT id, victim_id, code, due, state, n, note FROM obligations_like WHERE id = ?"
    public static let readAll = "SELECT id, victim_id, code, due, state, n, note FROM obligations_like"
    public static let columns = 7

    /// Deterministic ids (a counter in UUID form) and values.
    public static func row(_ i: Int) -> HotRow {
        let codes = ["R1", "R3", "R4", "R6", "R7", "R8", "R11"]
        return HotRow(
            id: uuid(i, salt: 1), victimID: uuid(i / 7, salt: 2), code: codes[i % codes.count],
            due: "2026-\(String(format: "%02d", 1 + i % 12))-\(String(format: "%02d", 1 + i % 28))",
            state: i % 3 == 0 ? "met" : "due", n: i, note: i % 5 == 0 ? nil : "note \(i) — Ünïcödé 名前")
    }

    public static func uuid(_ i: Int, salt: Int) -> String {
        let hex = String(i, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "0000000\(salt)-0000-4000-8000-\(padded)"
    }

    /// The same pseudo-random sequence of row numbers in both processes.
    public static func picks(_ count: Int, below limit: Int) -> [Int] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(limit))
        }
    }

    public static func time(_ label: String, count: Int, unit: String, _ body: () throws -> Void) rethrows {
        let start = Date()
        try body()
        report(label, count: count, unit: unit, seconds: Date().timeIntervalSince(start))
    }

    public static func report(_ label: String, count: Int, unit: String, seconds: Double) {
        print(
            "\(label): \(count) \(unit) in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) \(unit)/s"
        )
    }

    /// path, rows, point reads, small transactions
    public static func arguments() -> (String, Int, Int, Int) {
        let args = CommandLine.arguments
        return (
            args.count > 1 ? args[1] : "/tmp/hot-paths.sqlite", args.count > 2 ? Int(args[2])! : 200_000,
            args.count > 3 ? Int(args[3])! : 20_000, args.count > 4 ? Int(args[4])! : 2_000
        )
    }
}
