import Fluent
import NIOFoundationEssentialsCompat
import Vapor
import VictimCareDomain

/// Interviews on a crime: recording one (in the browser or from a kit's file), its page with the recordings,
/// bookmarks, chain of custody and shares, and playback with ranges.
struct InterviewsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let crime = routes.grouped("crimes", ":crimeID", "interviews")
        crime.get("new", use: new).access(.form(change: .editCrime, read: .viewCrime, .crime("crimeID")))
        crime.post(use: create).access(.record(.editCrime, .crime("crimeID")))
        let interview = routes.grouped("interviews", ":interviewID")
        interview.get(use: show).access(.record(.viewEvidence, .interview("interviewID")))
        interview.get("record", use: record)
            .access(.form(change: .editCrime, read: .viewEvidence, .interview("interviewID")))
        interview.get("upload", use: upload)
            .access(.form(change: .editCrime, read: .viewEvidence, .interview("interviewID")))
        interview.get("bundle", use: bundle).access(.record(.viewEvidence, .interview("interviewID")))
        interview.post("bookmarks", use: addBookmark).access(.record(.editCrime, .interview("interviewID")))
        interview.post("shares", use: share).access(.record(.shareEvidence, .interview("interviewID")))
        interview.post("shares", ":shareID", "revoke", use: revoke)
            .access(.record(.shareEvidence, .interview("interviewID")))
        let evidence = routes.grouped("evidence", ":itemID")
        evidence.get("media", use: media).access(.record(.viewEvidence, .evidence("itemID")))
        evidence.get("download", use: download).access(.record(.viewEvidence, .evidence("itemID")))
        evidence.post("delete", use: delete).access(.record(.manageEvidenceRetention, .evidence("itemID")))
    }

    // MARK: new interview

    struct NewContext: Encodable {
        var outsideUnit = false
        var chrome: Chrome
        var crimeID: UUID
        var reference: String
        var people: [SelectOption]
        var kinds: [SelectOption]
        var places: [SelectOption]
        var values: [String: String]
        var consent: Bool
        var specialMeasuresNote: String?
    }

    struct Form: Content {
        var person: String?
        var kind: String?
        var place: String?
        var placeDetail: String?
        var interviewers: String?
        var interpreter: String?
        var intermediary: String?
        var appropriateAdult: String?
        var legalRepresentative: String?
        var consent: String?

        var draft: InterviewDraft {
            InterviewDraft(
                kind: kind ?? "", place: place ?? "", placeDetail: placeDetail ?? "", interviewers: interviewers ?? "",
                interpreter: interpreter ?? "", intermediary: intermediary ?? "",
                appropriateAdult: appropriateAdult ?? "",
                legalRepresentative: legalRepresentative ?? "", consent: consent == "yes")
        }
    }

    @Sendable func new(req: Request) async throws -> Response {
        let form = (try? req.query.decode(Form.self)) ?? Form()
        return try await renderNew(req, crimeID: try req.uuid("crimeID"), form: form, errors: [], status: .ok)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let form = try req.content.decode(Form.self)
        do {
            let interview = try await InterviewService.create(
                crimeID: crimeID, linkID: form.person, form.draft, context: try req.accessContext(), on: req.db)
            req.flash("Interview recorded. Record it here, or upload a kit's file.")
            return req.redirect(to: "/interviews/\(interview.id!)")
        } catch DomainError.invalid(let errors) {
            return try await renderNew(req, crimeID: crimeID, form: form, errors: errors, status: .unprocessableEntity)
        }
    }

    private func renderNew(_ req: Request, crimeID: UUID, form: Form, errors: [FieldError], status: HTTPResponseStatus)
        async throws -> Response
    {
        let context = try req.accessContext()
        let (crime, people) = try await InterviewService.people(crimeID: crimeID, context: context, on: req.db)
        let outside =
            AccessPolicy.decide(context.actor, .editCrime, on: CrimeService.scope(of: crime)) == .reasonRequiredEachTime
        let options = people.map { p in
            SelectOption(
                value: p.link.id!.uuidString,
                label: "\(p.person.givenName) \(p.person.familyName) (\(p.role.label.lowercased()))"
                    + (p.specialMeasures ? ", eligible for special measures" : ""),
                selected: form.person == p.link.id!.uuidString)
        }
        let values: [String: String] = [
            "placeDetail": form.placeDetail ?? "",
            "interviewers": form.interviewers ?? req.currentUser?.displayName ?? "",
            "interpreter": form.interpreter ?? "", "intermediary": form.intermediary ?? "",
            "appropriateAdult": form.appropriateAdult ?? "", "legalRepresentative": form.legalRepresentative ?? "",
        ]
        return try await req.render(
            "Interviews/new",
            NewContext(
                outsideUnit: outside,
                chrome: Chrome(
                    req, title: "Record an interview for crime \(crime.reference)", section: "crimes", errors: errors),
                crimeID: crimeID, reference: crime.reference, people: options,
                kinds: InterviewKind.options(selected: form.kind).filter {
                    $0.value != InterviewKind.videoIdentification.rawValue
                }, places: InterviewPlace.options(selected: form.place),
                values: values, consent: form.consent == "yes",
                specialMeasuresNote: people.contains { $0.role == .victim && !$0.specialMeasures }
                    ? "An ABE interview is offered for victims the needs assessment found eligible for special measures."
                    : nil),
            status: status)
    }

    // MARK: the interview's page

    struct ShowContext: Encodable {
        struct Item: Encodable {
            var id: UUID
            var fileName: String
            var contentType: String
            var size: String
            var sha256: String
            var uploadedBy: String
            var completed: String
            var source: String
            var custody: [Custody]
            var mediaURL: String
            var downloadURL: String?
            var posterURL: String?
            var duration: String?
            /// Why there is no playable copy, if there is none.
            var media: String?
            var processing: Bool
            var deleted: Bool
            /// A photo (sent by a victim from a video call): shown as an image, not played.
            var isImage: Bool
            var retention: String
            var deleteBlocker: String?
            var canDelete: Bool
        }

        struct Custody: Encodable {
            var seq: Int
            var at: String
            var action: String
            var actor: String
            var detail: String
            var hash: String
        }

        struct Bookmark: Encodable {
            var at: String
            var seconds: Double
            var note: String
            var by: String
        }

        struct Share: Encodable {
            var id: UUID
            var name: String
            var until: String
            var mode: String
            var active: Bool
            var status: String
        }

        var chrome: Chrome
        var id: UUID
        var crimeID: UUID
        var reference: String
        var kind: String
        var place: String
        var person: String
        var role: String
        var interviewers: String
        var attendees: [String]
        var consent: String
        var started: String
        var ended: String
        var items: [Item]
        var incomplete: Int
        var bookmarks: [Bookmark]
        var shares: [Share]
        var canEdit: Bool
        var canShare: Bool
        var canExport: Bool
        var isProsecutor: Bool
        var watermark: String
        var values: [String: String]
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await renderShow(req, id: try req.uuid("interviewID"), errors: [], values: [:], status: .ok)
    }

    private func renderShow(
        _ req: Request, id: UUID, errors: [FieldError], values: [String: String], status: HTTPResponseStatus
    ) async throws -> Response {
        let context = try req.accessContext()
        let d = try await InterviewService.detail(id, context: context, on: req.db)
        let interview = d.loaded.interview
        let mayDownload = d.loaded.share.map(\.mayDownload) ?? true
        let derived = d.items.filter { $0.kind != "original" && $0.state == .complete }
        let group = try await RetentionService.group(crime: d.loaded.crime, on: req.db)
        let mayDelete = AccessPolicy.decide(context.actor, .manageEvidenceRetention, on: d.loaded.scope) == .allowed
        var blockers: [UUID: String?] = [:]
        for item in d.items where mayDelete && item.kind == "original" && item.state == .complete {
            blockers[item.id!] = .some(try await RetentionService.blocker(item, crime: d.loaded.crime, on: req.db))
        }
        let items = d.items.filter { ($0.state == .complete || $0.state == .deleted) && $0.kind == "original" }.map {
            item in
            let rendition = derived.first { $0.derivedFrom == item.id && $0.kind == "rendition" }
            let poster = derived.first { $0.derivedFrom == item.id && $0.kind == "poster" }
            return ShowContext.Item(
                id: item.id!, fileName: item.fileName, contentType: item.contentType,
                size: Self.size(item.received),
                sha256: item.sha256 ?? "", uploadedBy: item.uploadedByName, completed: Display.time(item.completedAt),
                source: item.source,
                custody: (d.custody[item.id!] ?? []).map {
                    ShowContext.Custody(
                        seq: $0.seq, at: Display.time($0.at),
                        action: CustodyLog.Action(rawValue: $0.action)?.label ?? $0.action, actor: $0.actorName,
                        detail: $0.detail, hash: String($0.hash.prefix(16)))
                }, mediaURL: "/evidence/\((rendition ?? item).id!)/media",
                downloadURL: mayDownload ? "/evidence/\(item.id!)/download" : nil,
                posterURL: poster.map { "/evidence/\($0.id!)/media" },
                duration: (rendition?.durationSeconds ?? item.durationSeconds).map(InterviewService.clock),
                media: item.mediaState == "unreadable"
                    ? (item.mediaError ?? "The file could not be read as audio or video.")
                    : (item.mediaState == "done" && rendition == nil ? item.mediaError : nil),
                processing: item.state == .complete
                    && (item.mediaState == "pending" || item.mediaState == "processing"),
                deleted: item.state == .deleted, isImage: UploadService.photoTypes.contains(item.contentType),
                retention:
                    "\(group.label); review on \(London.formatReadable(RetentionService.reviewDate(item, group: group)))",
                deleteBlocker: blockers[item.id!] ?? nil,
                canDelete: blockers[item.id!].map { $0 == nil } ?? false)
        }
        let attendees = [
            interview.interpreter.map { "Interpreter: \($0)" }, interview.intermediary.map { "Intermediary: \($0)" },
            interview.appropriateAdult.map { "Appropriate adult: \($0)" },
            interview.legalRepresentative.map { "Legal representative: \($0)" },
        ].compactMap { $0 }
        let actor = context.actor
        let page = ShowContext(
            chrome: Chrome(
                req, title: "Interview, crime \(d.loaded.crime.reference)", section: "crimes", errors: errors),
            id: id, crimeID: d.loaded.crime.id!, reference: d.loaded.crime.reference,
            kind: InterviewKind(rawValue: interview.kindCode)?.label ?? interview.kindCode,
            place: (InterviewPlace(rawValue: interview.placeCode)?.label ?? interview.placeCode)
                + (interview.placeDetail.map { ": \($0)" } ?? ""),
            person: "\(d.person.givenName) \(d.person.familyName)",
            role: PersonRole(rawValue: d.role)?.label ?? d.role, interviewers: interview.interviewers,
            attendees: attendees, consent: interview.consent ? "Agreed to the recording" : "Not recorded",
            started: Display.time(interview.startedAt), ended: Display.time(interview.endedAt), items: items,
            incomplete: d.items.filter { $0.state == .uploading && $0.kind == "original" }.count,
            bookmarks: d.bookmarks.map {
                ShowContext.Bookmark(
                    at: InterviewService.clock($0.atSeconds), seconds: $0.atSeconds, note: $0.note, by: $0.byName)
            },
            shares: d.shares.map {
                ShowContext.Share(
                    id: $0.id!, name: "\($0.user.displayName) (\($0.user.username))", until: Display.time($0.expiresAt),
                    mode: $0.mayDownload ? "View and download" : "View only", active: $0.isActive(),
                    status: $0.revokedAt != nil
                        ? "Revoked by \($0.revokedByName ?? "") \(Display.time($0.revokedAt))"
                        : ($0.isActive() ? "Active" : "Expired"))
            },
            canEdit: AccessPolicy.decide(actor, .editCrime, on: d.loaded.scope) != .denied,
            canShare: AccessPolicy.decide(actor, .shareEvidence, on: d.loaded.scope) != .denied,
            canExport: !items.isEmpty && mayDownload,
            isProsecutor: actor.role == .prosecutor,
            watermark: "\(actor.name) · \(London.formatReadable(Date()))", values: values)
        return try await req.render("Interviews/show", page, status: status)
    }

    static func size(_ bytes: Int64) -> String {
        switch bytes {
        case ..<1024: "\(bytes) bytes"
        case ..<(1024 * 1024): String(format: "%.1f KiB", Double(bytes) / 1024)
        case ..<(1024 * 1024 * 1024): String(format: "%.1f MiB", Double(bytes) / 1_048_576)
        default: String(format: "%.2f GiB", Double(bytes) / 1_073_741_824)
        }
    }

    // MARK: recording and uploading

    struct RecordContext: Encodable {
        var chrome: Chrome
        var id: UUID
        var reference: String
        var kind: String
        var person: String
        var maxBytes: Int64
    }

    private func recordingPage(_ req: Request, template: String, title: String) async throws -> Response {
        let context = try req.accessContext()
        let id = try req.uuid("interviewID")
        let loaded = try await InterviewService.load(id, context: context, on: req.db)
        _ = try await AccessGuard.checkForm(
            .editCrime, reading: .viewEvidence, "crime", loaded.crime.id!, scope: loaded.scope, context: context,
            on: req.db)
        guard
            let link = try await CrimePerson.query(on: req.db).filter(\.$id == loaded.interview.$link.id)
                .with(\.$person).first()
        else { throw Abort(.notFound) }
        try await AuditLog.recordViews(
            "person", [link.$person.id], summary: "named on the recording page of interview \(id)", context: context,
            on: req.db)
        let response = try await req.render(
            template,
            RecordContext(
                chrome: Chrome(req, title: title, section: "crimes"), id: id, reference: loaded.crime.reference,
                kind: InterviewKind(rawValue: loaded.interview.kindCode)?.label ?? "",
                person: "\(link.person.givenName) \(link.person.familyName)", maxBytes: req.config.evidence.maxBytes))
        // The one kind of page that may use the camera and microphone.
        response.headers.replaceOrAdd(
            name: "Permissions-Policy", value: "camera=(self), microphone=(self), geolocation=()")
        return response
    }

    @Sendable func record(req: Request) async throws -> Response {
        try await recordingPage(req, template: "Interviews/record", title: "Record the interview")
    }

    @Sendable func upload(req: Request) async throws -> Response {
        try await recordingPage(req, template: "Interviews/upload", title: "Upload a recording")
    }

    // MARK: bookmarks and shares

    struct BookmarkForm: Content {
        var at: String?
        var note: String?
    }

    @Sendable func addBookmark(req: Request) async throws -> Response {
        let id = try req.uuid("interviewID")
        let form = try req.content.decode(BookmarkForm.self)
        do {
            _ = try await InterviewService.addBookmark(
                interviewID: id, at: form.at, note: form.note, context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderShow(
                req, id: id, errors: errors, values: ["at": form.at ?? "", "note": form.note ?? ""],
                status: .unprocessableEntity)
        }
        req.flash("Bookmark added.")
        return req.redirect(to: "/interviews/\(id)#bookmarks")
    }

    struct ShareForm: Content {
        var username: String?
        var days: String?
        var download: String?
    }

    @Sendable func share(req: Request) async throws -> Response {
        let id = try req.uuid("interviewID")
        let form = try req.content.decode(ShareForm.self)
        do {
            _ = try await InterviewService.share(
                interviewID: id, username: form.username, days: form.days, mayDownload: form.download == "yes",
                context: try req.accessContext(), settings: req.config.evidence, on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderShow(
                req, id: id, errors: errors, values: ["username": form.username ?? "", "days": form.days ?? ""],
                status: .unprocessableEntity)
        }
        req.flash("Shared.")
        return req.redirect(to: "/interviews/\(id)#sharing")
    }

    @Sendable func revoke(req: Request) async throws -> Response {
        let id = try req.uuid("interviewID")
        try await InterviewService.revoke(
            interviewID: id, shareID: try req.uuid("shareID"), context: try req.accessContext(), on: req.db)
        req.flash("Share revoked: it has ended.")
        return req.redirect(to: "/interviews/\(id)#sharing")
    }

    // MARK: retention

    struct DeleteForm: Content {
        var reason: String?
        var confirm: String?
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let itemID = try req.uuid("itemID")
        let form = try req.content.decode(DeleteForm.self)
        let interviewID = try await EvidenceItem.find(itemID, on: req.db)?.$interview.id
        do {
            try await RetentionService.delete(
                itemID: itemID, reason: form.reason, confirmed: form.confirm == "yes", context: try req.accessContext(),
                vault: try req.evidenceVault, on: req.db)
        } catch DomainError.invalid(let errors) {
            guard let interviewID else { throw Abort(.notFound) }
            return try await renderShow(
                req, id: interviewID, errors: errors, values: ["reason": form.reason ?? ""],
                status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let message) {
            guard let interviewID else { throw Abort(.notFound) }
            return try await renderShow(
                req, id: interviewID, errors: [FieldError(field: field, message: message)],
                values: ["reason": form.reason ?? ""], status: .conflict)
        }
        req.flash("Recording deleted. Its chain of custody is kept and ends with the reason.")
        return req.redirect(to: interviewID.map { "/interviews/\($0)" } ?? "/")
    }

    // MARK: the evidence bundle

    @Sendable func bundle(req: Request) async throws -> Response {
        let bundle = try await InterviewService.bundle(
            try req.uuid("interviewID"), context: try req.accessContext(), on: req.db)
        let vault = try req.evidenceVault
        let at = Date()
        let headers: HTTPHeaders = [
            "Content-Type": "application/x-tar", "Cache-Control": "no-store",
            "Content-Disposition": "attachment; filename=\"\(bundle.fileName)\"",
        ]
        return Response(
            status: .ok, headers: headers,
            body: .init(
                managedAsyncStream: { writer in
                    try await bundle.write(vault: vault, at: at) { try await writer.writeBuffer($0) }
                }, count: Int(bundle.size)))
    }

    // MARK: playback

    @Sendable func media(req: Request) async throws -> Response {
        try await serve(req, download: false)
    }

    @Sendable func download(req: Request) async throws -> Response {
        try await serve(req, download: true)
    }

    /// The most one response gives someone shared a recording to watch only.
    static let viewOnlyChunk: Int64 = 2 * 1024 * 1024

    /// The recording's bytes, whole or a single range (`Range: bytes=a-b`, `a-`, `-n`), decrypted one segment
    /// at a time. A playback from the start, and every download, enters the chain of custody.
    private func serve(_ req: Request, download: Bool) async throws -> Response {
        let context = try req.accessContext()
        let (item, loaded) = try await InterviewService.itemForPlayback(
            try req.uuid("itemID"), download: download, context: context, on: req.db)
        let length = item.length ?? item.received
        // Shared to watch only: the playable copy, streamed a few MiB a request, never the file whole.
        let viewOnly = loaded.share.map { !$0.mayDownload } ?? false
        if viewOnly, item.kind == "original",
            try await EvidenceItem.query(on: req.db).filter(\.$derivedFrom == item.id!)
                .filter(\.$kind == "rendition").filter(\.$stateCode == EvidenceItem.State.complete.rawValue)
                .count() > 0
        {
            throw Abort(
                .forbidden, reason: "This recording was shared with you to watch: open it from the interview's page.")
        }
        var range: ClosedRange<Int64>? = nil
        if let header = req.headers.first(name: .range) {
            guard let parsed = MediaRange.parse(header, length: length) else {
                return Response(
                    status: .rangeNotSatisfiable,
                    headers: ["Content-Range": "bytes */\(length)", "Accept-Ranges": "bytes"])
            }
            range = parsed
        } else if viewOnly {
            throw Abort(.forbidden, reason: "This recording was shared with you to watch: it plays in the page.")
        }
        if viewOnly, let whole = range, whole.upperBound - whole.lowerBound >= Self.viewOnlyChunk {
            range = whole.lowerBound...(whole.lowerBound + Self.viewOnlyChunk - 1)
        }
        let span = range ?? (length == 0 ? nil : 0...(length - 1))
        // Every read is on the original's chain: a download each time, a playback once per viewer per 10 minutes
        // (a player asks for many ranges).
        let original = item.derivedFrom ?? item.id!
        if download {
            try await CustodyLog.append(
                .downloaded, item: original,
                detail: item.kind == "original" ? "whole file" : "\(item.kind), whole file",
                actor: context.actor, on: req.db)
            try await AuditLog.record(.export, "evidence", item.id, context: context, on: req.db)
        } else {
            let recent = try await CustodyEntry.query(on: req.db).filter(\.$itemID == original)
                .filter(\.$action == CustodyLog.Action.played.rawValue).filter(\.$actorID == context.actor.id)
                .filter(\.$at > Date().addingTimeInterval(-600)).count()
            if recent == 0 {
                try await CustodyLog.append(
                    .played, item: original, detail: item.kind == "original" ? "" : item.kind, actor: context.actor,
                    on: req.db)
            }
        }
        var headers: HTTPHeaders = [
            "Content-Type": item.contentType, "Accept-Ranges": "bytes", "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        ]
        if download {
            let safe = item.fileName.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0.value >= 0x20 }
                .map(String.init).joined()
            headers.add(
                name: .contentDisposition, value: "attachment; filename=\"\(safe.isEmpty ? "recording" : safe)\"")
        }
        return try MediaStream.response(
            item, span: span, partial: range != nil, headers: headers, vault: try req.evidenceVault)
    }
}

/// Streams an item's plaintext, whole or one range, decrypted a segment at a time.
enum MediaStream {
    static func response(
        _ item: EvidenceItem, span: ClosedRange<Int64>?, partial: Bool, headers base: HTTPHeaders, vault: EvidenceVault
    ) throws -> Response {
        var headers = base
        let length = item.length ?? item.received
        guard let span else {
            headers.add(name: .contentLength, value: "0")
            return Response(status: .ok, headers: headers)
        }
        if partial {
            headers.add(name: "Content-Range", value: "bytes \(span.lowerBound)-\(span.upperBound)/\(length)")
        }
        headers.replaceOrAdd(name: .contentLength, value: String(span.upperBound - span.lowerBound + 1))
        let key = try vault.dataKey(item)
        let stream = vault.read(item, range: span, key: key)
        let body = Response.Body(
            managedAsyncStream: { writer in
                for try await chunk in stream {
                    try await writer.writeBuffer(ByteBuffer(data: chunk))
                }
            }, count: Int(span.upperBound - span.lowerBound + 1))
        return Response(status: partial ? .partialContent : .ok, headers: headers, body: body)
    }

    /// A clip for a page to play: ranges honoured, nothing cached, never offered as a download.
    static func clip(_ req: Request, _ item: EvidenceItem) throws -> Response {
        let length = item.length ?? item.received
        var range: ClosedRange<Int64>?
        if let header = req.headers.first(name: .range) {
            guard let parsed = MediaRange.parse(header, length: length) else {
                return Response(
                    status: .rangeNotSatisfiable,
                    headers: ["Content-Range": "bytes */\(length)", "Accept-Ranges": "bytes"])
            }
            range = parsed
        }
        let headers: HTTPHeaders = [
            "Content-Type": item.contentType, "Accept-Ranges": "bytes", "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        ]
        return try response(
            item, span: range ?? (length == 0 ? nil : 0...(length - 1)), partial: range != nil, headers: headers,
            vault: try req.evidenceVault)
    }
}

/// One byte range from a `Range` header, within an item of `length` bytes; nil when it cannot be served.
enum MediaRange {
    static func parse(_ header: String, length: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), length > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(",") else { return nil }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let a = parts[0].trimmingWhitespace()
        let b = parts[1].trimmingWhitespace()
        if a.isEmpty {
            guard let suffix = Int64(b), suffix > 0 else { return nil }
            return max(0, length - suffix)...(length - 1)
        }
        guard let start = Int64(a), start >= 0, start < length else { return nil }
        if b.isEmpty { return start...(length - 1) }
        guard let end = Int64(b), end >= start else { return nil }
        return start...min(end, length - 1)
    }
}
