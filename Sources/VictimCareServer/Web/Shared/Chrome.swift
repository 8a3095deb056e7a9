import Vapor
import VictimCareDomain

/// What every page's frame needs: title, who is signed in, the CSRF token, a flash message and the
/// error summary. Each page context embeds one.
struct Chrome: Encodable {
    struct Badge: Encodable {
        var name: String
        var role: String
        var unit: String?
    }

    struct NavItem: Encodable {
        var href: String
        var label: String
        var section: String
    }

    /// The browser's title: "Error: " first when the page comes back with errors (GOV.UK pattern).
    var title: String
    /// The page's heading, never prefixed.
    var heading: String
    var user: Badge?
    var isAdmin: Bool
    var nav: [NavItem]
    var csrf: String
    var flash: String?
    var errors: [FieldError]
    /// The same errors by field, for the message beside each field.
    var fieldErrors: [String: String]
    var section: String
    /// The database holds the synthetic demo force: every page says so.
    var demo: Bool

    init(_ request: Request, title: String, section: String = "", errors: [FieldError] = []) {
        self.title = errors.isEmpty ? title : "Error: \(title)"
        self.heading = title
        let user = request.currentUser
        self.user = user.map { Badge(name: $0.displayName, role: $0.role.label, unit: nil) }
        self.isAdmin = user?.role == .administrator
        self.nav = user.map { Self.navigation(for: $0.role) } ?? []
        self.csrf = request.storage[CSRFMiddleware.Active.self] == true ? request.csrfToken : ""
        self.demo = request.application.isDemo
        self.flash = request.takeFlash()
        self.errors = errors
        self.fieldErrors = Dictionary(errors.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
        self.section = section
    }
}

extension Chrome {
    /// The main navigation for a role: what that person opens every day.
    static func navigation(for role: Role) -> [NavItem] {
        var items: [NavItem] = []
        if [.officer, .supervisor, .commandUnitLead].contains(role) {
            items.append(.init(href: "/worklist", label: "My victims", section: "worklist"))
        }
        if [.supervisor, .commandUnitLead].contains(role) {
            items.append(.init(href: "/worklist/team", label: "Team", section: "team"))
        }
        if role == .commandUnitLead { items.append(.init(href: "/worklist/unit", label: "Unit", section: "unit")) }
        if [.victimCareDesk, .administrator].contains(role) {
            items.append(.init(href: "/desk", label: "Desk", section: "desk"))
        }
        if [.witnessCareUnit, .administrator].contains(role) {
            items.append(.init(href: "/witness-care", label: "Charged cases", section: "witness-care"))
        }
        if [.supportPartner, .administrator].contains(role) {
            items.append(.init(href: "/referrals", label: "Referrals", section: "referrals"))
        }
        if role == .prosecutor { items.append(.init(href: "/shared", label: "Shared with you", section: "shared")) }
        if [.officer, .supervisor, .commandUnitLead].contains(role) {
            items.append(.init(href: "/video/queue", label: "Video calls", section: "video"))
        }
        if [.supervisor, .commandUnitLead, .forceAnalyst, .administrator].contains(role) {
            items.append(.init(href: "/dashboard", label: "Dashboard", section: "dashboard"))
            items.append(.init(href: "/reports/communications", label: "Leaflets and feedback", section: "reports"))
        }
        if AccessPolicy.roles(for: .searchCrimes).contains(role) {
            if [.officer, .supervisor, .commandUnitLead].contains(role) {
                items.append(.init(href: "/cases", label: "My cases", section: "cases"))
            }
            items.append(.init(href: "/crimes", label: "Crimes", section: "crimes"))
        }
        if AccessPolicy.roles(for: .searchPeople).contains(role) {
            items.append(.init(href: "/people", label: "People", section: "people"))
        }
        if AccessPolicy.roles(for: .reviewLinkage).contains(role) {
            items.append(.init(href: "/linkage", label: "Possible matches", section: "linkage"))
        }
        if role == .administrator {
            items.append(.init(href: "/admin", label: "Administration", section: "admin"))
        }
        return items
    }
}

/// One choice in a select, radio group or checkbox group.
struct SelectOption: Encodable {
    var value: String
    var label: String
    var selected: Bool
}

extension Labelled {
    static func options(selected: String?) -> [SelectOption] {
        allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == selected) }
    }

    static func options(selected: Set<String>) -> [SelectOption] {
        allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: selected.contains($0.rawValue)) }
    }
}

extension Request {
    /// Renders a page with a status (422 for a form that needs correcting).
    func render(_ template: String, _ context: some Encodable, status: HTTPResponseStatus = .ok) async throws
        -> Response
    {
        let response = try await view.render(template, context).encodeResponse(for: self)
        response.status = status
        return response
    }
}

/// Display helpers shared by the pages.
enum Display {
    static func time(_ date: Date?) -> String { date.map(London.formatReadable) ?? "" }

    static func date(_ text: String?) -> String {
        guard let text, let date = LocalDate(text) else { return text ?? "" }
        return London.formatReadable(date)
    }
}
