import Crypto
import Fluent
import FluentSQL
import Foundation
import NIOCore
import NIOFoundationEssentialsCompat
import SQLKit
import VictimCareDomain

/// Video identification (PACE Code D, Annex A): the foil library, parades of a suspect's clip among foils who
/// resemble them in a random order recorded when the set is made, the suspect's solicitor's chance to object
/// before any witness sees it, and each witness's viewing by a single-use link. The rules are
/// ``IdentificationParade``'s; every step enters the parade's chain of custody.
enum ParadeService {
    static let foilMaxBytes: Int64 = 64 * 1024 * 1024
    static let solicitorDays = 7.0
    static let foilTypes: Set<String> = ["video/mp4", "video/webm", "video/quicktime", "video/x-matroska"]

    // MARK: the foil library

    struct FoilDraft: Sendable {
        var ageBand = ""
        var sex = ""
        var ethnicity = ""
        var build = ""
        var hair = ""
        var marks = ""

        var descriptor: IdentificationParade.Descriptor {
            .init(
                ageBand: ageBand, sex: sex, ethnicity: ethnicity,
                build: build.trimmingWhitespaceAndNewlines(),
                hair: hair.trimmingWhitespaceAndNewlines(),
                marks: marks.trimmingWhitespaceAndNewlines())
        }

        func problems() -> [FieldError] {
            var problems: [FieldError] = []
            if !IdentificationParade.ageBands.contains(ageBand) {
                problems.append(.init(field: "ageBand", message: "Choose the age band."))
            }
            if !sexes.contains(sex) { problems.append(.init(field: "sex", message: "Choose the sex.")) }
            if !ethnicities.contains(ethnicity) {
                problems.append(.init(field: "ethnicity", message: "Choose the ethnic appearance."))
            }
            for (field, value, label) in [("build", build, "build"), ("hair", hair, "hair")] {
                let text = value.trimmingWhitespaceAndNewlines()
                if text.isEmpty { problems.append(.init(field: field, message: "Describe the \(label).")) }
                if text.count > 200 {
                    problems.append(.init(field: field, message: "Keep the \(label) to 200 characters."))
                }
            }
            if marks.count > 500 {
                problems.append(.init(field: "marks", message: "Keep distinguishing marks to 500 characters."))
            }
            return problems
        }
    }

    static let sexes = ["female", "male"]
    /// The 18+1 census groups would split a library of a few hundred clips too finely to build a set from; the
    /// Police National Computer's six ethnic appearance codes are what identification officers match on.
    static let ethnicities = [
        "white-north-european", "white-south-european", "black", "asian", "east-asian", "middle-eastern",
    ]

    static func foils(context: AccessContext, on db: any Database) async throws -> [ParadeFoil] {
        try AccessGuard.require(.runIdentification, context)
        return try await ParadeFoil.query(on: db).filter(\.$withdrawnAt == nil).sort(\.$createdAt, .descending)
            .all()
    }

    /// Adds a clip to the library: it must be video ffprobe can read; it is sealed in the evidence store under
    /// a data key of its own and fixed by its SHA-256.
    static func addFoil(
        _ draft: FoilDraft, contentType: String, bytes: ByteBuffer, context: AccessContext, vault: EvidenceVault,
        settings: EvidenceConfig, on db: any Database
    ) async throws -> ParadeFoil {
        try AccessGuard.require(.runIdentification, context)
        var problems = draft.problems()
        let type = contentType.split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() }
        if bytes.readableBytes == 0 {
            problems.append(.init(field: "clip", message: "Choose the clip to add."))
        } else if Int64(bytes.readableBytes) > foilMaxBytes {
            problems.append(.init(field: "clip", message: "Foil clips up to 64 MiB are taken."))
        } else if type.map({ !foilTypes.contains($0) }) ?? true {
            problems.append(
                .init(field: "clip", message: "The clip must be a video: MP4, WebM, QuickTime or Matroska."))
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        // ffprobe must find a video stream: a renamed document is not a clip.
        let work = try MediaService.workDirectory(settings)
        defer { try? FileManager.default.removeItem(at: work) }
        let path = work.appendingPathComponent("foil").path
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        guard let probe = try await MediaService.probe(path), probe.video != nil, probe.duration != nil else {
            throw DomainError.invalid("clip", "This file is not a video ffprobe can read.")
        }
        let foil = ParadeFoil()
        foil.id = UUID.random()
        let descriptor = draft.descriptor
        foil.ageBand = descriptor.ageBand
        foil.sex = descriptor.sex
        foil.ethnicity = descriptor.ethnicity
        foil.build = descriptor.build
        foil.hair = descriptor.hair
        foil.marks = descriptor.marks
        foil.contentType = type ?? "video/mp4"
        foil.length = Int64(bytes.readableBytes)
        foil.durationSeconds = probe.duration
        foil.segmentSize = max(settings.segmentSize, vault.store.minimumSegmentSize)
        let (_, wrapped, keyID) = try vault.keys.newDataKey()
        foil.wrappedKey = wrapped
        foil.keyID = keyID
        foil.addedByName = context.actor.name
        foil.createdAt = Date()
        foil.custodySeq = 0
        foil.custodyHead = CustodyLog.genesis
        let writing = foil.sealed
        writing.received = 0
        let session = try await vault.resume(writing)
        do {
            try await session.append(bytes)
            foil.sha256 = try await session.finish()
            session.close()
        } catch {
            session.close()
            throw error
        }
        try await foil.create(on: db)
        try await CustodyLog.append(
            .foilAdded, item: foil.id!,
            detail:
                "\(foil.length) bytes; sha256 \(foil.sha256); \(probe.duration.map { String(format: "%.1f s", $0) } ?? "")",
            actor: context.actor, head: .paradeFoils, on: db)
        try await AuditLog.record(.create, "parade_foil", foil.id, summary: "foil clip added", context: context, on: db)
        return foil
    }

