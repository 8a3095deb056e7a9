import Fluent
import Foundation
import Testing
import Vapor
import VictimCareDomain

@testable import VictimCareServer

/// The records the role × route × unit matrix acts on: for the actors' own unit (SN), another unit (CE), and a
/// record of the other unit shared with support partners (a victim whose referral was sent to the service).
struct MatrixFixture {
    enum Variant: String, CaseIterable, Sendable {
        case own, other, shared
    }

    struct Records: Sendable {
        var unit: CommandUnit
        var team: Team
        var crime: UUID
        var victim: UUID
        var person: UUID
        var link: UUID
        var point: UUID
        var review: UUID
        var request: UUID
        var invitation: UUID
        /// An interview of the victim with one complete recording, and an upload still arriving (issue 15).
        var interview: UUID
        var item: UUID
        var upload: UUID
        var share: UUID?
    }

    let world: World
    let records: [Variant: Records]

    static func make(_ app: Application) async throws -> MatrixFixture {
        let world = try await World(app)
        var records: [Variant: Records] = [:]
        for variant in Variant.allCases {
            let unit = variant == .own ? world.sn : world.ce
            let team = Team(commandUnitID: unit.id!, name: "Matrix \(variant.rawValue)", kind: "response")
            try await team.create(on: app.db)
            let reference =
                "\(unit.code)/\(variant == .shared ? "7770003" : variant == .own ? "7770001" : "7770002")/26"
            let created = try await world.crime(reference, unit: unit)
            let crimeID = try created.crime.requireID()
            let victim = created.victims[0]
            // A suspect, whose link the unlink route can name.
            let link = try await CrimeService.linkPerson(
                crimeID: crimeID, personID: nil,
                draft: PersonDraft(givenName: "Sam", familyName: "Suspect\(variant.rawValue)", snakeCase: true),
                role: "suspect", context: .system, on: app.db)
            let point = try #require(
                try await ContactPoint.query(on: app.db).filter(\.$person.$id == victim.personID).first())
            let decision = CaseEvent()
            decision.$crime.id = crimeID
            decision.typeCode = CaseEventType.decisionNotToProsecute.rawValue
            decision.at = Date().addingTimeInterval(-86_400)
            decision.recordedByName = "matrix"
            decision.source = "web"
            try await decision.create(on: app.db)
            let review = ReviewRequest()
            review.$victim.id = victim.victimID
            review.$decision.id = try decision.requireID()
            review.toldOn = London.date(of: Date()).description
            review.requestedAt = Date()
            review.recordedByName = "matrix"
            try await review.create(on: app.db)
            try await CaseAccess.requestCallBack(victimID: victim.victimID, when: "evenings", ip: nil, on: app.db)
            let request = try #require(
                try await CaseRequest.query(on: app.db).filter(\.$victim.$id == victim.victimID).first())
            let officer = try await world.user("matrix.\(variant.rawValue)", .officer, unit: unit)
            let invitation = try #require(
                try await FeedbackService.invite(
                    victimID: victim.victimID, source: .contact, sourceID: UUID(), by: officer.actor,
                    links: app.config.links, on: app.db))
            if variant == .shared {
                let referral = Referral()
                referral.$victim.id = victim.victimID
                referral.routeCode = Referral.Route.transfer.rawValue
                referral.statusCode = Referral.Status.sent.rawValue
                referral.createdAt = Date()
                referral.sentAt = Date()
                try await referral.create(on: app.db)
            }
            let victimLink = try #require(
                try await CrimePerson.query(on: app.db).filter(\.$crime.$id == crimeID)
                    .filter(\.$person.$id == victim.personID).first())
            let interview = try await InterviewService.create(
                crimeID: crimeID, linkID: victimLink.id!.uuidString,
                InterviewDraft(kind: "victim_account", place: "home", interviewers: "PC Matrix", consent: true),
                context: .system, on: app.db)
            let vault = try app.evidenceVault
            func newUpload(length: Int64) async throws -> EvidenceItem {
                try await UploadService.create(
                    .init(
                        length: length, deferLength: false,
                        metadata: ["interview": interview.id!.uuidString, "filetype": "video/webm"]),
                    source: "kit", context: .system, settings: app.config.evidence, vault: vault, on: app.db)
            }
            let complete = try await newUpload(length: 4)
            _ = try await UploadService.patch(
                complete.id!, .init(offset: 0, contentLength: 4, checksum: nil, length: nil),
                body: NoBytesThen(ByteBuffer(bytes: [1, 2, 3, 4])), context: .system, settings: app.config.evidence,
                vault: vault, on: app.db)
            let arriving = try await newUpload(length: 1000)
            records[variant] = Records(
                unit: unit, team: team, crime: crimeID, victim: victim.victimID, person: victim.personID,
                link: try link.requireID(), point: try point.requireID(), review: try review.requireID(),
                request: try request.requireID(), invitation: try invitation.requireID(), interview: interview.id!,
                item: complete.id!, upload: arriving.id!)
        }
        return MatrixFixture(world: world, records: records)
    }

    /// The scope of a variant's records, as `actor` sees it: the shared variant's person is shared with
    /// support partners (a referral sent), its interview with the prosecutor acting in the matrix.
    func scope(_ variant: Variant, for actor: Actor, interview: Bool = false) -> RecordScope {
        RecordScope(
            commandUnitIDs: [records[variant]!.unit.id!],
            sharedWithActor: variant == .shared && actor.role == (interview ? .prosecutor : .supportPartner))
    }

    /// Shares the shared variant's interview with this prosecutor.
    func share(with user: User, on db: any Database) async throws {
        let share = EvidenceShare()
        share.$interview.id = records[.shared]!.interview
        share.$user.id = try user.requireID()
        share.mayDownload = true
        share.expiresAt = Date().addingTimeInterval(86_400)
        share.byName = "matrix"
        share.createdAt = Date()
        try await share.create(on: db)
    }
}
