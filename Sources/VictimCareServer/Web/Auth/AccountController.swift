import Fluent
import Vapor
import VictimCareDomain

/// The signed-in user's own account: who they are signed in as, their password, and signing out everywhere.
struct AccountController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("account", use: show).access(.signedIn)
        routes.get("account", "password", use: passwordPage).access(.signedIn)
        routes.post("account", "password", use: changePassword).access(.signedIn)
        routes.post("account", "sign-out-everywhere", use: signOutEverywhere).access(.signedIn)
        routes.get("help", use: help).access(.signedIn)
    }

    struct Context: Encodable {
        var chrome: Chrome
        var details: [SelectOption]
        var sessions: Int
    }

    @Sendable func show(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let unit = try await user.$commandUnit.id.asyncFlatMap { try await CommandUnit.find($0, on: req.db) }
        let team = try await user.$team.id.asyncFlatMap { try await Team.find($0, on: req.db) }
        let details = [
            ("Name", [user.rank, user.displayName].compactMap { $0 }.joined(separator: " ")),
            ("Username", user.username), ("Role", user.role.label),
            ("Command unit", unit.map { "\($0.code) - \($0.name)" } ?? "Force-wide"),
            ("Team", team?.name ?? "None"),
            ("Last signed in", user.lastSignInAt.map(Display.time) ?? "Not before"),
        ].map { SelectOption(value: $0.1, label: $0.0, selected: false) }
        return try await req.render(
            "Auth/account",
            Context(
                chrome: Chrome(req, title: "Your account", section: "account"), details: details,
                sessions: try await SessionService.openCount(of: try user.requireID(), on: req.db)))
    }

    /// Ends every session of the user, this one included: a lost phone, a shared computer left signed in.
    @Sendable func signOutEverywhere(req: Request) async throws -> Response {
        let user = try req.requireUser()
        try await SessionService.endSessions(of: user, on: req.db)
        try await AuditLog.record(
            .signOut, "user", user.id, summary: "signed out everywhere",
            context: AccessContext(actor: user.actor, ip: req.clientIP), on: req.db)
        req.auth.logout(User.self)
        req.session.destroy()
        return req.redirect(to: "/sign-in")
    }

    struct HelpContext: Encodable {
        var chrome: Chrome
        var role: String
        var home: String
        var items: [SelectOption]
    }

    /// What the user's pages are for, starting with their own work.
    @Sendable func help(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let items = Chrome.navigation(for: user.role).map {
            SelectOption(value: $0.href, label: Self.explain($0.href, label: $0.label), selected: false)
        }
        return try await req.render(
            "Auth/help",
            HelpContext(
                chrome: Chrome(req, title: "Help", section: "help"), role: user.role.label, home: user.role.home,
                items: items))
    }

    static func explain(_ href: String, label: String) -> String {
        switch href {
        case "/worklist":
            "\(label): the victims of your cases who are owed something, overdue first, with a form to record a call."
        case "/worklist/team": "\(label): your team's victims and each officer's load."
        case "/worklist/unit": "\(label): every victim in your command unit who is owed something."
        case "/cases": "\(label): crimes where you are the officer in the case."
        case "/crimes": "\(label): find a crime by reference, name, postcode, date or unit, and record a new one."
        case "/people": "\(label): find a person before you add them, so each person has one record."
        case "/desk": "\(label): victims force-wide waiting for an update, finding a caller, and the call log."
        case "/dashboard": "\(label): how the force and each unit keep the Victims' Code, month by month."
        case "/reports/communications":
            "\(label): who was given the leaflet, and what victims said about their contact."
        case "/referrals": "\(label): referrals sent to the support service, and what happened next."
        case "/witness-care": "\(label): victims of charged crimes, for the referral at charge."
        case "/shared": "\(label): what has been shared with you."
        case "/admin":
            "\(label): users, API tokens, the audit trail, the outbox, imports and the Victims' Code settings."
        default: label
        }
    }

    struct PasswordContext: Encodable {
        var chrome: Chrome
        var mustChange: Bool
    }

    struct PasswordForm: Content {
        var current: String?
        var new: String?
        var confirm: String?
    }

    @Sendable func passwordPage(req: Request) async throws -> Response {
        let user = try req.requireUser()
        return try await req.render(
            "Auth/password",
            PasswordContext(chrome: Chrome(req, title: "Change your password"), mustChange: user.mustChangePassword))
    }

    @Sendable func changePassword(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(PasswordForm.self)
        do {
            try await AuthService.changePassword(
                user: user, current: form.current, new: form.new, confirm: form.confirm,
                hasher: req.application.passwordHasher,
                ip: req.clientIP, keeping: req.session.id,
                attempts: (req.config.signInMaxFailures, req.config.signInLockoutMinutes), on: req.db)
            req.session.data["ver"] = String(user.sessionVersion)
        } catch DomainError.invalid(let errors) {
            return try await req.render(
                "Auth/password",
                PasswordContext(
                    chrome: Chrome(req, title: "Change your password", errors: errors),
                    mustChange: user.mustChangePassword),
                status: .unprocessableEntity)
        }
        req.flash("Your password has been changed. Your other sessions have been signed out.")
        return req.redirect(to: "/account")
    }

}
