import Fluent
import Foundation

/// One recording of an interview: uploaded with tus (the item's id is the upload's), stored encrypted in
/// segments under a data key of its own, and fixed by the SHA-256 of its exact bytes once complete.
final class EvidenceItem: Model, @unchecked Sendable {
    static let schema = "evidence_items"

    enum State: String, Sendable {
        /// Bytes still arriving; never shown as a recording.
        case uploading
        case complete
        /// Abandoned by the uploader (tus termination) or expired before it completed: bytes gone.
        case terminated
        case expired
        /// Deleted at a retention review by an authorised person with a reason: bytes gone, the row and the
        /// chain (ending in the tombstone) kept.
        case deleted
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "interview_id") var interview: Interview
    @Field(key: "crime_id") var crimeID: UUID
    @Field(key: "file_name") var fileName: String
    @Field(key: "content_type") var contentType: String
    /// `kit` (a finished file sent by a recording kit or the upload page) or `browser` (recorded in the page).
    @Field(key: "source") var source: String
    /// The declared length; nil while a recording in the browser is still going (tus defer-length).
    @OptionalField(key: "length") var length: Int64?
    /// Bytes durably stored: the tus offset.
    @Field(key: "received") var received: Int64
    @Field(key: "state") var stateCode: String
    @OptionalField(key: "sha256") var sha256: String?
    @Field(key: "segment_size") var segmentSize: Int
    /// The item's data key, wrapped (AES key wrap, RFC 3394) by the master key named by `keyID`.
    @Field(key: "wrapped_key") var wrappedKey: String
    @Field(key: "key_id") var keyID: String
    /// Whoever is writing bytes now, and until when (a PATCH holds it; a killed server's lapses).
    @OptionalField(key: "lock_token") var lockToken: String?
    @OptionalField(key: "lock_until") var lockUntil: Date?
    @OptionalField(key: "uploaded_by_id") var uploadedByID: UUID?
    @Field(key: "uploaded_by_name") var uploadedByName: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @OptionalField(key: "completed_at") var completedAt: Date?
    /// `original` (as uploaded, never changed), `rendition` (remuxed for browsers) or `poster` (a frame).
    @Field(key: "kind") var kind: String
    @OptionalField(key: "derived_from") var derivedFrom: UUID?
    /// `pending`, `processing`, `done` or `unreadable` (ffprobe could not read it: kept, but said so).
    @Field(key: "media_state") var mediaState: String
    @OptionalField(key: "media_claimed_at") var mediaClaimedAt: Date?
    /// ffprobe's account of the streams, as JSON (format name, duration, codecs).
    @OptionalField(key: "media_info") var mediaInfo: String?
    @OptionalField(key: "duration_seconds") var durationSeconds: Double?
    @OptionalField(key: "media_error") var mediaError: String?
    /// The sequence number and hash of the last entry written to this item's chain of custody.
    @Field(key: "custody_seq") var custodySeq: Int
    @Field(key: "custody_head") var custodyHead: String
    /// The random key the uploader sent with the creation request, so that a retried request finds this upload.
    @OptionalField(key: "creation_key") var creationKey: String?

    init() {}

    var state: State { State(rawValue: stateCode) ?? .uploading }
}