    /// Withdrawn clips stay for the parades that used them; no new parade picks them.
    static func withdrawFoil(_ id: UUID, context: AccessContext, on db: any Database) async throws {
        try AccessGuard.require(.runIdentification, context)
        guard let foil = try await ParadeFoil.find(id, on: db) else { throw DomainError.notFound("foil") }
        guard foil.withdrawnAt == nil else { return }
        foil.withdrawnAt = Date()
        try await foil.save(on: db)
        try await CustodyLog.append(.foilWithdrawn, item: id, actor: context.actor, head: .paradeFoils, on: db)
    }

    // MARK: who may run one

    /// Code D 3.11: an inspector or above, not involved in the investigation: not the officer in the case, not
    /// someone who interviewed anyone on it, recorded its case events or uploaded its recordings.
    static func officerProblem(_ context: AccessContext, crime: Crime, on db: any Database) async throws -> String? {
        guard let userID = context.actor.id, context.actor.kind == .user, let user = try await User.find(userID, on: db)
        else { return "A video identification is run by a signed-in identification officer." }
        let crimeID = try crime.requireID()
        var investigating = crime.$officerInCase.id == userID
        if !investigating {
            let interviewed = try await Interview.query(on: db).filter(\.$crime.$id == crimeID)
                .filter(\.$createdByID == userID).count()
            let recorded = try await CaseEvent.query(on: db).filter(\.$crime.$id == crimeID)
                .filter(\.$recordedByID == userID).count()
            let uploaded = try await EvidenceItem.query(on: db).filter(\.$crimeID == crimeID)
                .filter(\.$uploadedByID == userID).count()
            investigating = interviewed + recorded + uploaded > 0
        }
        if !investigating {
            let name = user.displayName.lowercased()
            investigating = try await Interview.query(on: db).filter(\.$crime.$id == crimeID).all()
                .contains { $0.interviewers.lowercased().contains(name) }
        }
        return IdentificationParade.officerProblem(rank: Rank(parsing: user.rank), isInvestigating: investigating)
    }

    // MARK: making a parade

    struct SuspectClip: Sendable {
        var link: CrimePerson
        var name: String
        var item: EvidenceItem
    }

    /// The suspects' complete recordings on the crime (the clip of the suspect a parade is built round).
    static func suspectClips(crimeID: UUID, context: AccessContext, on db: any Database) async throws -> (
        Crime, [SuspectClip]
    ) {
        let crime = try await CrimeService.find(crimeID, on: db)
        _ = try await AccessGuard.checkForm(
            .runIdentification, reading: .viewEvidence, "crime", crimeID, scope: CrimeService.scope(of: crime),
            context: context, on: db)
        let links = try await CrimePerson.query(on: db).filter(\.$crime.$id == crimeID)
            .filter(\.$roleCode == PersonRole.suspect.rawValue).with(\.$person).all()
        var clips: [SuspectClip] = []
        for link in links {
            let interviews = try await Interview.query(on: db).filter(\.$link.$id == link.id!).all().compactMap(\.id)
            guard !interviews.isEmpty else { continue }
            let items = try await EvidenceItem.query(on: db).filter(\.$interview.$id ~~ interviews)
                .filter(\.$kind == "original").filter(\.$stateCode == EvidenceItem.State.complete.rawValue)
                .sort(\.$createdAt).all()
            for item in items where item.contentType.hasPrefix("video/") {
                clips.append(SuspectClip(link: link, name: link.person.fullName, item: item))
            }
        }
        try await AuditLog.recordViews(
            "person", links.compactMap { $0.$person.id }, summary: "suspects listed for a video identification",
            context: context, on: db)
        return (crime, clips)
    }

