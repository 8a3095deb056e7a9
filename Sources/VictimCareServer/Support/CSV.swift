import Foundation
import Vapor

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

    /// A UTF-8 byte-order mark, written first so Excel (what commanders open CSVs in) reads names in other
    /// scripts and accents as written rather than as garbage (2026-11-30, issue 13).
    static let byteOrderMark = "\u{FEFF}"

    static let mediaType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
}
