import Fluent
import FluentSQL
import Foundation
import SQLKit
import VictimCareDomain

/// Interviews on a crime, their bookmarks and recordings, and sharing them with prosecutors. Reading a
/// recording is decided on the crime's unit, or for a prosecutor on a live share of that interview; every
/// view and playback enters the item's chain of custody as well as the audit trail.
enum InterviewService {
    // MARK: scope

    /// An interview and its crime, with the scope the asking actor sees it in.
    struct Loaded: Sendable {
        var interview: Interview
        var crime: Crime
        var scope: RecordScope
        /// The live share with this actor (prosecutors), if any.
        var share: EvidenceShare?
    }

    static func load(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Loaded {
        guard let interview = try await Interview.query(on: db).filter(\.$id == id).with(\.$crime).first() else {
            throw DomainError.notFound("interview")
        }
        var scope = CrimeService.scope(of: interview.crime)
        var share: EvidenceShare?
        if context.actor.role.reach == .sharedOnly, let user = context.actor.id {
            // The most restrictive live share decides (normally there is one: a new share revokes the last).
            let live = try await EvidenceShare.query(on: db).filter(\.$interview.$id == id)
                .filter(\.$user.$id == user).filter(\.$revokedAt == nil).filter(\.$expiresAt > Date()).all()
            share = live.first { !$0.mayDownload } ?? live.first
            scope.sharedWithActor = share != nil
        }
        return Loaded(interview: interview, crime: interview.crime, scope: scope, share: share)
    }

    static func check(_ permission: Permission, _ loaded: Loaded, context: AccessContext, on db: any Database)
        async throws
    {
        // Another unit's interview opens with a reason given for its crime (the reason page asks about crimes).
        try await AccessGuard.check(
            permission, "crime", loaded.crime.id!, scope: loaded.scope, context: context, on: db)
    }

    // MARK: recording an interview

    struct Person: Sendable {
        var link: CrimePerson
        var person: VictimCareServer.Person
        var role: PersonRole
        var specialMeasures: Bool
    }

    /// The people of a crime who can be interviewed, for the form (an edit of the crime).
    static func people(crimeID: UUID, context: AccessContext, on db: any Database) async throws -> (Crime, [Person]) {
        let crime = try await CrimeService.find(crimeID, on: db)
        _ = try await AccessGuard.checkForm(
            .editCrime, reading: .viewCrime, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context,
            on: db)
        let links = try await CrimePerson.query(on: db).filter(\.$crime.$id == crimeID).with(\.$person).all()
        var people: [Person] = []
        for link in links {
            guard let role = PersonRole(rawValue: link.roleCode), !InterviewKind.allowed(for: role).isEmpty else {
                continue
            }
            people.append(
                Person(
                    link: link, person: link.person, role: role,
                    specialMeasures: try await specialMeasures(crimeID: crimeID, personID: link.$person.id, on: db)))
        }
        try await AuditLog.recordViews(
            "person", people.compactMap { $0.person.id }, summary: "named on the interview form of crime \(crimeID)",
            context: context, on: db)
        return (crime, people)
    }

    /// Whether the engine found this victim eligible for special measures (s.16 or s.17).
    static func specialMeasures(crimeID: UUID, personID: UUID, on db: any Database) async throws -> Bool {
        guard
            let victim = try await Victim.query(on: db).filter(\.$crime.$id == crimeID)
                .filter(\.$person.$id == personID).first()
        else { return false }
        let latest = try await NeedsAssessmentService.latest(victimID: victim.id!, on: db)
        return try await NeedsAssessmentService.decide(victimID: victim.id!, assessment: latest?.answers, on: db)
            .considerVideoInterview
    }

    static func create(
        crimeID: UUID, linkID: String?, _ draft: InterviewDraft, context: AccessContext, on db: any Database
    ) async throws -> Interview {
        let crime = try await CrimeService.find(crimeID, on: db)
        try await AccessGuard.check(
            .editCrime, "crime", crimeID, scope: CrimeService.scope(of: crime), context: context, on: db)
        guard let linkID = linkID.flatMap(UUID.init(uuidString:)),
            let link = try await CrimePerson.query(on: db).filter(\.$id == linkID).filter(\.$crime.$id == crimeID)
                .first(),
            let role = PersonRole(rawValue: link.roleCode)
        else { throw DomainError.invalid("person", "Choose who is interviewed.") }
        let special = try await specialMeasures(crimeID: crimeID, personID: link.$person.id, on: db)
        let problems = draft.problems(role: role, specialMeasures: special)
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        func clean(_ text: String) -> String? {
            let t = text.trimmingWhitespaceAndNewlines()
            return t.isEmpty ? nil : t
        }
        let interview = Interview()
        interview.$crime.id = crimeID
        interview.$link.id = linkID
        interview.kindCode = draft.kind
        interview.placeCode = draft.place
        interview.placeDetail = clean(draft.placeDetail)
        interview.interviewers = draft.interviewers.trimmingWhitespaceAndNewlines()
        interview.interpreter = clean(draft.interpreter)
        interview.intermediary = clean(draft.intermediary)
        interview.appropriateAdult = clean(draft.appropriateAdult)
        interview.legalRepresentative = clean(draft.legalRepresentative)
        interview.consent = draft.consent
        interview.createdByID = context.actor.id
        interview.createdByName = context.actor.name
        interview.createdAt = Date()
        try await interview.create(on: db)
        try await AuditLog.record(
            .create, "interview", interview.id, summary: "\(draft.kind) on crime \(crimeID)", context: context, on: db)
        return interview
    }

    /// A recording is whole: the interview has started and ended if nobody said when, and an ABE interview of
    /// a victim meets the engine's prompt to consider a video-recorded interview (R19).
    static func recordingCompleted(_ item: EvidenceItem, context: AccessContext, on db: any Database) async throws {
        guard
            let interview = try await Interview.query(on: db).filter(\.$id == item.$interview.id).with(\.$link).first()
        else { return }
        if interview.startedAt == nil { interview.startedAt = item.createdAt }
        if interview.endedAt == nil { interview.endedAt = item.completedAt ?? Date() }
        try await interview.save(on: db)
        guard interview.kindCode == InterviewKind.achievingBestEvidence.rawValue,
            let victim = try await Victim.query(on: db).filter(\.$crime.$id == interview.$crime.id)
                .filter(\.$person.$id == interview.link.$person.id).first()
        else { return }
        let already = try await VictimAction.query(on: db).filter(\.$victim.$id == victim.id!)
            .filter(\.$kind == VictimActionKind.specialMeasuresConsidered.rawValue).count()
        guard already == 0 else { return }
        do {
            _ = try await VictimService.recordAction(
                victimID: victim.id!, kind: VictimActionKind.specialMeasuresConsidered.rawValue,
                note: "ABE interview recorded", context: context, on: db)
        } catch DomainError.forbidden, DomainError.reasonRequiredEachTime {
            // A kit's token that may upload but not record actions: the officer records it from the page.
        }
    }

    // MARK: reading

    struct Detail: Sendable {
        var loaded: Loaded
        var person: VictimCareServer.Person
        var role: String
        var items: [EvidenceItem]
        var bookmarks: [InterviewBookmark]
        var shares: [EvidenceShare]
        var custody: [UUID: [CustodyEntry]]
    }

    static func detail(_ id: UUID, context: AccessContext, on db: any Database) async throws -> Detail {
        let loaded = try await load(id, context: context, on: db)
        try await check(.viewEvidence, loaded, context: context, on: db)
        let link = try await CrimePerson.query(on: db).filter(\.$id == loaded.interview.$link.id).with(\.$person)
            .first()
        guard let link else { throw DomainError.notFound("interview") }
        let items = try await EvidenceItem.query(on: db).filter(\.$interview.$id == id).sort(\.$createdAt).all()
        let bookmarks = try await InterviewBookmark.query(on: db).filter(\.$interview.$id == id).sort(\.$atSeconds)
            .all()
        let shares =
            context.actor.role.reach == .sharedOnly
            ? []
            : try await EvidenceShare.query(on: db).filter(\.$interview.$id == id).with(\.$user)
                .sort(\.$createdAt, .descending).all()
        try await AuditLog.record(.view, "interview", id, context: context, on: db)
        try await AuditLog.recordViews(
            "person", [link.$person.id], summary: "named on interview \(id)", context: context, on: db)
        var custody: [UUID: [CustodyEntry]] = [:]
        for item in items where item.state == .complete {
            try await CustodyLog.append(.viewed, item: item.id!, detail: "interview page", actor: context.actor, on: db)
            custody[item.id!] = try await CustodyLog.entries(item.id!, on: db)
        }
        return Detail(
            loaded: loaded, person: link.person, role: link.roleCode, items: items, bookmarks: bookmarks,
            shares: shares,
            custody: custody)
    }

    /// The interviews of a crime for its page (only the crime's own readers; the crime page already checked).
    static func list(crimeID: UUID, on db: any Database) async throws -> [(Interview, [EvidenceItem])] {
        let interviews = try await Interview.query(on: db).filter(\.$crime.$id == crimeID).sort(\.$createdAt).all()
        guard !interviews.isEmpty else { return [] }
        let items = try await EvidenceItem.query(on: db).filter(\.$interview.$id ~~ interviews.map { $0.id! })
            .filter(\.$stateCode == EvidenceItem.State.complete.rawValue).filter(\.$kind == "original").all()
        return interviews.map { interview in (interview, items.filter { $0.$interview.id == interview.id }) }
    }

    /// A complete recording the actor may play (and, for `download`, take away).
    static func itemForPlayback(_ itemID: UUID, download: Bool, context: AccessContext, on db: any Database)
        async throws -> (EvidenceItem, Loaded)
    {
        guard let item = try await EvidenceItem.find(itemID, on: db) else { throw DomainError.notFound("recording") }
        let loaded = try await load(item.$interview.id, context: context, on: db)
        try await check(.viewEvidence, loaded, context: context, on: db)
        if download, let share = loaded.share, !share.mayDownload {
            throw DomainError.forbidden("This recording was shared with you to watch, not to download.")
        }
        guard item.state == .complete else { throw DomainError.notFound("recording") }
        return (item, loaded)
    }

    /// The interview's complete recordings as an evidence bundle; each enters its chain as exported first, so
    /// the bundle's chain ends with its own export.
    static func bundle(_ id: UUID, context: AccessContext, on db: any Database) async throws -> EvidenceBundle {
        let loaded = try await load(id, context: context, on: db)
        try await check(.viewEvidence, loaded, context: context, on: db)
        if let share = loaded.share, !share.mayDownload {
            throw DomainError.forbidden("This interview was shared with you to watch, not to download.")
        }
        let items = try await EvidenceItem.query(on: db).filter(\.$interview.$id == id)
            .filter(\.$stateCode == EvidenceItem.State.complete.rawValue).filter(\.$kind == "original")
            .sort(\.$createdAt).all()
        guard !items.isEmpty else { throw DomainError.notFound("recording") }
        let at = Date()
        var custody: [UUID: [CustodyEntry]] = [:]
        for item in items {
            try await CustodyLog.append(
                .exported, item: item.id!, detail: "evidence bundle of interview \(id.uuidString.lowercased())",
                actor: context.actor, on: db)
            custody[item.id!] = try await CustodyLog.entries(item.id!, on: db)
        }
        try await AuditLog.record(.export, "interview", id, summary: "evidence bundle", context: context, on: db)
        return EvidenceBundle.make(
            interview: loaded.interview, crimeReference: loaded.crime.reference, items: items, custody: custody,
            exportedBy: context.actor.name, at: at)
    }

    // MARK: bookmarks

    static func addBookmark(
        interviewID: UUID, at rawAt: String?, note rawNote: String?, context: AccessContext, on db: any Database
    ) async throws -> InterviewBookmark {
        let loaded = try await load(interviewID, context: context, on: db)
        try await AccessGuard.check(
            .editCrime, "crime", loaded.crime.id!, scope: loaded.scope, context: context, on: db)
        var v = Validator()
        let note = v.required(rawNote, "note", "the note", max: 2000)
        let at = Self.seconds(rawAt)
        if at == nil { v.fail("at", "Enter the time in the recording as minutes:seconds, for example 12:05") }
        try v.check()
        let bookmark = InterviewBookmark()
        bookmark.$interview.id = interviewID
        bookmark.atSeconds = at ?? 0
        bookmark.note = note
        bookmark.byName = context.actor.name
        bookmark.byID = context.actor.id
        bookmark.createdAt = Date()
        try await bookmark.create(on: db)
        return bookmark
    }

    /// "12:05", "1:02:03" or plain seconds ("725.4").
    static func seconds(_ raw: String?) -> Double? {
        guard let raw = raw?.trimmingWhitespace(), !raw.isEmpty, raw.count <= 20 else { return nil }
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.allSatisfy({ $0 != nil && $0! >= 0 }), (1...3).contains(parts.count) else { return nil }
        let value = parts.compactMap { $0 }.reduce(0) { $0 * 60 + $1 }
        return value.isFinite && value < 86_400 * 2 ? value : nil
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds)
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }

