import Vapor

/// One structured line per request: method, route pattern (never the query string, which can hold a name),
/// status and duration. Vapor adds the request id (`request-id`) to every line; it is also returned as
/// `X-Request-Id` so a person reporting a problem can quote it.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = (ContinuousClock.now - started).components
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds / 1_000_000_000_000) / 1000
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "ms": .stringConvertible(milliseconds),
            ])
        response.headers.replaceOrAdd(name: "X-Request-Id", value: request.id)
        return response
    }
}
