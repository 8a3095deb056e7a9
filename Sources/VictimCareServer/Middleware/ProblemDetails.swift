import Vapor
import VictimCareDomain

/// RFC 9457 problem details, the body of every API error.
struct ProblemDetails: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?
    var errors: [FieldError]?

    static let defaultContentType = HTTPMediaType(
        type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
}
