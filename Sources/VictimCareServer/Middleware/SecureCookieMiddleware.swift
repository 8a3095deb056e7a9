import Vapor

/// Marks the session cookie `Secure` when the request came over TLS (directly, or through a trusted proxy
/// that says so), or always when the operator sets `SESSION_COOKIE_SECURE=true`.
struct SecureCookieMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let secure = request.config.secureCookies ?? request.arrivedOverTLS
        if secure, var cookie = response.cookies["vc_session"] {
            cookie.isSecure = true
            response.cookies["vc_session"] = cookie
        }
        return response
    }
}

extension Request {
    /// Whether the request came through a proxy listed in `TRUSTED_PROXIES`.
    var fromTrustedProxy: Bool {
        guard let peer = remoteAddress?.ipAddress else { return false }
        return config.trustedProxies.contains(peer)
    }

    /// Whether the client's connection was TLS: directly, or as a trusted proxy says.
    var arrivedOverTLS: Bool {
        if url.scheme == "https" { return true }
        if fromTrustedProxy, headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https" { return true }
        return false
    }

    /// The client's address for the audit trail and throttling; `X-Forwarded-For` counts only as far as the
    /// trusted proxies wrote it.
    var clientIP: String {
        config.trustedProxies.client(peer: remoteAddress?.ipAddress, forwardedFor: headers[.xForwardedFor])
            ?? "unknown"
    }
}
