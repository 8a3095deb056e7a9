import Foundation

/// RFC 4180 fields for every CSV VictimCare writes (audit, referral batches, import reports), with a guard
/// against spreadsheet formula injection: a leading =, +, -, @, tab or carriage return gets an apostrophe.
enum CSV {
    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        // By byte: "\r\n" is a single Character, equal to neither "\r" nor "\n".
        if text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    static func line(_ values: [String]) -> String { values.map(field).joined(separator: ",") }
}
