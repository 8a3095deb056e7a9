import Fluent
import Vapor
import VictimCareDomain

/// Administrators issue and revoke API tokens for integrations.
struct TokensController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let tokens = routes.grouped("admin", "tokens")
        tokens.get(use: index).access(.role(.manageTokens))
        tokens.post(use: create).access(.role(.manageTokens))
        tokens.post(":tokenID", "revoke", use: revoke).access(.role(.manageTokens))
    }

    struct Context: Encodable {
        struct Row: Encodable {
            var id: UUID
            var name: String
            var prefix: String
            var role: String
            var unit: String
            var created: String
            var lastUsed: String
            var expires: String
            /// "Revoked", "Expired", or empty while it works.
            var state: String
            var revoked: Bool
        }
        var chrome: Chrome
        var rows: [Row]
        var roles: [SelectOption]
        var units: [SelectOption]
        var values: [String: String]
        var secret: String?
    }

    struct TokenForm: Content {
        var name: String?
        var role: String?
        var commandUnit: String?
        var days: String?
    }

    @Sendable func index(req: Request) async throws -> Response {
        try await render(req, values: [:], secret: nil, errors: [], status: .ok)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let form = try req.content.decode(TokenForm.self)
        do {
            let issued = try await TokenService.issue(
                name: form.name, role: form.role, commandUnit: form.commandUnit, days: form.days,
                defaultDays: req.config.apiTokenDays, context: try req.accessContext(), on: req.db)
            return try await render(req, values: [:], secret: issued.secret, errors: [], status: .created)
        } catch DomainError.invalid(let errors) {
            let values = [
                "name": form.name ?? "", "role": form.role ?? "", "commandUnit": form.commandUnit ?? "",
                "days": form.days ?? "",
            ]
            return try await render(req, values: values, secret: nil, errors: errors, status: .unprocessableEntity)
        }
    }

    @Sendable func revoke(req: Request) async throws -> Response {
        try await TokenService.revoke(try req.uuid("tokenID"), context: try req.accessContext(), on: req.db)
        req.flash("Token revoked. Integrations using it are refused from now on.")
        return req.redirect(to: "/admin/tokens")
    }

    private func render(
        _ req: Request, values: [String: String], secret: String?, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let tokens = try await TokenService.list(context: try req.accessContext(), on: req.db)
        let units = try await OrganisationService.units(on: req.db)
        return try await req.render(
            "Admin/tokens",
            Context(
                chrome: Chrome(req, title: "API tokens", section: "admin", errors: errors),
                rows: tokens.map {
                    .init(
                        id: $0.id!, name: $0.name, prefix: $0.tokenPrefix, role: $0.role.label,
                        unit: $0.commandUnit?.code ?? "Force-wide",
                        created: Display.time($0.createdAt), lastUsed: $0.lastUsedAt.map(Display.time) ?? "Never",
                        expires: $0.expiresAt.map(Display.time) ?? "Never",
                        state: $0.revokedAt != nil
                            ? "Revoked" : (($0.expiresAt ?? .distantPast) <= Date() ? "Expired" : ""),
                        revoked: $0.revokedAt != nil || ($0.expiresAt ?? .distantPast) <= Date())
                },
                roles: Role.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == values["role"])
                },
                units: units.map {
                    SelectOption(
                        value: $0.code, label: "\($0.code) - \($0.name)", selected: $0.code == values["commandUnit"])
                },
                values: values, secret: secret), status: status)
    }
}
