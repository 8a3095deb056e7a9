extension Optional {
    /// `flatMap` for an async transform, which the standard library's cannot take.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }

    /// The value, or the result of an async fallback when there is none (`??` cannot await).
    func asyncOr(_ fallback: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let value = self { return value }
        return try await fallback()
    }
}

extension String {
    /// `nil` for an empty string (a blank optional field).
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
