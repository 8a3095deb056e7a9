import Fluent
import Vapor
import VictimCareDomain

/// The identification officer's pages for video identification: the foil library, making a set for a crime's
/// suspect, the solicitor's link and objections, and inviting witnesses.
struct ParadesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let foils = routes.grouped("parades", "foils")
        foils.get(use: library).access(.role(.runIdentification))
        foils.on(.POST, body: .collect(maxSize: "70mb"), use: addFoil).access(.role(.runIdentification))
        foils.post(":foilID", "withdraw", use: withdraw).access(.role(.runIdentification))
        let crime = routes.grouped("crimes", ":crimeID", "parades")
        crime.get("new", use: new).access(.form(change: .runIdentification, read: .viewEvidence, .crime("crimeID")))
        crime.post(use: create).access(.record(.runIdentification, .crime("crimeID")))
        let parade = crime.grouped(":paradeID")
        parade.get(use: show).access(.record(.viewEvidence, .crime("crimeID")))
        parade.get("clips", ":position", use: clip).access(.record(.viewEvidence, .crime("crimeID")))
        parade.post("solicitor-link", use: solicitorLink).access(.record(.runIdentification, .crime("crimeID")))
        parade.post("no-solicitor", use: noSolicitor).access(.record(.runIdentification, .crime("crimeID")))
        parade.post("objections", ":objectionID", use: answerObjection)
            .access(.record(.runIdentification, .crime("crimeID")))
        parade.post("viewings", use: invite).access(.record(.runIdentification, .crime("crimeID")))
    }

    // MARK: the foil library

    /// How a person looks (a foil added to the library, or the suspect a set is made for), with the clip or the
    /// suspect's recording the form also carries.
    struct DescriptorForm: Content {
        var suspectItem: String?
        var ageBand: String?
        var sex: String?
        var ethnicity: String?
        var build: String?
        var hair: String?
        var marks: String?
        var clip: File?

        var draft: ParadeService.FoilDraft {
            .init(
                ageBand: ageBand ?? "", sex: sex ?? "", ethnicity: ethnicity ?? "", build: build ?? "",
                hair: hair ?? "", marks: marks ?? "")
        }

        /// The descriptor's fields as the form shows them again.
        var fields: DescriptorFields {
            DescriptorFields(
                ageBands: IdentificationParade.ageBands.map {
                    SelectOption(value: $0, label: $0, selected: $0 == ageBand)
                },
                sexes: ParadesController.options(ParadeService.sexes, selected: sex),
                ethnicities: ParadesController.options(ParadeService.ethnicities, selected: ethnicity),
                values: ["build": build ?? "", "hair": hair ?? "", "marks": marks ?? ""])
        }
    }

    struct DescriptorFields: Encodable {
        var ageBands: [SelectOption]
        var sexes: [SelectOption]
        var ethnicities: [SelectOption]
        var values: [String: String]
    }

    struct LibraryContext: Encodable {
        struct Foil: Encodable {
            var id: UUID
            var description: String
            var marks: String
            var size: String
            var sha256: String
            var addedBy: String
            var added: String
        }
        var chrome: Chrome
        var foils: [Foil]
        var fields: DescriptorFields
    }

    static func options(_ values: [String], selected: String?) -> [SelectOption] {
        values.map { SelectOption(value: $0, label: label($0), selected: $0 == selected) }
    }

    static func label(_ code: String) -> String {
        switch code {
        case "white-north-european": "White (north European)"
        case "white-south-european": "White (south European)"
        case "black": "Black"
        case "asian": "Asian"
        case "east-asian": "East Asian"
        case "middle-eastern": "Middle Eastern"
        case "female": "Female"
        case "male": "Male"
        default: code
        }
    }

    static func describe(_ d: IdentificationParade.Descriptor) -> String {
        "\(label(d.sex)), \(d.ageBand), \(label(d.ethnicity)); build: \(d.build); hair: \(d.hair)"
    }

    @Sendable func library(req: Request) async throws -> Response {
        try await renderLibrary(req, form: DescriptorForm(), errors: [], status: .ok)
    }

    private func renderLibrary(_ req: Request, form: DescriptorForm, errors: [FieldError], status: HTTPResponseStatus)
        async throws -> Response
    {
        let foils = try await ParadeService.foils(context: try req.accessContext(), on: req.db)
        return try await req.render(
            "Parades/foils",
            LibraryContext(
                chrome: Chrome(req, title: "Foil library", section: "crimes", errors: errors),
                foils: foils.map {
                    .init(
                        id: $0.id!, description: Self.describe($0.descriptor), marks: $0.marks,
                        size: InterviewsController.size($0.length), sha256: $0.sha256, addedBy: $0.addedByName,
                        added: Display.time($0.createdAt))
                },
                fields: form.fields),
            status: status)
    }

    @Sendable func addFoil(req: Request) async throws -> Response {
        let context = try req.accessContext()
        try AccessGuard.require(.runIdentification, context)
        let form = (try? req.content.decode(DescriptorForm.self)) ?? DescriptorForm()
        do {
            _ = try await ParadeService.addFoil(
                form.draft, contentType: form.clip?.contentType?.description ?? "",
                bytes: form.clip?.data ?? ByteBuffer(), context: context, vault: try req.evidenceVault,
                settings: req.config.evidence, on: req.db)
            req.flash("Clip added to the foil library.")
            return req.redirect(to: "/parades/foils")
        } catch DomainError.invalid(let errors) {
            var kept = form
            kept.clip = nil
            return try await renderLibrary(req, form: kept, errors: errors, status: .unprocessableEntity)
        }
    }

    @Sendable func withdraw(req: Request) async throws -> Response {
        try await ParadeService.withdrawFoil(try req.uuid("foilID"), context: try req.accessContext(), on: req.db)
        req.flash("Clip withdrawn: sets that used it keep it; no new set will.")
        return req.redirect(to: "/parades/foils")
    }

    // MARK: making a set

    struct NewContext: Encodable {
        var outsideUnit: Bool
        var chrome: Chrome
        var crimeID: UUID
        var reference: String
        var clips: [SelectOption]
        var fields: DescriptorFields
        var officerProblem: String?
    }

    @Sendable func new(req: Request) async throws -> Response {
        try await renderNew(req, form: DescriptorForm(), errors: [], status: .ok)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let form = (try? req.content.decode(DescriptorForm.self)) ?? DescriptorForm()
        do {
            let parade = try await ParadeService.create(
                crimeID: crimeID, suspectItemID: form.suspectItem.flatMap(UUID.init(uuidString:)), form.draft,
                context: try req.accessContext(), on: req.db)
            req.flash("Set made. Give the suspect's solicitor the link to see it before any witness does.")
            return req.redirect(to: "/crimes/\(crimeID)/parades/\(parade.id!)")
        } catch DomainError.invalid(let errors) {
            return try await renderNew(req, form: form, errors: errors, status: .unprocessableEntity)
        }
    }

    private func renderNew(_ req: Request, form: DescriptorForm, errors: [FieldError], status: HTTPResponseStatus)
        async throws -> Response
    {
        let context = try req.accessContext()
        let crimeID = try req.uuid("crimeID")
        let (crime, clips) = try await ParadeService.suspectClips(crimeID: crimeID, context: context, on: req.db)
        let outside =
            AccessPolicy.decide(context.actor, .runIdentification, on: CrimeService.scope(of: crime))
            == .reasonRequiredEachTime
        return try await req.render(
            "Parades/new",
            NewContext(
                outsideUnit: outside,
                chrome: Chrome(
                    req, title: "Video identification for crime \(crime.reference)", section: "crimes", errors: errors),
                crimeID: crimeID, reference: crime.reference,
                clips: clips.map {
                    SelectOption(
                        value: $0.item.id!.uuidString,
                        label: "\($0.name): \($0.item.fileName), \(Display.time($0.item.createdAt))",
                        selected: form.suspectItem == $0.item.id!.uuidString)
                },
                fields: form.fields,
                officerProblem: try await ParadeService.officerProblem(context, crime: crime, on: req.db)),
            status: status)
    }

    // MARK: the set's page

    struct ShowContext: Encodable {
        struct Clip: Encodable {
            var position: Int
            var url: String
            var isSuspect: Bool
            var description: String
        }
        struct Objection: Encodable {
            var id: UUID
            var byName: String
            var text: String
            var positions: String
            var at: String
            var response: String?
            var changes: String?
            var respondedBy: String?
        }
        struct Viewing: Encodable {
            var witness: String
            var channel: String
            var message: String
            var representative: String
            var opened: String?
            var passes: Int
            var answer: String?
            var mediaSeen: String?
            var recordingURL: String?
        }
        struct Custody: Encodable {
            var seq: Int
            var at: String
            var action: String
            var actor: String
            var detail: String
            var hash: String
        }
        var chrome: Chrome
        var crimeID: UUID
        var paradeID: UUID
        var reference: String
        var state: String
        var officer: String
        var suspect: String
        var descriptor: String
        var isOfficer: Bool
        var awaitingSolicitor: Bool
        var ready: Bool
        var solicitorLink: String?
        var solicitor: String?
        var noSolicitorReason: String?
        var clips: [Clip]
        var replaced: [Clip]
        var objections: [Objection]
        var viewings: [Viewing]
        var victims: [SelectOption]
        var custody: [Custody]
        var custodyProblems: [String]
        var values: [String: String]
    }

    @Sendable func show(req: Request) async throws -> Response {
        try await renderShow(req, errors: [], status: .ok)
    }

    private func renderShow(
        _ req: Request, errors: [FieldError], status: HTTPResponseStatus, solicitorLink: String? = nil,
        values: [String: String] = [:]
    ) async throws -> Response {
        let crimeID = try req.uuid("crimeID")
        let paradeID = try req.uuid("paradeID")
        let d = try await ParadeService.detail(
            crimeID: crimeID, paradeID: paradeID, context: try req.accessContext(), on: req.db)
        let base = "/crimes/\(crimeID)/parades/\(paradeID)"
        func clip(_ c: ParadeService.Clip) -> ShowContext.Clip {
            .init(
                position: c.row.position, url: "\(base)/clips/\(c.row.position)", isSuspect: c.row.isSuspect,
                description: c.row.isSuspect ? "Suspect" : c.foil.map { Self.describe($0.descriptor) } ?? "")
        }
        let state =
            switch d.parade.state {
            case .solicitorReview: "Waiting for the suspect's solicitor"
            case .ready: "Ready for witnesses"
            case .closed: "Closed"
            }
        var viewings: [ShowContext.Viewing] = []
        for (viewing, _, person, message) in d.viewings {
            let count = d.clips.count
            let answer: String? =
                switch viewing.answer.flatMap(IdentificationParade.Answer.init(rawValue:)) {
                case .identified: "Identified number \(viewing.answerPosition ?? 0)"
                case .notPresent: "The person is not in the set"
                case .notSure: "Not sure"
                case nil: nil
                }
            let recording = try await viewing.recordingInterviewID.asyncFlatMap { id in
                try await EvidenceItem.query(on: req.db).filter(\.$interview.$id == id).filter(\.$kind == "original")
                    .first()
            }
            viewings.append(
                .init(
                    witness: person.fullName, channel: viewing.channelCode,
                    message: message.map { "\($0.statusCode)\($0.lastError.map { ": \($0)" } ?? "")" } ?? "",
                    representative: viewing.representativeName ?? "None: the viewing is recorded",
                    opened: viewing.openedAt.map(Display.time),
                    passes: ParadeService.passes(viewing, clips: count).completePasses, answer: answer,
                    mediaSeen: viewing.mediaSeen.map { $0 + (viewing.mediaDetail.map { ": \($0)" } ?? "") },
                    recordingURL: recording.map { _ in "/interviews/\(viewing.recordingInterviewID!)" }))
        }
        return try await req.render(
            "Parades/show",
            ShowContext(
                chrome: Chrome(
                    req, title: "Video identification, crime \(d.crime.reference)", section: "crimes", errors: errors),
                crimeID: crimeID, paradeID: paradeID, reference: d.crime.reference, state: state,
                officer: d.parade.officerName, suspect: d.suspectName, descriptor: Self.describe(d.parade.descriptor),
                isOfficer: d.isOfficer,
                awaitingSolicitor: d.parade.state == .solicitorReview && d.parade.solicitorAnsweredAt == nil,
                ready: d.parade.state == .ready, solicitorLink: solicitorLink,
                solicitor: d.parade.solicitorName.map {
                    "\($0), \(d.parade.solicitorAnsweredAt.map(Display.time) ?? "")"
                },
                noSolicitorReason: d.parade.noSolicitorReason, clips: d.clips.map(clip),
                replaced: d.replaced.map(clip),
                objections: d.objections.map {
                    .init(
                        id: $0.id!, byName: $0.byName, text: $0.text,
                        positions: $0.positions.isEmpty ? "the set" : "clips " + $0.positions,
                        at: Display.time($0.createdAt),
                        response: $0.response, changes: $0.changes, respondedBy: $0.respondedByName)
                },
                viewings: viewings,
                victims: d.victims.map {
                    SelectOption(
                        value: $0.victimID.uuidString, label: $0.name,
                        selected: values["victim"] == $0.victimID.uuidString)
                },
                custody: d.custody.map {
                    .init(
                        seq: $0.seq, at: Display.time($0.at),
                        action: CustodyLog.Action(rawValue: $0.action)?.label ?? $0.action,
                        actor: $0.actorName, detail: $0.detail, hash: $0.hash)
                }, custodyProblems: d.custodyProblems, values: values),
            status: status)
    }

    @Sendable func clip(req: Request) async throws -> Response {
        let (_, parade) = try await ParadeService.load(
            crimeID: try req.uuid("crimeID"), paradeID: try req.uuid("paradeID"), context: try req.accessContext(),
            on: req.db)
        guard let position = req.parameters.get("position", as: Int.self) else { throw Abort(.notFound) }
        return try MediaStream.clip(req, try await ParadeService.sealedClip(parade, position: position, on: req.db))
    }

    @Sendable func solicitorLink(req: Request) async throws -> Response {
        let secret = try await ParadeService.issueSolicitorLink(
            crimeID: try req.uuid("crimeID"), paradeID: try req.uuid("paradeID"), context: try req.accessContext(),
            on: req.db)
        return try await renderShow(
            req, errors: [], status: .ok, solicitorLink: req.config.publicURL + "/parade-review/" + secret)
    }

    struct NoSolicitorForm: Content { var noSolicitorReason: String? }

    @Sendable func noSolicitor(req: Request) async throws -> Response {
        let form = (try? req.content.decode(NoSolicitorForm.self)) ?? NoSolicitorForm()
        do {
            try await ParadeService.recordNoSolicitor(
                crimeID: try req.uuid("crimeID"), paradeID: try req.uuid("paradeID"),
                reason: form.noSolicitorReason ?? "", context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderShow(
                req, errors: errors, status: .unprocessableEntity,
                values: ["noSolicitorReason": form.noSolicitorReason ?? ""])
        }
        req.flash("Recorded: the set is ready for witnesses.")
        return req.redirect(to: "/crimes/\(try req.uuid("crimeID"))/parades/\(try req.uuid("paradeID"))")
    }

    struct ObjectionForm: Content {
        var response: String?
        var replace: [Int]?
    }

    @Sendable func answerObjection(req: Request) async throws -> Response {
        let form = (try? req.content.decode(ObjectionForm.self)) ?? ObjectionForm()
        do {
            try await ParadeService.answerObjection(
                crimeID: try req.uuid("crimeID"), paradeID: try req.uuid("paradeID"),
                objectionID: try req.uuid("objectionID"), response: form.response ?? "", replace: form.replace ?? [],
                context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderShow(req, errors: errors, status: .unprocessableEntity)
        }
        req.flash("Objection answered.")
        return req.redirect(to: "/crimes/\(try req.uuid("crimeID"))/parades/\(try req.uuid("paradeID"))")
    }

    struct InviteForm: Content {
        var victim: String?
        var channel: String?
        var representative: String?
    }

    @Sendable func invite(req: Request) async throws -> Response {
        let form = (try? req.content.decode(InviteForm.self)) ?? InviteForm()
        do {
            _ = try await ParadeService.inviteWitness(
                crimeID: try req.uuid("crimeID"), paradeID: try req.uuid("paradeID"),
                victimID: form.victim.flatMap(UUID.init(uuidString:)), channel: form.channel ?? "",
                representative: form.representative ?? "", context: try req.accessContext(), on: req.db)
        } catch DomainError.invalid(let errors) {
            return try await renderShow(
                req, errors: errors, status: .unprocessableEntity,
                values: ["victim": form.victim ?? "", "representative": form.representative ?? ""])
        }
        req.flash("Witness invited: the link goes through the outbox, where the safety gate decides.")
        return req.redirect(to: "/crimes/\(try req.uuid("crimeID"))/parades/\(try req.uuid("paradeID"))")
    }
}
