extension Optional {
    /// `flatMap` for an async transform, which the standard library's cannot take.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
