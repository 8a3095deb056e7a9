import Foundation

extension Date {
    /// Now, to the millisecond (rounded up, never before a moment just stored): an instant both databases store
    /// and read back exactly (PostgreSQL keeps microseconds), so facts worked out in memory from it are the facts
    /// read back later.
    static func storedNow() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.up) / 1000)
    }
}
