import Fluent
import Foundation

/// An interview with one of a crime's people: a victim's or witness's account, an Achieving Best Evidence
/// video-recorded interview, or a suspect's interview under caution, with who was there and where.
final class Interview: Model, @unchecked Sendable {
    static let schema = "interviews"

    @ID(key: .id) var id: UUID?
    @Parent(key: "crime_id") var crime: Crime
    /// The person interviewed, as linked to the crime (their role on it decides the kinds allowed).
    @Parent(key: "crime_person_id") var link: CrimePerson
    @Field(key: "kind") var kindCode: String
    @Field(key: "place") var placeCode: String
    @OptionalField(key: "place_detail") var placeDetail: String?
    /// The interviewing officers' names, one per line.
    @Field(key: "interviewers") var interviewers: String
    @OptionalField(key: "interpreter") var interpreter: String?
    @OptionalField(key: "intermediary") var intermediary: String?
    @OptionalField(key: "appropriate_adult") var appropriateAdult: String?
    @OptionalField(key: "legal_representative") var legalRepresentative: String?
    @Field(key: "consent") var consent: Bool
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "created_by_id") var createdByID: UUID?
    @Field(key: "created_by_name") var createdByName: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
