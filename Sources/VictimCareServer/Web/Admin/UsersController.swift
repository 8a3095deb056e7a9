import Fluent
import Vapor
import VictimCareDomain

/// Administrators manage accounts: create, change role and unit, deactivate, reset a password.
struct UsersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let users = routes.grouped("admin", "users")
        users.get(use: index).access(.role(.manageUsers))
        users.get("new", use: new).access(.role(.manageUsers))
        users.post(use: create).access(.role(.manageUsers))
        users.get(":userID", use: edit).access(.role(.manageUsers))
        users.post(":userID", use: update).access(.role(.manageUsers))
        users.post(":userID", "reset-password", use: resetPassword).access(.role(.manageUsers))
    }

    struct IndexContext: Encodable {
        struct Row: Encodable {
            var id: UUID
            var username: String
            var name: String
            var role: String
            var unit: String
            var status: String
        }
        var chrome: Chrome
        var rows: [Row]
        var oneTimePassword: String?
        var oneTimeUser: String?
        var values: [String: String]
        var roles: [SelectOption]
        var units: [SelectOption]
        var nextPage: String?
        var previousPage: String?
    }

    struct ListQuery: Content {
        var q: String?
        var role: String?
        var unit: String?
        var locked: String?
        var page: Int?
    }

    @Sendable func index(req: Request) async throws -> Response {
        try await renderIndex(req, oneTime: nil)
    }

    private func renderIndex(_ req: Request, oneTime: (String, String)?) async throws -> Response {
        let q = (try? req.query.decode(ListQuery.self)) ?? ListQuery()
        let allUnits = try await OrganisationService.units(on: req.db)
        let filter = UserService.Filter(
            text: q.q, role: q.role.flatMap(Role.init(rawValue:)),
            unitID: allUnits.first { $0.code == q.unit }?.id, lockedOnly: q.locked == "yes", page: q.page ?? 1)
        let (users, hasMore) = try await UserService.list(filter, context: try req.accessContext(), on: req.db)
        func link(_ page: Int) -> String {
            var components = URLComponents()
            components.path = "/admin/users"
            components.queryItems = [
                ("q", q.q), ("role", q.role), ("unit", q.unit), ("locked", q.locked), ("page", String(page)),
            ].compactMap { name, value in value.flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) } }
            return components.string ?? "/admin/users"
        }
        let now = Date()
        let rows = users.map { u in
            IndexContext.Row(
                id: u.id!, username: u.username, name: u.displayName, role: u.role.label,
                unit: u.commandUnit?.code ?? "Force-wide",
                status: !u.active ? "Deactivated" : (u.lockedUntil.map { $0 > now } == true ? "Locked" : "Active"))
        }
        return try await req.render(
            "Admin/users",
            IndexContext(
                chrome: Chrome(req, title: "Users", section: "admin"), rows: rows, oneTimePassword: oneTime?.1,
                oneTimeUser: oneTime?.0,
                values: ["q": q.q ?? "", "locked": q.locked ?? ""],
                roles: Role.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == q.role)
                },
                units: allUnits.map {
                    SelectOption(value: $0.code, label: "\($0.code) - \($0.name)", selected: $0.code == q.unit)
                },
                nextPage: hasMore ? link(filter.page + 1) : nil,
                previousPage: filter.page > 1 ? link(filter.page - 1) : nil))
    }

    struct FormContext: Encodable {
        var chrome: Chrome
        var action: String
        var isNew: Bool
        var values: [String: String]
        var roles: [SelectOption]
        var units: [SelectOption]
        var teams: [SelectOption]
        var userID: UUID?
    }

    struct UserForm: Content {
        var username: String?
        var displayName: String?
        var email: String?
        var rank: String?
        var collarNumber: String?
        var role: String?
        var commandUnit: String?
        var team: String?
        var active: String?

        var draft: UserService.Draft {
            .init(
                username: username, displayName: displayName, email: email, rank: rank, collarNumber: collarNumber,
                role: role,
                commandUnit: commandUnit, team: team, active: active)
        }

        var values: [String: String] {
            [
                "username": username, "displayName": displayName, "email": email, "rank": rank,
                "collarNumber": collarNumber,
                "role": role, "commandUnit": commandUnit, "team": team, "active": active,
            ].mapValues { $0 ?? "" }
        }
    }

    @Sendable func new(req: Request) async throws -> Response {
        try AccessGuard.require(.manageUsers, try req.accessContext())
        return try await renderForm(req, values: ["active": "yes"], userID: nil, errors: [], status: .ok)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let form = try req.content.decode(UserForm.self)
        do {
            let created = try await UserService.create(
                form.draft, hasher: req.application.passwordHasher, context: try req.accessContext(), on: req.db)
            // Shown once on this response, never stored in the session or a URL.
            return try await renderIndex(req, oneTime: (created.user.username, created.oneTimePassword ?? ""))
        } catch DomainError.invalid(let errors) {
            return try await renderForm(
                req, values: form.values, userID: nil, errors: errors, status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            return try await renderForm(
                req, values: form.values, userID: nil, errors: [.init(field: field, message: message)],
                status: .conflict)
        }
    }

    @Sendable func edit(req: Request) async throws -> Response {
        try AccessGuard.require(.manageUsers, try req.accessContext())
        guard
            let user = try await User.query(on: req.db).filter(\.$id == (try req.uuid("userID"))).with(\.$commandUnit)
                .first()
        else {
            throw DomainError.notFound("user")
        }
        let values = [
            "username": user.username, "displayName": user.displayName, "email": user.email ?? "",
            "rank": user.rank ?? "",
            "collarNumber": user.collarNumber ?? "", "role": user.roleCode, "commandUnit": user.commandUnit?.code ?? "",
            "team": user.$team.id?.uuidString ?? "", "active": user.active ? "yes" : "no",
        ]
        return try await renderForm(req, values: values, userID: user.id, errors: [], status: .ok)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.uuid("userID")
        let form = try req.content.decode(UserForm.self)
        do {
            let user = try await UserService.update(id, form.draft, context: try req.accessContext(), on: req.db)
            req.flash("\(user.username) updated.")
            return req.redirect(to: "/admin/users")
        } catch DomainError.invalid(let errors) {
            return try await renderForm(
                req, values: form.values, userID: id, errors: errors, status: .unprocessableEntity)
        }
    }

    @Sendable func resetPassword(req: Request) async throws -> Response {
        let id = try req.uuid("userID")
        let password = try await UserService.resetPassword(
            id, hasher: req.application.passwordHasher, context: try req.accessContext(), on: req.db)
        let user = try await User.find(id, on: req.db)
        return try await renderIndex(req, oneTime: (user?.username ?? "", password))
    }

    private func renderForm(
        _ req: Request, values: [String: String], userID: UUID?, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let units = try await OrganisationService.units(on: req.db)
        let teams = try await Team.query(on: req.db).with(\.$commandUnit).sort(\.$name).all()
        return try await req.render(
            "Admin/userForm",
            FormContext(
                chrome: Chrome(
                    req, title: userID == nil ? "Add a user" : "Change \(values["username"] ?? "")", section: "admin",
                    errors: errors),
                action: userID.map { "/admin/users/\($0)" } ?? "/admin/users", isNew: userID == nil, values: values,
                roles: Role.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == values["role"])
                },
                units: units.map {
                    SelectOption(
                        value: $0.code, label: "\($0.code) - \($0.name)", selected: $0.code == values["commandUnit"])
                },
                teams: teams.map {
                    SelectOption(
                        value: $0.id!.uuidString, label: "\($0.commandUnit.code) - \($0.name)",
                        selected: $0.id!.uuidString == values["team"])
                },
                userID: userID), status: status)
    }
}
