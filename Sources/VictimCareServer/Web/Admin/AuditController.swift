import Fluent
import Vapor
import VictimCareDomain

/// The audit trail for administrators: filter it, read it, download it as CSV. There is no way to change it.
struct AuditController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("admin", "audit", use: index).access(.role(.viewAudit))
        routes.get("admin", "audit.csv", use: export).access(.role(.viewAudit))
    }

    struct Query: Content {
        var actor: String?
        var action: String?
        var recordType: String?
        var recordID: String?
        var from: String?
        var to: String?
        var page: Int?
    }

    struct Context: Encodable {
        struct Row: Encodable {
            var at: String
            var actor: String
            var role: String
            var action: String
            var recordType: String
            var recordID: String
            var recordHref: String?
            var summary: String
            var ip: String
            var reason: String
        }
        var chrome: Chrome
        var values: [String: String]
        var actions: [SelectOption]
        var rows: [Row]
        var csvLink: String
        var nextPage: String?
        var previousPage: String?
    }

    static let pageSize = 100

    @Sendable func index(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.viewAudit, context)
        let query = (try? req.query.decode(Query.self)) ?? Query()
        var errors: [FieldError] = []
        var rows: [Context.Row] = []
        var hasNext = false
        let page = max(1, min(query.page ?? 1, 1000))
        do {
            let entries = try await AuditLog.query(try filter(query), on: req.db).range(
                ((page - 1) * Self.pageSize)..<(page * Self.pageSize + 1)
            ).all()
            hasNext = entries.count > Self.pageSize
            rows = entries.prefix(Self.pageSize).map {
                let record = AuditLog.describe(recordType: $0.recordType, id: $0.recordID)
                return .init(
                    at: Display.time($0.at), actor: $0.actorName,
                    role: Role(rawValue: $0.actorRole)?.label ?? $0.actorRole,
                    action: AuditLog.Action(rawValue: $0.action)?.label ?? $0.action, recordType: record.label,
                    recordID: $0.recordID?.uuidString.lowercased() ?? "", recordHref: record.href,
                    summary: $0.summary,
                    ip: $0.ip ?? "", reason: $0.reason ?? "")
            }
        } catch DomainError.invalid(let problems) {
            errors = problems
        }
        let values = [
            "actor": query.actor, "action": query.action, "recordType": query.recordType, "recordID": query.recordID,
            "from": query.from, "to": query.to,
        ].mapValues { $0 ?? "" }
        let items = values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map {
            URLQueryItem(name: $0.key, value: $0.value)
        }
        func link(_ path: String, _ extra: [URLQueryItem] = []) -> String {
            var components = URLComponents()
            components.path = path
            components.queryItems = items + extra
            return components.string ?? path
        }
        return try await req.render(
            "Admin/audit",
            Context(
                chrome: Chrome(req, title: "Audit trail", section: "admin", errors: errors), values: values,
                actions: [SelectOption(value: "", label: "Any action", selected: values["action"] == "")]
                    + AuditLog.Action.allCases.map {
                        SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == values["action"])
                    },
                rows: rows, csvLink: link("/admin/audit.csv"),
                nextPage: hasNext ? link("/admin/audit", [URLQueryItem(name: "page", value: String(page + 1))]) : nil,
                previousPage: page > 1
                    ? link("/admin/audit", [URLQueryItem(name: "page", value: String(page - 1))]) : nil),
            status: errors.isEmpty ? .ok : .unprocessableEntity)
    }

    /// Streams the filtered trail as CSV, in pages, so a large export does not sit in memory.
    @Sendable func export(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.viewAudit, context)
        let query = (try? req.query.decode(Query.self)) ?? Query()
        let filter = try filter(query)
        try await AuditLog.record(.export, "audit_entries", nil, summary: "csv export", context: context, on: req.db)
        let db = req.db
        let response = Response(
            status: .ok,
            body: .init(asyncStream: { writer in
                do {
                    try await writer.writeBuffer(
                        ByteBuffer(
                            string: CSV.byteOrderMark
                                + "at,actor,actor_role,action,record_type,record_id,summary,ip,reason\r\n"))
                    var offset = 0
                    while true {
                        let batch = try await AuditLog.query(filter, on: db).range(offset..<(offset + 1000)).all()
                        var text = ""
                        for e in batch {
                            text +=
                                [
                                    Instant.format(e.at), e.actorName, e.actorRole, e.action, e.recordType,
                                    e.recordID?.uuidString ?? "",
                                    e.summary, e.ip ?? "", e.reason ?? "",
                                ].map(CSV.field).joined(separator: ",") + "\r\n"
                        }
                        try await writer.writeBuffer(ByteBuffer(string: text))
                        if batch.count < 1000 { break }
                        offset += 1000
                    }
                    try await writer.write(.end)
                } catch {
                    try? await writer.write(.error(error))
                }
            }))
        response.headers.contentType = CSV.mediaType
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"audit.csv\"")
        return response
    }

    private func filter(_ q: Query) throws -> AuditLog.Filter {
        var v = Validator()
        let from = v.date(q.from, "from", "the from date")
        let to = v.date(q.to, "to", "the to date")
        var recordID: UUID?
        if let raw = v.optional(q.recordID, "recordID", "the record id", max: 40) {
            recordID = UUID(uuidString: raw)
            if recordID == nil {
                v.fail("recordID", "Record id must be a UUID like 6F9619FF-8B86-D011-B42D-00C04FC964FF")
            }
        }
        try v.check()
        return AuditLog.Filter(
            actorName: q.actor?.trimmingWhitespace(), action: q.action, recordType: q.recordType,
            recordID: recordID,
            from: from.map(London.startOfDay), to: to.map { London.startOfDay($0.adding(days: 1)) })
    }
}
