import Fluent
import Vapor
import VictimCareDomain

/// The pages people outside the force reach by a single-use link: the suspect's solicitor sees the set and
/// objects; the witness views it (every clip to its end, twice, before the answer form opens) and, when no
/// representative of the suspect attends, is recorded by their own browser while they do.
struct WitnessController: RouteCollection {
    static let cookie = "vc_viewing"

    func boot(routes: any RoutesBuilder) throws {
        let solicitor = routes.grouped("parade-review", ":secret")
        solicitor.get(use: review).access(.open("the suspect's solicitor's single-use link to the set"))
        solicitor.post(use: object).access(.open("the suspect's solicitor's single-use link to the set"))
        solicitor.get("clips", ":position", use: reviewClip)
            .access(.open("the suspect's solicitor's single-use link to the set"))
        let witness = routes.grouped("id", ":secret")
        witness.get(use: view).access(.open("the witness's single-use link to a video identification"))
        witness.post(use: answer).access(.open("the witness's single-use link to a video identification"))
        witness.post("start", use: start).access(.open("the witness's single-use link to a video identification"))
        witness.get("clips", ":position", use: viewingClip)
            .access(.open("the witness's single-use link to a video identification"))
        witness.post("clips", ":position", ":event", use: clipEvent)
            .access(.open("the witness's single-use link to a video identification"))
    }

    // MARK: the solicitor

    struct ReviewContext: Encodable {
        var title: String
        var errors: [FieldError]
        var fieldErrors: [String: String]
        var basePath: String
        var clips: [ClipChoice]
        var descriptor: String
        var officer: String
        var values: [String: String]
        var outcome: String?
    }

    struct ClipChoice: Encodable {
        var n: Int
        var checked: Bool
    }

    struct ReviewForm: Content {
        var name: String?
        var objects: String?
        var text: String?
        var positions: [Int]?
    }

    @Sendable func review(req: Request) async throws -> Response {
        let secret = req.parameters.get("secret") ?? ""
        do {
            let parade = try await ParadeService.solicitorParade(secret: secret, on: req.db)
            try await ParadeService.solicitorOpened(parade, on: req.db)
            return try await renderReview(req, parade: parade, form: ReviewForm(), errors: [], status: .ok)
        } catch DomainError.conflict(_, let why) {
            return try await reviewOutcome(req, why, status: .gone)
        }
    }

    @Sendable func object(req: Request) async throws -> Response {
        let secret = req.parameters.get("secret") ?? ""
        let form = (try? req.content.decode(ReviewForm.self)) ?? ReviewForm()
        do {
            try await ParadeService.solicitorAnswer(
                secret: secret, name: form.name ?? "", objects: form.objects.map { $0 == "yes" }, text: form.text ?? "",
                positions: form.positions ?? [], on: req.db)
            return try await reviewOutcome(
                req,
                "Thank you. Your answer is recorded with the set; the identification officer will reply to any objection before a witness sees it.",
                status: .ok)
        } catch DomainError.invalid(let errors) {
            let parade = try await ParadeService.solicitorParade(secret: secret, on: req.db)
            return try await renderReview(req, parade: parade, form: form, errors: errors, status: .unprocessableEntity)
        } catch DomainError.conflict(_, let why) {
            return try await reviewOutcome(req, why, status: .gone)
        }
    }

    private func renderReview(
        _ req: Request, parade: Parade, form: ReviewForm, errors: [FieldError], status: HTTPResponseStatus
    ) async throws -> Response {
        let count = try await ParadeClip.query(on: req.db).filter(\.$paradeID == parade.id!)
            .filter(\.$replacedAt == nil).count()
        return try await req.render(
            "Parades/review",
            ReviewContext(
                title: (errors.isEmpty ? "" : "Error: ") + "Video identification: the set for your client",
                errors: errors, fieldErrors: Dictionary(errors.map { ($0.field, $0.message) }) { a, _ in a },
                basePath: req.url.path,
                clips: (1...max(1, count)).map { ClipChoice(n: $0, checked: form.positions?.contains($0) == true) },
                descriptor: ParadesController.describe(parade.descriptor), officer: parade.officerName,
                values: ["name": form.name ?? "", "objects": form.objects ?? "", "text": form.text ?? ""],
                outcome: nil),
            status: status)
    }