    // MARK: sharing

    static func share(
        interviewID: UUID, username rawUser: String?, days rawDays: String?, mayDownload: Bool,
        context: AccessContext, settings: EvidenceConfig, on db: any Database
    ) async throws -> EvidenceShare {
        let loaded = try await load(interviewID, context: context, on: db)
        try await check(.shareEvidence, loaded, context: context, on: db)
        var v = Validator()
        let username = v.required(rawUser, "username", "the prosecutor's username", max: 100)
        let typedDays = rawDays?.trimmingWhitespace() ?? ""
        let days = typedDays.isEmpty ? settings.shareDays : (Int(typedDays) ?? 0)
        if !(1...365).contains(days) { v.fail("days", "Enter a whole number of days from 1 to 365") }
        try v.check()
        guard let user = try await User.query(on: db).filter(\.$username == username.lowercased()).first(),
            user.active, user.role == .prosecutor
        else { throw DomainError.invalid("username", "No active prosecutor has that username.") }
        // A new share replaces any earlier live one with the same person (so narrowing a share narrows it).
        let earlier = try await EvidenceShare.query(on: db).filter(\.$interview.$id == interviewID)
            .filter(\.$user.$id == user.id!).filter(\.$revokedAt == nil).all()
        for old in earlier {
            old.revokedAt = Date()
            old.revokedByName = context.actor.name + " (replaced by a new share)"
            try await old.save(on: db)
        }
        let share = EvidenceShare()
        share.$interview.id = interviewID
        share.$user.id = user.id!
        share.mayDownload = mayDownload
        share.expiresAt = Date().addingTimeInterval(Double(days) * 86_400)
        share.byID = context.actor.id
        share.byName = context.actor.name
        share.createdAt = Date()
        try await share.create(on: db)
        let items = try await EvidenceItem.query(on: db).filter(\.$interview.$id == interviewID)
            .filter(\.$stateCode == EvidenceItem.State.complete.rawValue).all().compactMap(\.id)
        try await CustodyLog.append(
            .shared, items: items,
            detail:
                "with \(user.displayName) (\(user.username)) until \(ISO8601DateFormatter().string(from: share.expiresAt)); "
                + (mayDownload ? "view and download" : "view only"), actor: context.actor, on: db)
        try await AuditLog.record(
            .update, "interview", interviewID, summary: "shared with user \(user.id!)", context: context, on: db)
        return share
    }

