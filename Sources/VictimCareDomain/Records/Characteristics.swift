/// Self-declared protected characteristics, optional, for equality monitoring (Census 2021 categories).
/// Readable only by roles with ``Permission/viewProtectedCharacteristics``.
public struct Characteristics: Sendable, Equatable, Codable {
    public var sex: Sex?
    public var ethnicity: Ethnicity?
    public var disability: Disability?
    public var religion: Religion?
    public var sexualOrientation: SexualOrientation?

    public init(
        sex: Sex? = nil, ethnicity: Ethnicity? = nil, disability: Disability? = nil,
        religion: Religion? = nil, sexualOrientation: SexualOrientation? = nil
    ) {
        self.sex = sex
        self.ethnicity = ethnicity
        self.disability = disability
        self.religion = religion
        self.sexualOrientation = sexualOrientation
    }

    public var isEmpty: Bool {
        sex == nil && ethnicity == nil && disability == nil && religion == nil && sexualOrientation == nil
    }
}

public enum Sex: String, Labelled {
    case female, male
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .female: "Female"
        case .male: "Male"
        case .notStated: "Prefer not to say"
        }
    }
}

public enum Disability: String, Labelled {
    case limitedALot = "limited_a_lot"
    case limitedALittle = "limited_a_little"
    case notDisabled = "not_disabled"
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .limitedALot: "Disabled: day-to-day activities limited a lot"
        case .limitedALittle: "Disabled: day-to-day activities limited a little"
        case .notDisabled: "Not disabled"
        case .notStated: "Prefer not to say"
        }
    }

    public var isDisabled: Bool? {
        switch self {
        case .limitedALot, .limitedALittle: true
        case .notDisabled: false
        case .notStated: nil
        }
    }
}

public enum Religion: String, Labelled {
    case noReligion = "no_religion"
    case christian, buddhist, hindu, jewish, muslim, sikh
    case other
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .noReligion: "No religion"
        case .christian: "Christian"
        case .buddhist: "Buddhist"
        case .hindu: "Hindu"
        case .jewish: "Jewish"
        case .muslim: "Muslim"
        case .sikh: "Sikh"
        case .other: "Any other religion"
        case .notStated: "Prefer not to say"
        }
    }
}

public enum SexualOrientation: String, Labelled {
    case straight
    case gayOrLesbian = "gay_lesbian"
    case bisexual
    case other
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .straight: "Straight or heterosexual"
        case .gayOrLesbian: "Gay or lesbian"
        case .bisexual: "Bisexual"
        case .other: "Another sexual orientation"
        case .notStated: "Prefer not to say"
        }
    }
}

/// The nineteen ethnic groups of the 2021 Census of England and Wales, in their five high-level groups.
public enum Ethnicity: String, Labelled {
    case bangladeshi, chinese, indian, pakistani
    case otherAsian = "other_asian"
    case african, caribbean
    case otherBlack = "other_black"
    case whiteAndAsian = "white_asian"
    case whiteAndBlackAfrican = "white_black_african"
    case whiteAndBlackCaribbean = "white_black_caribbean"
    case otherMixed = "other_mixed"
    case whiteBritish = "white_british"
    case irish
    case gypsyOrIrishTraveller = "gypsy_irish_traveller"
    case roma
    case otherWhite = "other_white"
    case arab
    case otherEthnicGroup = "other_ethnic_group"
    case notStated = "not_stated"

    public var label: String {
        switch self {
        case .bangladeshi: "Bangladeshi"
        case .chinese: "Chinese"
        case .indian: "Indian"
        case .pakistani: "Pakistani"
        case .otherAsian: "Any other Asian background"
        case .african: "African"
        case .caribbean: "Caribbean"
        case .otherBlack: "Any other Black, Black British or Caribbean background"
        case .whiteAndAsian: "White and Asian"
        case .whiteAndBlackAfrican: "White and Black African"
        case .whiteAndBlackCaribbean: "White and Black Caribbean"
        case .otherMixed: "Any other Mixed or multiple ethnic background"
        case .whiteBritish: "English, Welsh, Scottish, Northern Irish or British"
        case .irish: "Irish"
        case .gypsyOrIrishTraveller: "Gypsy or Irish Traveller"
        case .roma: "Roma"
        case .otherWhite: "Any other White background"
        case .arab: "Arab"
        case .otherEthnicGroup: "Any other ethnic group"
        case .notStated: "Prefer not to say"
        }
    }

    /// The Census high-level group, used where cells would otherwise be too small to show.
    public var group: Group? {
        switch self {
        case .bangladeshi, .chinese, .indian, .pakistani, .otherAsian: .asian
        case .african, .caribbean, .otherBlack: .black
        case .whiteAndAsian, .whiteAndBlackAfrican, .whiteAndBlackCaribbean, .otherMixed: .mixed
        case .whiteBritish, .irish, .gypsyOrIrishTraveller, .roma, .otherWhite: .white
        case .arab, .otherEthnicGroup: .other
        case .notStated: nil
        }
    }

    public enum Group: String, Labelled {
        case asian, black, mixed, white, other

        public var label: String {
            switch self {
            case .asian: "Asian, Asian British or Asian Welsh"
            case .black: "Black, Black British, Black Welsh, Caribbean or African"
            case .mixed: "Mixed or Multiple ethnic groups"
            case .white: "White"
            case .other: "Other ethnic group"
            }
        }
    }
}