    private func reviewOutcome(_ req: Request, _ text: String, status: HTTPResponseStatus) async throws -> Response {
        try await req.render(
            "Parades/review",
            ReviewContext(
                title: "Video identification", errors: [], fieldErrors: [:], basePath: req.url.path, clips: [],
                descriptor: "", officer: "", values: [:], outcome: text),
            status: status)
    }

    @Sendable func reviewClip(req: Request) async throws -> Response {
        let parade = try await ParadeService.solicitorParade(secret: req.parameters.get("secret") ?? "", on: req.db)
        guard let position = req.parameters.get("position", as: Int.self) else { throw Abort(.notFound) }
        return try MediaStream.clip(req, try await ParadeService.sealedClip(parade, position: position, on: req.db))
    }

    // MARK: the witness

    struct ViewContext: Encodable {
        var title: String
        var errors: [FieldError]
        var fieldErrors: [String: String]
        var basePath: String
        var clips: [Int]
        var passes: Int
        var unlocked: Bool
        var record: Bool
        var interviewID: UUID?
        var maxBytes: Int64
        var values: [String: String]
        var outcome: String?
        /// Not yet taken by a browser: the page offers Start, which takes it.
        var bound: Bool = true
        var exit: ExitWords
    }

    struct AnswerForm: Content {
        var answer: String?
        var position: String?
        var mediaSeen: String?
        var mediaDetail: String?
    }

    private func opened(_ req: Request, bind: Bool = false) async throws -> ParadeService.Opened {
        try await ParadeService.open(
            secret: req.parameters.get("secret") ?? "", browser: req.cookies[Self.cookie]?.string, bind: bind,
            on: req.db)
    }

    static func exitWords(_ req: Request) -> ExitWords {
        LeafletText(req.application.translations, "en").exit
    }

    /// The witness presses Start: this browser takes the link, and no other can.
    @Sendable func start(req: Request) async throws -> Response {
        do {
            let opened = try await opened(req, bind: true)
            let response = req.redirect(to: "/id/\(req.parameters.get("secret") ?? "")")
            setCookie(response, req, opened)
            return response
        } catch DomainError.conflict(_, let why) {
            return try await viewOutcome(req, why, status: .gone)
        } catch DomainError.notFound {
            return try await viewOutcome(
                req, "This link is not valid or has expired. If you were expecting it, call the officer.",
                status: .notFound)
        }
    }

    private func setCookie(_ response: Response, _ req: Request, _ opened: ParadeService.Opened) {
        guard let secret = opened.browserSecret else { return }
        response.cookies[Self.cookie] = HTTPCookies.Value(
            string: secret, expires: Date().addingTimeInterval(7 * 86_400), maxAge: nil, path: "/",
            isSecure: req.config.publicURL.hasPrefix("https:"), isHTTPOnly: true, sameSite: .strict)
    }

    @Sendable func view(req: Request) async throws -> Response {
        do {
            let opened = try await opened(req)
            return try await renderView(req, opened, form: AnswerForm(), errors: [], status: .ok)
        } catch DomainError.conflict(_, let why) {
            return try await viewOutcome(req, why, status: .gone)
        } catch DomainError.notFound {
            return try await viewOutcome(
                req, "This link is not valid or has expired. If you were expecting it, call the officer.",
                status: .notFound)
        }
    }

