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
    /// Whether the client's connection was TLS. Behind a proxy, only believed when `TRUST_PROXY` is set.
    var arrivedOverTLS: Bool {
        if url.scheme == "https" { return true }
        if config.trustForwardedHeaders, headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https" {
            return true
        }
        return false
    }

    /// The client's address for the audit trail and throttling.
    var clientIP: String {
        if config.trustForwardedHeaders,
            let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").first
        {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }
}
