import Vapor

/// One structured line per request: method, route pattern (never the query string, which can hold a name),
/// status, duration and a request id. The id is also returned as `X-Request-Id`.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        let requestID =
            request.headers.first(name: "X-Request-Id").flatMap { $0.count <= 64 ? $0 : nil } ?? UUID().uuidString
        request.logger[metadataKey: "request_id"] = .string(requestID)
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - started
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "ms": .stringConvertible(
                    Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(
                        elapsed.components.seconds) * 1000),
            ])
        // Vapor puts the same id in every log line of the request as `request-id`.
        response.headers.replaceOrAdd(name: "X-Request-Id", value: request.id)
        return response
    }
}
