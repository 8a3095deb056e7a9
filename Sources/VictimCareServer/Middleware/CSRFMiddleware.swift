import Vapor

/// Synchroniser-token CSRF protection for every web form: a signed-in session holds a random token; before
/// sign-in (no session is stored for a visitor) the token lives in its own SameSite=Strict cookie. Each form
/// posts the token back as `_csrf`, and any unsafe request without the matching token is refused.
struct CSRFMiddleware: AsyncMiddleware {
    static let field = "_csrf"
    static let visitorCookie = "vc_form"
    /// Uploads whose body streams: their handler reads the token from the form's first part instead.
    static let checkedByHandler: Set<String> = [ImportsController.uploadPath]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.storage[Active.self] = true
        if ![.GET, .HEAD, .OPTIONS].contains(request.method),
            !(request.method == .POST && Self.checkedByHandler.contains(request.url.path))
        {
            // Vapor hands a request on as soon as the first bytes of its body arrive; a long form's token may
            // still be on the way. Collect the body (within the route's limit) before reading it (issue 13).
            if request.body.data == nil {
                _ = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
            }
            let sent =
                (try? request.content.get(String.self, at: Self.field)) ?? request.headers.first(name: "X-CSRF-Token")
            guard let expected = request.expectedCSRFToken, let sent, Secrets.constantTimeEquals(sent, expected)
            else {
                throw Abort(.forbidden, reason: "This form has expired. Go back, reload the page and try again.")
            }
        }
        let response = try await next.respond(to: request)
        if let fresh = request.storage[FreshVisitorToken.self] {
            response.cookies[Self.visitorCookie] = HTTPCookies.Value(
                string: fresh, expires: nil, maxAge: nil, path: "/",
                isSecure: request.config.secureCookies ?? request.arrivedOverTLS, isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }

    /// Set on requests this middleware guards: their pages carry a token in every form.
    struct Active: StorageKey {
        typealias Value = Bool
    }

    struct FreshVisitorToken: StorageKey {
        typealias Value = String
    }
}

extension Request {
    /// Whether this request has a stored staff session (it came with a session cookie the store knows).
    private var hasStoredSession: Bool {
        hasSession && session.id != nil && session.data["csrf"] != nil
    }

    /// The token this request's forms carry: the session's once signed in, else the visitor cookie's (made on
    /// first use and set on the response).
    var csrfToken: String {
        if hasStoredSession, let token = session.data["csrf"] { return token }
        if let fresh = storage[CSRFMiddleware.FreshVisitorToken.self] { return fresh }
        if let cookie = cookies[CSRFMiddleware.visitorCookie]?.string, cookie.count >= 32, cookie.count <= 64 {
            return cookie
        }
        let token = Secrets.randomToken()
        storage[CSRFMiddleware.FreshVisitorToken.self] = token
        return token
    }

    /// The token a form must carry, or nil when the request holds none (a form that was never shown).
    var expectedCSRFToken: String? {
        if hasStoredSession { return session.data["csrf"] }
        return cookies[CSRFMiddleware.visitorCookie]?.string
    }
}
