import Fluent
import Vapor

/// Middleware for every request, outermost first. Sessions, CSRF and sign-in apply to the web routes only
/// (see `routes.swift`); the API authenticates each request with a bearer token.
func configureMiddleware(_ app: Application) {
    app.middleware = Middlewares()
    app.middleware.use(RequestLogMiddleware())
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))
    app.routes.defaultMaxBodySize = "2mb"
}

/// Sessions live in the database so any app node can serve any request.
func configureSessions(_ app: Application) {
    app.sessions.use(.fluent)
    let fluent = app.sessions.driver
    app.sessions.use { _ in QuietSessionsDriver(base: fluent) }
    let hours = app.config.sessionHours
    app.sessions.configuration = SessionsConfiguration(cookieName: "vc_session") { id in
        HTTPCookies.Value(
            string: id.string, expires: Date().addingTimeInterval(Double(hours) * 3600), maxAge: hours * 3600,
            domain: nil, path: "/", isSecure: false, isHTTPOnly: true, sameSite: .lax)
    }
}
