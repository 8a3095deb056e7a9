import Fluent
import Vapor

/// Middleware for every request, outermost first. Sessions, CSRF and sign-in apply to the web routes only
/// (see `routes.swift`); the API authenticates each request with a bearer token.
func configureMiddleware(_ app: Application) {
    app.middleware = Middlewares()
    app.middleware.use(RequestLogMiddleware())
    // Outside the error middleware, so error pages carry the same headers as every other response.
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))
    app.routes.defaultMaxBodySize = "2mb"
}

/// Sessions live in the database so any app node can serve any request.
func configureSessions(_ app: Application) {
    let hours = app.config.sessionHours
    app.sessions.use { _ in DatabaseSessionDriver(hours: hours) }
    app.sessions.configuration = SessionsConfiguration(cookieName: "vc_session") { id in
        HTTPCookies.Value(
            string: id.string, expires: nil, maxAge: hours * 3600,
            domain: nil, path: "/", isSecure: false, isHTTPOnly: true, sameSite: .lax)
    }
}
