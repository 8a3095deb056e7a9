/// A closed set of stored codes with the words people read. Stored and sent as `rawValue`.
public protocol Labelled: RawRepresentable, CaseIterable, Sendable, Codable, Hashable where RawValue == String {
    var label: String { get }
}

extension Labelled {
    /// Parses a stored or submitted code; `nil` for anything not in the set.
    public static func code(_ raw: String?) -> Self? {
        guard let raw else { return nil }
        return Self(rawValue: raw)
    }

    public static var codes: [String] { allCases.map(\.rawValue) }
}