    /// Makes the set: the suspect's clip and foils who resemble them, as many as Annex A asks, chosen at random
    /// from the library, in a random order that is recorded.
    static func create(
        crimeID: UUID, suspectItemID: UUID?, _ draft: FoilDraft, context: AccessContext, on db: any Database
    ) async throws -> Parade {
        let crime = try await CrimeService.find(crimeID, on: db)
        try await AccessGuard.check(
            .runIdentification, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        if let problem = try await officerProblem(context, crime: crime, on: db) {
            throw DomainError.invalid("officer", problem)
        }
        var problems = draft.problems()
        var suspect: EvidenceItem?
        var suspectLink: UUID?
        if let suspectItemID,
            let item = try await EvidenceItem.query(on: db).filter(\.$id == suspectItemID)
                .filter(\.$crimeID == crimeID).filter(\.$kind == "original")
                .filter(\.$stateCode == EvidenceItem.State.complete.rawValue).with(\.$interview).first(),
            let link = try await CrimePerson.find(item.interview.$link.id, on: db),
            link.roleCode == PersonRole.suspect.rawValue, item.contentType.hasPrefix("video/")
        {
            suspect = item
            suspectLink = link.id
        } else {
            problems.append(
                .init(field: "suspectItem", message: "Choose the suspect's clip from the crime's recordings."))
        }
        guard let suspect, let suspectLink else { throw DomainError.invalid(problems) }
        if suspect.durationSeconds == nil {
            problems.append(
                .init(
                    field: "suspectItem",
                    message: "The suspect's clip has not been read yet (its length is needed): try again in a minute."))
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let descriptor = draft.descriptor
        let library = try await ParadeFoil.query(on: db).filter(\.$withdrawnAt == nil)
            .filter(\.$sex == descriptor.sex).filter(\.$ethnicity == descriptor.ethnicity).all()
            .filter { IdentificationParade.resembles($0.descriptor, descriptor) }
        let needed = IdentificationParade.minimumFoils(suspects: 1)
        var generator = SystemRandomNumberGenerator()
        let chosen = Array(library.shuffled(using: &generator).prefix(needed))
        let rules = IdentificationParade.problems(suspects: [descriptor], foils: chosen.map(\.descriptor))
        if !rules.isEmpty {
            throw DomainError.invalid(
                rules.map { FieldError(field: "foils", message: $0) }
                    + [
                        FieldError(
                            field: "foils",
                            message:
                                "The library has \(library.count) clips resembling this description; add clips to the foil library first."
                        )
                    ].filter { _ in chosen.count < needed })
        }
        let order = IdentificationParade.order(clips: chosen.count + 1, using: &generator)
        let parade = Parade()
        parade.id = UUID.random()
        parade.$crime.id = crimeID
        parade.suspectLinkID = suspectLink
        parade.suspectItemID = try suspect.requireID()
        parade.ageBand = descriptor.ageBand
        parade.sex = descriptor.sex
        parade.ethnicity = descriptor.ethnicity
        parade.build = descriptor.build
        parade.hair = descriptor.hair
        parade.marks = descriptor.marks
        parade.officerID = context.actor.id!
        parade.officerName = context.actor.name
        parade.stateCode = Parade.State.solicitorReview.rawValue
        parade.createdAt = Date()
        parade.custodySeq = 0
        parade.custodyHead = CustodyLog.genesis
        try await db.transaction { db in
            try await parade.create(on: db)
            // order[i] is the clip shown at position i+1: 0 is the suspect, k is chosen[k-1].
            for (index, clipIndex) in order.enumerated() {
                let clip = ParadeClip()
                clip.paradeID = parade.id!
                clip.position = index + 1
                clip.isSuspect = clipIndex == 0
                clip.foilID = clipIndex == 0 ? nil : chosen[clipIndex - 1].id
                clip.createdAt = parade.createdAt
                try await clip.create(on: db)
            }
            let suspectPosition = (order.firstIndex(of: 0) ?? 0) + 1
            try await CustodyLog.append(
                .paradeCreated, item: parade.id!,
                detail: "crime \(crimeID.uuidString.lowercased()); suspect clip \(suspect.id!.uuidString.lowercased()) "
                    + "at position \(suspectPosition); foils in order: "
                    + order.enumerated().map { index, clip in
                        "\(index + 1)=\(clip == 0 ? "suspect" : chosen[clip - 1].id!.uuidString.lowercased())"
                    }.joined(separator: " "),
                actor: context.actor, head: .parades, on: db)
            try await CustodyLog.append(
                .usedInParade, item: suspect.id!, detail: "video identification \(parade.id!.uuidString.lowercased())",
                actor: context.actor, on: db)
            for foil in chosen {
                try await CustodyLog.append(
                    .usedInParade, item: foil.id!, detail: "video identification \(parade.id!.uuidString.lowercased())",
                    actor: context.actor, head: .paradeFoils, on: db)
            }
            try await AuditLog.record(
                .create, "parade", parade.id, summary: "video identification on crime \(crimeID)", context: context,
                on: db)
        }
        return parade
    }

    // MARK: reading one

    struct Clip: Sendable {
        var row: ParadeClip
        var foil: ParadeFoil?
    }

    struct Detail: Sendable {
        var crime: Crime
        var parade: Parade
        var clips: [Clip]
        var replaced: [Clip]
        var objections: [ParadeObjection]
        var viewings: [(ParadeViewing, Victim, Person, OutboundMessage?)]
        var custody: [CustodyEntry]
        var custodyProblems: [String]
        var suspectName: String
        var officerProblem: String?
        var isOfficer: Bool
        /// The crime's victims, named in the list of witnesses who may be invited.
        var victims: [(victimID: UUID, name: String)] = []
    }

    /// A parade on a crime, for someone who may watch the crime's recordings.
    static func load(crimeID: UUID, paradeID: UUID, context: AccessContext, on db: any Database) async throws -> (
        Crime, Parade
    ) {
        let crime = try await CrimeService.find(crimeID, on: db)
        try await AccessGuard.check(
            .viewEvidence, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        guard
            let parade = try await Parade.query(on: db).filter(\.$id == paradeID).filter(\.$crime.$id == crimeID)
                .first()
        else { throw DomainError.notFound("video identification") }
        return (crime, parade)
    }

    /// The parade for its identification officer to act on: the officer who made it, on a crime they may act on.
    static func loadForChange(crimeID: UUID, paradeID: UUID, context: AccessContext, on db: any Database)
        async throws -> (Crime, Parade)
    {
        let crime = try await CrimeService.find(crimeID, on: db)
        try await AccessGuard.check(
            .runIdentification, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        guard
            let parade = try await Parade.query(on: db).filter(\.$id == paradeID).filter(\.$crime.$id == crimeID)
                .first()
        else { throw DomainError.notFound("video identification") }
        guard parade.officerID == context.actor.id else {
            throw DomainError.forbidden("Only the identification officer who made this set may act on it.")
        }
        return (crime, parade)
    }

    static func clips(_ paradeID: UUID, on db: any Database) async throws -> (current: [Clip], replaced: [Clip]) {
        let rows = try await ParadeClip.query(on: db).filter(\.$paradeID == paradeID).sort(\.$position)
            .sort(\.$createdAt).all()
        let foilIDs = rows.compactMap(\.foilID)
        let foils = Dictionary(
            uniqueKeysWithValues: try await ParadeFoil.query(on: db).filter(\.$id ~~ foilIDs).all().map { ($0.id!, $0) }
        )
        let all = rows.map { Clip(row: $0, foil: $0.foilID.flatMap { foils[$0] }) }
        return (all.filter { $0.row.replacedAt == nil }, all.filter { $0.row.replacedAt != nil })
    }

    static func detail(crimeID: UUID, paradeID: UUID, context: AccessContext, on db: any Database) async throws
        -> Detail
    {
        let (crime, parade) = try await load(crimeID: crimeID, paradeID: paradeID, context: context, on: db)
        let (current, replaced) = try await clips(paradeID, on: db)
        let objections = try await ParadeObjection.query(on: db).filter(\.$paradeID == paradeID).sort(\.$createdAt)
            .all()
        var viewings: [(ParadeViewing, Victim, Person, OutboundMessage?)] = []
        for viewing in try await ParadeViewing.query(on: db).filter(\.$paradeID == paradeID).sort(\.$createdAt).all() {
            guard let victim = try await Victim.find(viewing.victimID, on: db),
                let person = try await Person.find(victim.$person.id, on: db)
            else { continue }
            let message = try await viewing.messageID.asyncFlatMap { try await OutboundMessage.find($0, on: db) }
            viewings.append((viewing, victim, person, message))
        }
        let custody = try await CustodyLog.entries(paradeID, on: db)
        let suspect = try await CrimePerson.query(on: db).filter(\.$id == parade.suspectLinkID).with(\.$person).first()
        let victims = try await Victim.query(on: db).filter(\.$crime.$id == crimeID).with(\.$person).all()
        try await AuditLog.record(.view, "parade", paradeID, summary: "video identification", context: context, on: db)
        // Everyone the page names: the witnesses invited, the suspect, and the victims listed to invite (each once).
        try await AuditLog.recordViews(
            "person",
            viewings.compactMap { $0.2.id } + victims.map { $0.$person.id } + [suspect?.$person.id].compactMap { $0 },
            summary: "named on video identification \(paradeID)", context: context, on: db)
        return Detail(
            crime: crime, parade: parade, clips: current, replaced: replaced, objections: objections,
            viewings: viewings, custody: custody,
            custodyProblems: CustodyLog.check(custody, head: (parade.custodySeq, parade.custodyHead)),
            suspectName: suspect?.person.fullName ?? "", officerProblem: nil,
            isOfficer: parade.officerID == context.actor.id,
            victims: victims.map { ($0.id!, $0.person.fullName) })
    }

    /// What the vault reads for the clip at `position`: a foil, or the suspect's clip (its playable copy when
    /// one has been made).
    static func sealedClip(_ parade: Parade, position: Int, on db: any Database) async throws -> EvidenceItem {
        guard
            let clip = try await ParadeClip.query(on: db).filter(\.$paradeID == parade.id!)
                .filter(\.$position == position).filter(\.$replacedAt == nil).first()
        else { throw DomainError.notFound("clip") }
        if let foilID = clip.foilID {
            guard let foil = try await ParadeFoil.find(foilID, on: db) else { throw DomainError.notFound("clip") }
            return foil.sealed
        }
        if let rendition = try await EvidenceItem.query(on: db).filter(\.$derivedFrom == parade.suspectItemID)
            .filter(\.$kind == "rendition").filter(\.$stateCode == EvidenceItem.State.complete.rawValue).first()
        {
            return rendition
        }
        guard let item = try await EvidenceItem.find(parade.suspectItemID, on: db), item.state == .complete else {
            throw DomainError.notFound("clip")
        }
        return item
    }

    static func clipDuration(_ parade: Parade, position: Int, on db: any Database) async throws -> Double? {
        let item = try await sealedClip(parade, position: position, on: db)
        if let duration = item.durationSeconds { return duration }
        if let original = item.derivedFrom { return try await EvidenceItem.find(original, on: db)?.durationSeconds }
        return nil
    }

    // MARK: the suspect's solicitor

    /// A link for the suspect's solicitor to see the set and object, shown once to the identification officer
    /// to pass on (the solicitor is not a user). A new link replaces the last.
    static func issueSolicitorLink(crimeID: UUID, paradeID: UUID, context: AccessContext, on db: any Database)
        async throws -> String
    {
        let (_, parade) = try await loadForChange(crimeID: crimeID, paradeID: paradeID, context: context, on: db)
        guard parade.state == .solicitorReview else {
            throw DomainError.conflict(field: "solicitor", message: "The solicitor's review is over for this set.")
        }
        let secret = Secrets.randomToken(bytes: 32)
        parade.solicitorTokenHash = Secrets.sha256Hex(secret)
        parade.solicitorExpiresAt = Date().addingTimeInterval(solicitorDays * 86_400)
        try await parade.save(on: db)
        try await CustodyLog.append(
            .solicitorInvited, item: paradeID, detail: "link for \(Int(solicitorDays)) days", actor: context.actor,
            head: .parades, on: db)
        return secret
    }

    /// No solicitor: the suspect declined one, or none could be found; the reason is kept.
    static func recordNoSolicitor(
        crimeID: UUID, paradeID: UUID, reason: String, context: AccessContext, on db: any Database
    ) async throws {
        _ = try await loadForChange(crimeID: crimeID, paradeID: paradeID, context: context, on: db)
        let text = reason.trimmingWhitespaceAndNewlines()
        guard text.count >= 10 else {
            throw DomainError.invalid(
                "noSolicitorReason", "Say why no solicitor will see the set (10 characters or more).")
        }
        try await db.transaction { db in
            guard let sql = db as? any SQLDatabase else { return }
            // Only while the solicitor has not answered: an answer in flight and this cannot both win.
            let done = try await sql.raw(
                """
                UPDATE parades SET no_solicitor_reason = \(bind: String(text.prefix(2000))),
                  solicitor_token_hash = NULL, state = \(bind: Parade.State.ready.rawValue)
                WHERE id = \(bind: paradeID) AND state = \(bind: Parade.State.solicitorReview.rawValue)
                  AND solicitor_answered_at IS NULL RETURNING id
                """
            ).all()
            guard !done.isEmpty else {
                throw DomainError.conflict(field: "solicitor", message: "The solicitor has already answered.")
            }
            try await CustodyLog.append(
                .paradeReady, item: paradeID, detail: "no solicitor: \(text)", actor: context.actor, head: .parades,
                on: db)
        }
    }

    /// The parade a solicitor's link opens, while it is live and unanswered.
    static func solicitorParade(secret: String, on db: any Database) async throws -> Parade {
        guard secret.count == 43,
            let parade = try await Parade.query(on: db).filter(\.$solicitorTokenHash == Secrets.sha256Hex(secret))
                .first()
        else { throw DomainError.notFound("link") }
        guard parade.state == .solicitorReview, parade.solicitorAnsweredAt == nil,
            (parade.solicitorExpiresAt ?? .distantPast) > Date()
        else { throw DomainError.conflict(field: "link", message: "This link has been used or has expired.") }
        return parade
    }

    static func solicitorActor(_ name: String) -> Actor {
        Actor(id: nil, kind: .witness, role: .prosecutor, commandUnitID: nil, name: "Solicitor: \(name)")
    }

    static func solicitorOpened(_ parade: Parade, on db: any Database) async throws {
        guard parade.solicitorOpenedAt == nil else { return }
        parade.solicitorOpenedAt = Date()
        try await parade.save(on: db)
        try await CustodyLog.append(
            .solicitorViewed, item: parade.id!, actor: solicitorActor("by their link"), head: .parades, on: db)
    }

    /// The solicitor's one answer: objections to named positions or the set, or none. The link is spent.
    static func solicitorAnswer(
        secret: String, name: String, objects: Bool?, text: String, positions: [Int], on db: any Database
    ) async throws {
        let parade = try await solicitorParade(secret: secret, on: db)
        let who = name.trimmingWhitespaceAndNewlines()
        let body = text.trimmingWhitespaceAndNewlines()
        var problems: [FieldError] = []
        if who.isEmpty || who.count > 200 { problems.append(.init(field: "name", message: "Give your name and firm.")) }
        if objects == nil { problems.append(.init(field: "objects", message: "Say whether you object to the set.")) }
        if objects == true, body.isEmpty {
            problems.append(.init(field: "text", message: "Say what you object to and why."))
        }
        if body.count > 10_000 { problems.append(.init(field: "text", message: "Keep this to 10,000 characters.")) }
        let count = try await ParadeClip.query(on: db).filter(\.$paradeID == parade.id!).filter(\.$replacedAt == nil)
            .count()
        if positions.contains(where: { !(1...count).contains($0) }) {
            problems.append(.init(field: "positions", message: "Choose clips from 1 to \(count)."))
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        try await db.transaction { db in
            // Spent at once: a second submission of the same form finds no live link.
            guard let sql = db as? any SQLDatabase else { return }
            let now = Date()
            let spent = try await sql.raw(
                """
                UPDATE parades SET solicitor_answered_at = \(bind: now), solicitor_name = \(bind: who)
                WHERE id = \(bind: parade.id!) AND solicitor_answered_at IS NULL
                  AND state = \(bind: Parade.State.solicitorReview.rawValue)
                  AND solicitor_token_hash = \(bind: Secrets.sha256Hex(secret)) AND solicitor_expires_at > \(bind: now)
                RETURNING id
                """
            ).all()
            guard !spent.isEmpty else {
                throw DomainError.conflict(field: "link", message: "This link has been used or has expired.")
            }
            if objects == true {
                let objection = ParadeObjection()
                objection.paradeID = parade.id!
                objection.byName = String(who.prefix(200))
                objection.text = body
                objection.positions = Array(Set(positions)).sorted().map(String.init).joined(separator: ",")
                objection.createdAt = now
                try await objection.create(on: db)
            } else {
                try await sql.raw(
                    "UPDATE parades SET state = \(bind: Parade.State.ready.rawValue) WHERE id = \(bind: parade.id!)"
                )
                .run()
            }
            try await CustodyLog.append(
                .solicitorAnswered, item: parade.id!,
                detail: objects == true
                    ? "objects to \(positions.isEmpty ? "the set" : "positions " + positions.map(String.init).joined(separator: ", ")): \(body)"
                    : "no objection",
                actor: solicitorActor(who), head: .parades, on: db)
        }
    }

    /// The identification officer answers an objection: a reason, and any positions whose foil is replaced by
    /// another resembling the suspect (the replaced clip is kept, with what replaced it). The set is then
    /// ready for witnesses.
    static func answerObjection(
        crimeID: UUID, paradeID: UUID, objectionID: UUID, response: String, replace: [Int], context: AccessContext,
        on db: any Database
    ) async throws {
        let (_, parade) = try await loadForChange(crimeID: crimeID, paradeID: paradeID, context: context, on: db)
        guard
            let objection = try await ParadeObjection.query(on: db).filter(\.$id == objectionID)
                .filter(\.$paradeID == paradeID).first()
        else { throw DomainError.notFound("objection") }
        guard objection.respondedAt == nil else {
            throw DomainError.conflict(field: "response", message: "This objection has been answered.")
        }
        let text = response.trimmingWhitespaceAndNewlines()
        if text.isEmpty || text.count > 10_000 {
            throw DomainError.invalid("response", "Say what you decided about the objection, and why.")
        }
        let (current, replaced) = try await clips(paradeID, on: db)
        let used = Set((current + replaced).compactMap(\.row.foilID))
        var changes: [String] = []
        var generator = SystemRandomNumberGenerator()
        var pool = try await ParadeFoil.query(on: db).filter(\.$withdrawnAt == nil).filter(\.$sex == parade.sex)
            .filter(\.$ethnicity == parade.ethnicity).all()
            .filter { !used.contains($0.id!) && IdentificationParade.resembles($0.descriptor, parade.descriptor) }
            .shuffled(using: &generator)
        // Every position checked, and a replacement found for each, before anything is written.
        var pending: [(ParadeClip, ParadeFoil)] = []
        for position in Array(Set(replace)).sorted() {
            guard let clip = current.first(where: { $0.row.position == position }) else {
                throw DomainError.invalid("replace", "There is no clip \(position).")
            }
            guard !clip.row.isSuspect else {
                throw DomainError.invalid("replace", "Clip \(position) is the suspect's: it cannot be replaced.")
            }
            guard let next = pool.popLast() else {
                throw DomainError.invalid(
                    "replace",
                    "The library has no other clip resembling the suspect: add one to the foil library first.")
            }
            changes.append(
                "position \(position): foil \(clip.row.foilID!.uuidString.lowercased()) replaced by \(next.id!.uuidString.lowercased())"
            )
            pending.append((clip.row, next))
        }
        let now = Date()
        let summary = changes
        let swaps = pending
        try await db.transaction { db in
            guard let sql = db as? any SQLDatabase else { return }
            // Answered once: two officers' tabs cannot both answer it.
            let claimed = try await sql.raw(
                """
                UPDATE parade_objections SET response = \(bind: text), changes = \(bind: summary.joined(separator: "; ")),
                  responded_by_name = \(bind: context.actor.name), responded_at = \(bind: now)
                WHERE id = \(bind: objectionID) AND responded_at IS NULL RETURNING id
                """
            ).all()
            guard !claimed.isEmpty else {
                throw DomainError.conflict(field: "response", message: "This objection has been answered.")
            }
            for (row, next) in swaps {
                row.replacedAt = now
                try await row.save(on: db)
                let fresh = ParadeClip()
                fresh.paradeID = paradeID
                fresh.position = row.position
                fresh.foilID = next.id
                fresh.isSuspect = false
                fresh.createdAt = now
                try await fresh.create(on: db)
                try await CustodyLog.append(
                    .usedInParade, item: next.id!, detail: "video identification \(paradeID.uuidString.lowercased())",
                    actor: context.actor, head: .paradeFoils, on: db)
            }
            let open = try await ParadeObjection.query(on: db).filter(\.$paradeID == paradeID)
                .filter(\.$respondedAt == nil).count()
            if open == 0, parade.solicitorAnsweredAt != nil {
                try await sql.raw(
                    "UPDATE parades SET state = \(bind: Parade.State.ready.rawValue) WHERE id = \(bind: paradeID)"
                ).run()
            }
            try await CustodyLog.append(
                .objectionAnswered, item: paradeID,
                detail: "\(text)" + (summary.isEmpty ? "; no clip changed" : "; " + summary.joined(separator: "; ")),
                actor: context.actor, head: .parades, on: db)
        }
    }

    // MARK: witnesses

    /// Invites a victim of the crime to view the set: a single-use link sent through the outbox, where the
    /// safety gate decides whether and how it may go. When no representative of the suspect will attend, the
    /// witness's viewing is recorded through their browser into an interview of its own.
    static func inviteWitness(
        crimeID: UUID, paradeID: UUID, victimID: UUID?, channel: String, representative: String,
        context: AccessContext, on db: any Database
    ) async throws -> ParadeViewing {
        let (crime, parade) = try await loadForChange(crimeID: crimeID, paradeID: paradeID, context: context, on: db)
        guard parade.state == .ready else {
            throw DomainError.conflict(
                field: "witness",
                message: "Witnesses see the set once the suspect's solicitor has had the chance to object.")
        }
        guard let victimID,
            let victim = try await Victim.query(on: db).filter(\.$id == victimID)
                .filter(\.$crime.$id == crimeID).first()
        else { throw DomainError.invalid("victim", "Choose the witness from the crime's victims.") }
        guard let channel = MessageChannel(rawValue: channel), channel != .letter else {
            throw DomainError.invalid("channel", "Choose email or text message.")
        }
        // The gate first, so a link that can never go is never made (held messages are made and wait).
        let facts = try await GateFacts.load(victimID: victimID, channel: channel, on: db)
        if case .refuse(let why) = SafetyGate.check(facts.facts(body: SafetyGate.smsBody(link: ""))) {
            throw DomainError.invalid("channel", "The link cannot be sent this way: \(why).")
        }
        let rep = representative.trimmingWhitespaceAndNewlines()
        let viewing = ParadeViewing()
        viewing.id = UUID.random()
        viewing.paradeID = paradeID
        viewing.victimID = victimID
        viewing.channelCode = channel.rawValue
        viewing.representativePresent = !rep.isEmpty
        viewing.representativeName = rep.isEmpty ? nil : String(rep.prefix(200))
        viewing.passes = ""
        viewing.createdByName = context.actor.name
        viewing.createdAt = Date()
        try await db.transaction { db in
            if rep.isEmpty {
                guard
                    let link = try await CrimePerson.query(on: db).filter(\.$crime.$id == crimeID)
                        .filter(\.$person.$id == victim.$person.id).first()
                else { throw DomainError.invalid("victim", "The witness is not linked to this crime.") }
                let interview = Interview()
                interview.$crime.id = try crime.requireID()
                interview.$link.id = try link.requireID()
                interview.kindCode = InterviewKind.videoIdentification.rawValue
                interview.placeCode = InterviewPlace.other.rawValue
                interview.placeDetail = "Remote video identification, in the witness's browser"
                interview.interviewers = parade.officerName
                interview.consent = true
                interview.createdByID = context.actor.id
                interview.createdByName = context.actor.name
                interview.createdAt = Date()
                try await interview.create(on: db)
                viewing.recordingInterviewID = interview.id
            }
            let message = try await OutboxService.enqueue(
                .init(
                    victimID: victimID, channel: channel, purpose: .identification,
                    idempotencyKey: "identification-\(viewing.id!.uuidString)", carries: .identification),
                facts: facts, context: context, on: db)
            viewing.messageID = message.id
            viewing.linkID = message.linkID
            try await viewing.create(on: db)
            try await CustodyLog.append(
                .witnessInvited, item: paradeID,
                detail: "viewing \(viewing.id!.uuidString.lowercased()) by \(channel.rawValue): \(message.statusCode); "
                    + (rep.isEmpty ? "no representative: the viewing is recorded" : "representative: \(rep)"),
                actor: context.actor, head: .parades, on: db)
        }
        return viewing
    }

    // MARK: the witness's viewing

    struct Opened: Sendable {
        var viewing: ParadeViewing
        var parade: Parade
        var clips: Int
        /// A new browser secret to set as a cookie (the first opening only).
        var browserSecret: String?
        /// Whether a browser has taken the link (by pressing Start); until then nothing plays.
        var bound: Bool
    }

    static func witnessActor(_ viewing: ParadeViewing) -> Actor {
        Actor(
            id: nil, kind: .witness, role: .prosecutor, commandUnitID: nil,
            name: "Witness (viewing \(viewing.id!.uuidString.lowercased().prefix(8)))")
    }

    /// Opens a viewing by its link. The first browser to open it is given a secret of its own; from then on
    /// only that browser gets in, and once answered the link is spent.
    static func open(secret: String, browser: String?, bind: Bool = false, on db: any Database) async throws -> Opened {
        let lookup = try await VictimLinkService.find(secret: secret, purposes: [.identification], on: db)
        if case .expired = lookup {
            throw DomainError.conflict(field: "link", message: "This link has been used or has expired.")
        }
        guard case .valid(let link) = lookup,
            let viewing = try await ParadeViewing.query(on: db).filter(\.$linkID == link.id!).first(),
            let parade = try await Parade.find(viewing.paradeID, on: db)
        else { throw DomainError.notFound("link") }
        guard viewing.completedAt == nil else {
            throw DomainError.conflict(field: "link", message: "This link has been used.")
        }
        var fresh: String?
        if let bound = viewing.browserHash {
            guard let browser, Secrets.constantTimeEquals(Secrets.sha256Hex(browser), bound) else {
                throw DomainError.conflict(
                    field: "link", message: "This link has already been opened on another device.")
            }
        } else if !bind {
            // Opened but not taken: a mail scanner following the link must not lock the witness out.
            let count = try await ParadeClip.query(on: db).filter(\.$paradeID == parade.id!)
                .filter(\.$replacedAt == nil).count()
            return Opened(viewing: viewing, parade: parade, clips: count, browserSecret: nil, bound: false)
        } else {
            let mine = Secrets.randomToken(bytes: 32)
            guard let sql = db as? any SQLDatabase else { throw DomainError.notFound("link") }
            let now = Date()
            // Two browsers opening at once: one wins.
            let won = try await sql.raw(
                """
                UPDATE parade_viewings SET browser_hash = \(bind: Secrets.sha256Hex(mine)), opened_at = \(bind: now)
                WHERE id = \(bind: viewing.id!) AND browser_hash IS NULL RETURNING id
                """
            ).all()
            guard !won.isEmpty else {
                throw DomainError.conflict(
                    field: "link", message: "This link has already been opened on another device.")
            }
            viewing.browserHash = Secrets.sha256Hex(mine)
            viewing.openedAt = now
            fresh = mine
            try await VictimLinkService.recordOpen(link, on: db)
            try await CustodyLog.append(
                .viewingOpened, item: parade.id!, detail: "viewing \(viewing.id!.uuidString.lowercased())",
                actor: witnessActor(viewing), head: .parades, on: db)
        }
        let count = try await ParadeClip.query(on: db).filter(\.$paradeID == parade.id!).filter(\.$replacedAt == nil)
            .count()
        return Opened(viewing: viewing, parade: parade, clips: count, browserSecret: fresh, bound: true)
    }

    static func passes(_ viewing: ParadeViewing, clips: Int) -> IdentificationParade.Viewing {
        var state = IdentificationParade.Viewing(clips: clips)
        for pass in viewing.passes.split(separator: "|") {
            for position in pass.split(separator: ",").compactMap({ Int($0) }) { state.watched(clip: position - 1) }
        }
        return state
    }

    static func encode(_ state: IdentificationParade.Viewing) -> String {
        state.passes.map { $0.sorted().map { String($0 + 1) }.joined(separator: ",") }.joined(separator: "|")
    }

    /// The player started clip `position`.
    static func requireTaken(_ opened: Opened) throws {
        guard opened.bound else {
            throw DomainError.conflict(field: "link", message: "Open the link and press Start first.")
        }
    }

    static func clipStarted(_ opened: Opened, position: Int, on db: any Database) async throws {
        try requireTaken(opened)
        guard (1...max(1, opened.clips)).contains(position) else { throw DomainError.notFound("clip") }
        opened.viewing.playingPosition = position
        opened.viewing.playingSince = Date()
        try await opened.viewing.save(on: db)
    }

    /// The player reached the end of clip `position`. It counts only if that clip was started and has had time
    /// to play (its length, less a second); the passes are the server's, not the page's.
    static func clipEnded(_ opened: Opened, position: Int, on db: any Database) async throws
        -> IdentificationParade.Viewing
    {
        try requireTaken(opened)
        let viewing = opened.viewing
        guard viewing.playingPosition == position, let since = viewing.playingSince else {
            throw DomainError.conflict(field: "clip", message: "Play clip \(position) from its start.")
        }
        // A clip whose length is unknown is never counted: nothing would say it was watched.
        guard let duration = try await clipDuration(opened.parade, position: position, on: db),
            Date().timeIntervalSince(since) >= max(0, duration - 1)
        else {
            throw DomainError.conflict(field: "clip", message: "Clip \(position) has not played to its end.")
        }
        var state = passes(viewing, clips: opened.clips)
        let before = state.completePasses
        state.watched(clip: position - 1)
        viewing.passes = encode(state)
        viewing.playingPosition = nil
        viewing.playingSince = nil
        try await viewing.save(on: db)
        if state.completePasses > before {
            try await CustodyLog.append(
                .viewingPass, item: opened.parade.id!,
                detail: "viewing \(viewing.id!.uuidString.lowercased()): pass \(state.completePasses) complete",
                actor: witnessActor(viewing), head: .parades, on: db)
        }
        return state
    }

    struct Answer: Sendable {
        var answer = ""
        var position: String = ""
        var mediaSeen = ""
        var mediaDetail = ""
    }

    /// The witness's answer, accepted once the whole set has been seen twice; the link is spent.
    static func answer(_ opened: Opened, _ answer: Answer, on db: any Database) async throws {
        try requireTaken(opened)
        let viewing = opened.viewing
        let state = passes(viewing, clips: opened.clips)
        guard state.answerUnlocked else {
            throw DomainError.conflict(
                field: "answer",
                message:
                    "Watch every clip to its end twice before you answer (\(state.completePasses) of 2 times so far).")
        }
        var problems: [FieldError] = []
        let kind = IdentificationParade.Answer(rawValue: answer.answer)
        if kind == nil {
            problems.append(.init(field: "answer", message: "Choose a number, not present, or not sure."))
        }
        let position = Int(answer.position.trimmingWhitespace())
        if kind == .identified, !(1...max(1, opened.clips)).contains(position ?? 0) {
            problems.append(.init(field: "position", message: "Choose the number of the clip, 1 to \(opened.clips)."))
        }
        if !["yes", "no"].contains(answer.mediaSeen) {
            problems.append(
                .init(field: "mediaSeen", message: "Say whether you have seen a picture of anyone involved since."))
        }
        if answer.mediaDetail.count > 5000 {
            problems.append(.init(field: "mediaDetail", message: "Keep this to 5,000 characters."))
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        let now = Date()
        let detail = answer.mediaDetail.trimmingWhitespaceAndNewlines()
        try await db.transaction { db in
            guard let sql = db as? any SQLDatabase else { return }
            let done = try await sql.raw(
                """
                UPDATE parade_viewings SET answer = \(bind: kind!.rawValue),
                  answer_position = \(bind: kind == .identified ? position : nil),
                  media_seen = \(bind: answer.mediaSeen), media_detail = \(bind: detail.isEmpty ? nil : detail),
                  completed_at = \(bind: now)
                WHERE id = \(bind: viewing.id!) AND completed_at IS NULL RETURNING id
                """
            ).all()
            guard !done.isEmpty else { throw DomainError.conflict(field: "link", message: "This link has been used.") }
            if let link = viewing.linkID {
                try await sql.raw("UPDATE victim_links SET revoked_at = \(bind: now) WHERE id = \(bind: link)").run()
            }
            let said =
                switch kind! {
                case .identified: "identified number \(position ?? 0)"
                case .notPresent: "the person is not present"
                case .notSure: "not sure"
                }
            try await CustodyLog.append(
                .viewingAnswered, item: opened.parade.id!,
                detail:
                    "viewing \(viewing.id!.uuidString.lowercased()): \(said); seen images since: \(answer.mediaSeen)"
                    + (detail.isEmpty ? "" : " (\(detail))"),
                actor: witnessActor(viewing), head: .parades, on: db)
        }
    }
}