    static func revoke(interviewID: UUID, shareID: UUID, context: AccessContext, on db: any Database) async throws {
        let loaded = try await load(interviewID, context: context, on: db)
        try await check(.shareEvidence, loaded, context: context, on: db)
        guard
            let share = try await EvidenceShare.query(on: db).filter(\.$id == shareID)
                .filter(\.$interview.$id == interviewID).with(\.$user).first()
        else { throw DomainError.notFound("share") }
        guard share.revokedAt == nil else { return }
        share.revokedAt = Date()
        share.revokedByName = context.actor.name
        try await share.save(on: db)
        let items = try await EvidenceItem.query(on: db).filter(\.$interview.$id == interviewID)
            .filter(\.$stateCode == EvidenceItem.State.complete.rawValue).all().compactMap(\.id)
        try await CustodyLog.append(
            .shareRevoked, items: items, detail: "from \(share.user.displayName) (\(share.user.username))",
            actor: context.actor, on: db)
        try await AuditLog.record(
            .update, "interview", interviewID, summary: "share \(shareID) revoked", context: context, on: db)
    }

    struct SharedRow: Sendable {
        var share: EvidenceShare
        var interview: Interview
        var crimeReference: String
    }

    /// What is shared with this prosecutor now.
    static func sharedWith(_ context: AccessContext, on db: any Database) async throws -> [SharedRow] {
        guard let user = context.actor.id, context.actor.role == .prosecutor else { return [] }
        let shares = try await EvidenceShare.query(on: db).filter(\.$user.$id == user).filter(\.$revokedAt == nil)
            .filter(\.$expiresAt > Date()).with(\.$interview) { $0.with(\.$crime) }.sort(\.$createdAt, .descending)
            .all()
        return shares.map {
            SharedRow(share: $0, interview: $0.interview, crimeReference: $0.interview.crime.reference)
        }
    }
}
