import Vapor
import VictimCareDomain

/// What a route needs, declared beside it when it is registered. The services enforce the policy; this
/// declaration says which check a route stands behind, so the role × route × unit matrix test can read every
/// route from the router, work out from ``AccessPolicy`` what each role should get on records of its own
/// unit, of another and shared with it, and fail on any route that answers otherwise or declares nothing
/// (2026-11-30, issue 12).
struct RouteAccess: Sendable {
    /// A record a request names, and where its id is.
    enum Record: Sendable, Equatable {
        case crime(String)
        case person(String)
        case victim(String)
        /// A Right to Review request, checked on its victim's crime.
        case review(String)
        /// A person named in the request body (linking them to a crime).
        case bodyPerson(String)
        /// A victim named in the request body (a desk call).
        case bodyVictim(String)
        /// A command unit named in the body or the query (targets, the victims behind a figure).
        case unit(String)
        /// A team named in the body (staffing): checked on its unit.
        case team(String)
        /// The record named by `:recordType` and `:recordID` (the page that asks for a reason).
        case typed
        /// An interview: decided on its crime's unit, or for a prosecutor on a live share of it (issue 15).
        case interview(String)
        /// A recording: decided as its interview.
        case evidence(String)
        /// A tus upload (a recording still arriving): decided as a change to its crime.
        case upload(String)
    }

    enum Gate: Sendable, Equatable {
        /// No sign-in: public pages, the victim's own links, operations. Why it is open.
        case open(String)
        /// Any signed-in user: their own account and home.
        case signedIn
        /// The role alone decides: lists, creation, administration, aggregates.
        case role(Permission)
        /// One record, decided on its scope.
        case record(Permission, Record)
        /// A page holding a form that changes a record: shown if the role may make the change at all and may
        /// read the record (a reason opens it).
        case form(change: Permission, read: Permission, Record)
        /// Named records of one unit (a dashboard list, a target): the actor's listing reach must include it.
        case unitList(Permission, Record)
        /// A list of the actor's own unit or team, for roles that work in one unit.
        case ownUnitList(Permission)
        /// The page that asks why another unit's record is needed: refused only where reading is refused.
        case reasonForm
    }

    var gate: Gate
    /// Further records the request changes, each checked with its own permission (a person linked by id).
    var also: [Also] = []

    struct Also: Sendable, Equatable {
        var permission: Permission
        var record: Record
    }

    static let key = "access"
}

extension Route {
    /// Declares what the route needs (see ``RouteAccess``).
    @discardableResult
    func access(_ gate: RouteAccess.Gate, also: [RouteAccess.Also] = []) -> Route {
        userInfo[RouteAccess.key] = RouteAccess(gate: gate, also: also)
        return self
    }

    var declaredAccess: RouteAccess? { userInfo[RouteAccess.key] as? RouteAccess }
}
