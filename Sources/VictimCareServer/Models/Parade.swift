import Fluent
import Foundation
import VictimCareDomain

/// A clip in the force's foil library: a volunteer filmed as Code D, Annex A asks (head and shoulders, the
/// same poses as the suspect's clip), described so that people resembling a suspect can be found. Stored
/// encrypted in the evidence store like a recording, with a chain of custody of its own.
final class ParadeFoil: Model, @unchecked Sendable {
    static let schema = "parade_foils"

    @ID(key: .id) var id: UUID?
    @Field(key: "age_band") var ageBand: String
    @Field(key: "sex") var sex: String
    @Field(key: "ethnicity") var ethnicity: String
    @Field(key: "build") var build: String
    @Field(key: "hair") var hair: String
    @Field(key: "marks") var marks: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "length") var length: Int64
    @Field(key: "sha256") var sha256: String
    @OptionalField(key: "duration_seconds") var durationSeconds: Double?
    @Field(key: "segment_size") var segmentSize: Int
    @Field(key: "wrapped_key") var wrappedKey: String
    @Field(key: "key_id") var keyID: String
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?
    @Field(key: "added_by_name") var addedByName: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "custody_seq") var custodySeq: Int
    @Field(key: "custody_head") var custodyHead: String

    init() {}

    var descriptor: IdentificationParade.Descriptor {
        .init(ageBand: ageBand, sex: sex, ethnicity: ethnicity, build: build, hair: hair, marks: marks)
    }

    /// The clip as the vault reads it: a complete sealed object under its own data key.
    var sealed: EvidenceItem {
        let item = EvidenceItem()
        item.id = id
        item.length = length
        item.received = length
        item.sha256 = $sha256.value
        item.segmentSize = segmentSize
        item.wrappedKey = wrappedKey
        item.keyID = keyID
        item.contentType = contentType
        item.durationSeconds = durationSeconds
        item.stateCode = EvidenceItem.State.complete.rawValue
        return item
    }
}

/// A video identification on a crime: the suspect's clip and the foils, in an order chosen at random when the
/// set was made, run by an identification officer who is an inspector or above and not investigating.
final class Parade: Model, @unchecked Sendable {
    static let schema = "parades"

    enum State: String, Sendable {
        /// Made; the suspect's solicitor has not yet seen it (or been given the chance).
        case solicitorReview = "solicitor_review"
        /// The solicitor has answered (or there is none, with the reason recorded): witnesses may be invited.
        case ready
        case closed
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    @Field(key: "suspect_link_id") var suspectLinkID: UUID
    @Field(key: "suspect_item_id") var suspectItemID: UUID
    @Field(key: "age_band") var ageBand: String
    @Field(key: "sex") var sex: String
    @Field(key: "ethnicity") var ethnicity: String
    @Field(key: "build") var build: String
    @Field(key: "hair") var hair: String
    @Field(key: "marks") var marks: String
    @Field(key: "officer_id") var officerID: UUID
    @Field(key: "officer_name") var officerName: String
    @Field(key: "state") var stateCode: String
    @OptionalField(key: "solicitor_token_hash") var solicitorTokenHash: String?
    @OptionalField(key: "solicitor_expires_at") var solicitorExpiresAt: Date?
    @OptionalField(key: "solicitor_opened_at") var solicitorOpenedAt: Date?
    @OptionalField(key: "solicitor_name") var solicitorName: String?
    @OptionalField(key: "solicitor_answered_at") var solicitorAnsweredAt: Date?
    @OptionalField(key: "no_solicitor_reason") var noSolicitorReason: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "custody_seq") var custodySeq: Int
    @Field(key: "custody_head") var custodyHead: String

    init() {}

    var state: State { State(rawValue: stateCode) ?? .solicitorReview }

    var descriptor: IdentificationParade.Descriptor {
        .init(ageBand: ageBand, sex: sex, ethnicity: ethnicity, build: build, hair: hair, marks: marks)
    }
}

/// One place in a parade. A clip replaced after an objection keeps its row (with `replacedAt`); the clip now
/// at that position is a new row.
final class ParadeClip: Model, @unchecked Sendable {
    static let schema = "parade_clips"

    @ID(key: .id) var id: UUID?
    @Field(key: "parade_id") var paradeID: UUID
    /// 1-based, as the witness is told the numbers.
    @Field(key: "position") var position: Int
    @OptionalField(key: "foil_id") var foilID: UUID?
    @Field(key: "is_suspect") var isSuspect: Bool
    @OptionalField(key: "replaced_at") var replacedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// What the suspect's solicitor said about the set, and what the identification officer did about it.
final class ParadeObjection: Model, @unchecked Sendable {
    static let schema = "parade_objections"

    @ID(key: .id) var id: UUID?
    @Field(key: "parade_id") var paradeID: UUID
    @Field(key: "by_name") var byName: String
    @Field(key: "text") var text: String
    /// The positions objected to, comma-separated (empty: the set as a whole).
    @Field(key: "positions") var positions: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "response") var response: String?
    /// What changed, as text: "position 3: foil <old> replaced by foil <new>".
    @OptionalField(key: "changes") var changes: String?
    @OptionalField(key: "responded_by_name") var respondedByName: String?
    @OptionalField(key: "responded_at") var respondedAt: Date?

    init() {}
}

/// One witness's viewing, opened by a single-use link sent through the outbox (so the safety gate decides
/// whether and how it goes).
final class ParadeViewing: Model, @unchecked Sendable {
    static let schema = "parade_viewings"

    @ID(key: .id) var id: UUID?
    @Field(key: "parade_id") var paradeID: UUID
    @Field(key: "victim_id") var victimID: UUID
    @OptionalField(key: "link_id") var linkID: UUID?
    @OptionalField(key: "message_id") var messageID: UUID?
    @Field(key: "channel") var channelCode: String
    @Field(key: "representative_present") var representativePresent: Bool
    @OptionalField(key: "representative_name") var representativeName: String?
    /// The SHA-256 of the secret the first browser to open the link was given: no other browser gets in.
    @OptionalField(key: "browser_hash") var browserHash: String?
    @OptionalField(key: "opened_at") var openedAt: Date?
    /// The clip being played now, and since when: a clip reported ended sooner than its length is not counted.
    @OptionalField(key: "playing_position") var playingPosition: Int?
    @OptionalField(key: "playing_since") var playingSince: Date?
    /// Each pass, as positions played to the end: "1,2,3|1,2".
    @Field(key: "passes") var passes: String
    @OptionalField(key: "answer") var answer: String?
    @OptionalField(key: "answer_position") var answerPosition: Int?
    @OptionalField(key: "media_seen") var mediaSeen: String?
    @OptionalField(key: "media_detail") var mediaDetail: String?
    @OptionalField(key: "recording_interview_id") var recordingInterviewID: UUID?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
