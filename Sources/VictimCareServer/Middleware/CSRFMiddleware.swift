import Vapor

/// Synchroniser-token CSRF protection for every web form: each session holds a random token, each form
/// posts it back as `_csrf`, and any unsafe request without the matching token is refused.
struct CSRFMiddleware: AsyncMiddleware {
    static let field = "_csrf"
    /// Uploads whose body streams: their handler reads the token from the form's first part instead.
    static let checkedByHandler: Set<String> = [ImportsController.uploadPath]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let expected = request.csrfToken
        if ![.GET, .HEAD, .OPTIONS].contains(request.method),
            !(request.method == .POST && Self.checkedByHandler.contains(request.url.path))
        {
            let sent =
                (try? request.content.get(String.self, at: Self.field)) ?? request.headers.first(name: "X-CSRF-Token")
            guard let sent, Secrets.constantTimeEquals(sent, expected) else {
                throw Abort(.forbidden, reason: "This form has expired. Go back, reload the page and try again.")
            }
        }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// This session's CSRF token, created on first use.
    var csrfToken: String {
        if let token = session.data["csrf"] { return token }
        let token = Secrets.randomToken()
        session.data["csrf"] = token
        return token
    }
}