    @Sendable func answer(req: Request) async throws -> Response {
        let form = (try? req.content.decode(AnswerForm.self)) ?? AnswerForm()
        let opened: ParadeService.Opened
        do {
            opened = try await self.opened(req)
        } catch DomainError.conflict(_, let why) {
            return try await viewOutcome(req, why, status: .gone)
        }
        do {
            try await ParadeService.answer(
                opened,
                .init(
                    answer: form.answer ?? "", position: form.position ?? "", mediaSeen: form.mediaSeen ?? "",
                    mediaDetail: form.mediaDetail ?? ""), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderView(req, opened, form: form, errors: errors, status: .unprocessableEntity)
        } catch DomainError.conflict(let field, let why) where field == "answer" {
            return try await renderView(
                req, opened, form: form, errors: [FieldError(field: "clips", message: why)], status: .conflict)
        }
        return try await viewOutcome(
            req,
            "Thank you. Your answer is recorded. The officer will be in touch. If you are worried about your safety, call 999.",
            status: .ok, finishing: opened.viewing.recordingInterviewID != nil)
    }

    private func renderView(
        _ req: Request, _ opened: ParadeService.Opened, form: AnswerForm, errors: [FieldError],
        status: HTTPResponseStatus
    ) async throws -> Response {
        let state = ParadeService.passes(opened.viewing, clips: opened.clips)
        let record = opened.viewing.recordingInterviewID != nil
        let response = try await req.render(
            "Parades/viewing",
            ViewContext(
                title: (errors.isEmpty ? "" : "Error: ") + "Video identification",
                errors: errors, fieldErrors: Dictionary(errors.map { ($0.field, $0.message) }) { a, _ in a },
                basePath: "/id/\(req.parameters.get("secret") ?? "")", clips: Array(1...max(1, opened.clips)),
                passes: state.completePasses, unlocked: state.answerUnlocked, record: record,
                interviewID: opened.viewing.recordingInterviewID, maxBytes: req.config.evidence.maxBytes,
                values: [
                    "answer": form.answer ?? "", "position": form.position ?? "",
                    "mediaSeen": form.mediaSeen ?? "", "mediaDetail": form.mediaDetail ?? "",
                ], outcome: nil, bound: opened.bound, exit: Self.exitWords(req)),
            status: status)
        if record {
            // The one page outside the interview pages that may use the camera: the viewing records itself.
            response.headers.replaceOrAdd(
                name: "Permissions-Policy", value: "camera=(self), microphone=(self), geolocation=()")
        }
        return response
    }

    private func viewOutcome(_ req: Request, _ text: String, status: HTTPResponseStatus, finishing: Bool = false)
        async throws -> Response
    {
        try await req.render(
            "Parades/viewing",
            ViewContext(
                title: "Video identification", errors: [], fieldErrors: [:], basePath: "", clips: [], passes: 0,
                unlocked: false, record: false, interviewID: nil, maxBytes: 0, values: [:], outcome: text,
                exit: Self.exitWords(req)),
            status: status)
    }

    @Sendable func viewingClip(req: Request) async throws -> Response {
        let opened = try await opened(req)
        try ParadeService.requireTaken(opened)
        guard let position = req.parameters.get("position", as: Int.self) else { throw Abort(.notFound) }
        return try MediaStream.clip(
            req, try await ParadeService.sealedClip(opened.parade, position: position, on: req.db))
    }

    struct EventResult: Content {
        var passes: Int
        var unlocked: Bool
    }

    /// `started` or `ended`, sent by the page's player; answered with the passes the server counts.
    @Sendable func clipEvent(req: Request) async throws -> Response {
        let opened = try await opened(req)
        guard req.headers.first(name: "X-Viewing") == "1" else {
            throw Abort(.forbidden, reason: "Send X-Viewing: 1.")
        }
        guard let position = req.parameters.get("position", as: Int.self) else { throw Abort(.notFound) }
        let state: IdentificationParade.Viewing
        switch req.parameters.get("event") {
        case "started":
            try await ParadeService.clipStarted(opened, position: position, on: req.db)
            state = ParadeService.passes(opened.viewing, clips: opened.clips)
        case "ended":
            state = try await ParadeService.clipEnded(opened, position: position, on: req.db)
        default:
            throw Abort(.notFound)
        }
        return try await EventResult(passes: state.completePasses, unlocked: state.answerUnlocked).encodeResponse(
            for: req)
    }
}

/// A witness recording their viewing through tus: known by the cookie their link set.
struct ViewingWitness: Authenticatable {
    var actor: Actor
    var interviewID: UUID

    /// The viewing whose browser holds `cookie`, while its recording may still arrive (up to a day after the
    /// answer, for a slow connection to catch up).
    static func authenticate(_ cookie: String, on db: any Database) async throws -> ViewingWitness? {
        guard cookie.count == 43,
            let viewing = try await ParadeViewing.query(on: db).filter(\.$browserHash == Secrets.sha256Hex(cookie))
                .first(),
            let interview = viewing.recordingInterviewID
        else { return nil }
        // While the link lives, and for a day after the answer so a slow connection can finish sending.
        if let completed = viewing.completedAt {
            guard completed > Date().addingTimeInterval(-86_400) else { return nil }
        } else {
            guard let linkID = viewing.linkID, let link = try await VictimLink.find(linkID, on: db), link.usable()
            else { return nil }
        }
        return ViewingWitness(actor: ParadeService.witnessActor(viewing), interviewID: interview)
    }
}
