import Fluent
import Vapor

extension User: Authenticatable {}
extension APIToken: Authenticatable {}

/// Restores the signed-in user from the session. Sessions end after `SESSION_HOURS`, at sign-out, and as soon
/// as the user's session version moves on (deactivation, a new password, a new role or unit). A request
/// without a session cookie does not touch the session, so nothing is stored for it.
struct WebSessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.cookies["vc_session"] != nil, let raw = request.session.data["uid"], let id = UUID(uuidString: raw) {
            let since = request.session.data["since"].flatMap(Double.init) ?? 0
            let version = request.session.data["ver"].flatMap(Int.init) ?? 0
            if Date().timeIntervalSince1970 - since < Double(request.config.sessionHours) * 3600,
                let user = try await User.find(id, on: request.db), user.active,
                user.sessionVersion == version
            {
                request.auth.login(user)
            } else {
                request.session.destroy()
            }
        }
        return try await next.respond(to: request)
    }
}

/// Sends visitors who are not signed in to the sign-in page, and users with a one-time password to change it.
struct RequireSignedIn: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(User.self) else {
            if request.method == .GET {
                let next = request.url.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/"
                return request.redirect(to: "/sign-in?next=\(next)")
            }
            throw Abort(.unauthorized, reason: "Sign in to continue.")
        }
        if user.mustChangePassword, request.url.path != "/account/password" {
            return request.redirect(to: "/account/password")
        }
        return try await next.respond(to: request)
    }
}

/// Authenticates API calls with `Authorization: Bearer vc_…`. No cookies, so no CSRF exposure.
struct BearerTokenAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization,
            let token = try await TokenService.authenticate(bearer.token, on: request.db)
        else {
            throw Abort(
                .unauthorized, headers: ["WWW-Authenticate": "Bearer"],
                reason: "Send a valid API token as Authorization: Bearer <token>.")
        }
        request.auth.login(token)
        return try await next.respond(to: request)
    }
}
