import Foundation

/// Video identification under PACE Code D, Annex A: the rules a parade must meet before a witness sees it,
/// while they see it, and for who runs it. Pure rules; the server stores the parade and its clips.
public enum IdentificationParade {
    /// How a person in a clip looks, as the foil library records it.
    public struct Descriptor: Sendable, Equatable, Codable {
        /// "18-25", "26-35", "36-45", "46-55", "56+".
        public var ageBand: String
        public var sex: String
        public var ethnicity: String
        public var build: String
        public var hair: String
        public var marks: String

        public init(ageBand: String, sex: String, ethnicity: String, build: String, hair: String, marks: String = "") {
            self.ageBand = ageBand
            self.sex = sex
            self.ethnicity = ethnicity
            self.build = build
            self.hair = hair
            self.marks = marks
        }
    }

    public static let ageBands = ["18-25", "26-35", "36-45", "46-55", "56+"]

    /// Annex A: at least eight other people with the suspect; with two suspects of roughly similar appearance,
    /// at least twelve.
    public static func minimumFoils(suspects: Int) -> Int { suspects >= 2 ? 12 : 8 }

    /// Whether a foil resembles a suspect "in age, general appearance and position in life": the same sex and
    /// ethnicity, an age band at most one apart. Build and hair are for the officer's judgement and the
    /// solicitor's objections, not a hard rule.
    public static func resembles(_ foil: Descriptor, _ suspect: Descriptor) -> Bool {
        guard foil.sex == suspect.sex, foil.ethnicity == suspect.ethnicity,
            let a = ageBands.firstIndex(of: foil.ageBand), let b = ageBands.firstIndex(of: suspect.ageBand)
        else { return false }
        return abs(a - b) <= 1
    }

    /// What stops a set of clips from being shown.
    public static func problems(suspects: [Descriptor], foils: [Descriptor]) -> [String] {
        var problems: [String] = []
        if suspects.isEmpty || suspects.count > 2 {
            problems.append("A video identification shows one suspect, or two of roughly similar appearance.")
        }
        let needed = minimumFoils(suspects: suspects.count)
        if foils.count < needed {
            problems.append(
                "At least \(needed) other people must be shown with \(suspects.count == 2 ? "two suspects" : "the suspect"); there are \(foils.count)."
            )
        }
        for (index, foil) in foils.enumerated() where !suspects.allSatisfy({ resembles(foil, $0) }) {
            problems.append("Clip \(index + 1) does not resemble the suspect in sex, ethnicity or age.")
        }
        if suspects.count == 2, !resembles(suspects[0], suspects[1]) {
            problems.append("Two suspects are shown together only if they are of roughly similar appearance.")
        }
        return problems
    }

    /// The order the clips are shown in, chosen at random and recorded: each entry is the index of a clip in
    /// `suspects + foils`.
    public static func order<R: RandomNumberGenerator>(clips: Int, using generator: inout R) -> [Int] {
        Array(0..<clips).shuffled(using: &generator)
    }

    /// The identification officer runs the parade: an inspector or above, and not involved in the
    /// investigation (Code D 3.11).
    public static func officerProblem(rank: Rank?, isInvestigating: Bool) -> String? {
        guard let rank, rank >= .inspector else {
            return "The identification officer must be an inspector or above."
        }
        if isInvestigating { return "The identification officer must not be involved in the investigation." }
        return nil
    }

    /// What the witness may answer.
    public enum Answer: String, Sendable, CaseIterable {
        case identified
        case notPresent = "not_present"
        case notSure = "not_sure"
    }

    /// A witness's viewing: each clip must have been played to its end, and the whole set seen at least twice,
    /// before the answer form opens (Annex A 11).
    public struct Viewing: Sendable, Equatable {
        public var clips: Int
        /// Clips played to the end in each pass, by pass.
        public private(set) var passes: [Set<Int>] = [[]]

        public init(clips: Int) { self.clips = clips }

        public mutating func watched(clip: Int) {
            guard (0..<clips).contains(clip) else { return }
            if passes[passes.count - 1].count == clips { passes.append([]) }
            passes[passes.count - 1].insert(clip)
        }

        public var completePasses: Int { passes.filter { $0.count == clips }.count }
        public var answerUnlocked: Bool { clips > 0 && completePasses >= 2 }
    }
}
