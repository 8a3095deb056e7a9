import Fluent
import Vapor
import VictimCareDomain

/// Sign in and sign out.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("sign-in", use: signInPage).access(.open("signing in"))
        routes.post("sign-in", use: signIn).access(.open("signing in"))
        routes.post("sign-out", use: signOut).access(.open("signing out ends whatever session the browser holds"))
    }

    struct SignInContext: Encodable {
        var chrome: Chrome
        var username: String
        var next: String
    }

    struct SignInForm: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    @Sendable func signInPage(req: Request) async throws -> Response {
        if req.currentUser != nil { return req.redirect(to: "/") }
        let next = safeNext(try? req.query.get(String.self, at: "next"))
        return try await req.render(
            "Auth/signIn", SignInContext(chrome: Chrome(req, title: "Sign in"), username: "", next: next))
    }

    @Sendable func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let username = (form.username ?? "").trimmingWhitespace()
        var errors: [FieldError] = []
        if username.isEmpty { errors.append(.init(field: "username", message: "Enter your username")) }
        if (form.password ?? "").isEmpty { errors.append(.init(field: "password", message: "Enter your password")) }
        if errors.isEmpty {
            let config = req.config
            do {
                let user = try await AuthService.signIn(
                    username: username, password: form.password ?? "", ip: req.clientIP,
                    knownDevice: DeviceCookie.vouches(for: username, in: req),
                    limits: .init(
                        maxFailures: config.signInMaxFailures, lockoutMinutes: config.signInLockoutMinutes,
                        ipLimit: config.signInIPLimit, ipWindowMinutes: config.signInIPWindowMinutes),
                    hasher: req.application.passwordHasher, on: req.db)
                // A fresh session id on sign-in, so a session fixed before sign-in is useless.
                if let old = req.session.id {
                    try await req.application.sessions.driver.deleteSession(old, for: req).get()
                    req.session.id = nil
                }
                req.session.data = SessionData()
                req.session.data["csrf"] = Secrets.randomToken()
                req.session.data["uid"] = user.id?.uuidString
                req.session.data["ver"] = String(user.sessionVersion)
                req.session.data["since"] = String(Int(Date().timeIntervalSince1970))
                req.auth.login(user)
                let response = req.redirect(to: user.mustChangePassword ? "/account/password" : safeNext(form.next))
                DeviceCookie.remember(user.username, request: req, on: response)
                return response
            } catch let failure as AuthService.Failure {
                switch failure {
                case .invalidCredentials:
                    errors.append(.init(field: "username", message: "The username or password is not right"))
                case .locked(let minutes):
                    errors.append(
                        .init(
                            field: "username",
                            message: "Too many failed attempts. This account is locked for \(minutes) minutes."))
                case .throttled:
                    errors.append(
                        .init(
                            field: "username", message: "Too many failed sign-ins from this network. Try again later."))
                }
                let status: HTTPResponseStatus = failure == .throttled ? .tooManyRequests : .unauthorized
                return try await req.render(
                    "Auth/signIn",
                    SignInContext(
                        chrome: Chrome(req, title: "Sign in", errors: errors), username: username,
                        next: safeNext(form.next)),
                    status: status)
            }
        }
        return try await req.render(
            "Auth/signIn",
            SignInContext(
                chrome: Chrome(req, title: "Sign in", errors: errors), username: username, next: safeNext(form.next)),
            status: .unprocessableEntity)
    }

    @Sendable func signOut(req: Request) async throws -> Response {
        if let user = req.currentUser {
            try await AuditLog.record(
                .signOut, "user", user.id, context: AccessContext(actor: user.actor, ip: req.clientIP), on: req.db)
        }
        req.auth.logout(User.self)
        req.session.destroy()
        return req.redirect(to: "/sign-in")
    }

    /// Only local paths, so the sign-in page cannot be used to send someone to another site.
    private func safeNext(_ next: String?) -> String {
        LocalPath.parse(next, or: "/")
    }
}
