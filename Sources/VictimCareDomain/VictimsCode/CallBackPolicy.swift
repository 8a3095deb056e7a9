/// The telephone and digital investigation unit's call-back policy: per offence, with effective dates.
/// An offence with no entry is called back.
public struct CallBackPolicy: Sendable {
    public struct Entry: Sendable, Hashable, Codable {
        public var offenceCode: String
        public var callBack: Bool
        /// Why not, or the condition (e.g. "IMEI needed"), in the officer's words.
        public var note: String
        public var from: LocalDate

        public init(offenceCode: String, callBack: Bool, note: String, from: LocalDate) {
            self.offenceCode = offenceCode
            self.callBack = callBack
            self.note = note
            self.from = from
        }
    }

    private let byOffence: [String: [Entry]]

    public init(entries: [Entry]) {
        byOffence = Dictionary(grouping: entries, by: \.offenceCode).mapValues { $0.sorted { $0.from < $1.from } }
    }

    /// The decision for a crime under `offenceCode` recorded on `date` by the telephone unit.
    public func decision(offenceCode: String, on date: LocalDate) -> VictimFacts.CallBack {
        guard let entries = byOffence[offenceCode], let entry = entries.last(where: { $0.from <= date }) else {
            return .required
        }
        return entry.callBack ? .required : .notRoutine(reason: "Not routinely called back: \(entry.note)")
    }
}
