/// One person as a records system holds them, before standardisation (the batch file's columns).
public struct LinkageInput: Sendable, Equatable, Codable {
    public var id: String
    public var givenName: String?
    public var familyName: String?
    public var dateOfBirth: String?
    public var postcode: String?
    public var phone: String?
    public var email: String?

    public init(
        id: String, givenName: String? = nil, familyName: String? = nil, dateOfBirth: String? = nil,
        postcode: String? = nil, phone: String? = nil, email: String? = nil
    ) {
        self.id = id
        self.givenName = givenName
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
        self.postcode = postcode
        self.phone = phone
        self.email = email
    }
}

/// Name lookups built from `LinkageVariantLists` (or an analyst's own lists).
public struct LinkageNames: Sendable {
    public var given: [String: String]
    public var family: [String: String]

    public static let none = LinkageNames(given: [:], family: [:])
    public static let standard = LinkageNames(
        given: parse(LinkageVariantLists.givenNames), family: parse(LinkageVariantLists.familyNames))

    public init(given: [String: String], family: [String: String]) {
        self.given = given
        self.family = family
    }

    /// "canonical: variant, variant" lines into variant → canonical (a variant listed under two names keeps the
    /// first).
    public static func parse(_ text: String) -> [String: String] {
        var map: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let canonical = LinkageText.name(String(parts[0])) else { continue }
            map[canonical] = map[canonical] ?? canonical
            for variant in parts[1].split(separator: ",") {
                if let v = LinkageText.name(String(variant)), map[v] == nil { map[v] = canonical }
            }
        }
        return map
    }
}

/// A person's fields made comparable (see `LinkageText`), with the keys a comparison needs precomputed so that
/// comparing two records allocates nothing: names, mailboxes and postcode parts compare by 64-bit key, a date of
/// birth and a phone number as integers.
public struct LinkageRecord: Sendable {
    public struct Name: Sendable {
        public var text: String
        public var scalars: [UInt32]
        /// The canonical variant (nickname or transliteration mapped), or the name itself.
        public var canonical: String
        public var sound: String
        /// A single letter ("F." recorded for Fatima).
        public var isInitial: Bool
        public var key: UInt64
        public var canonicalKey: UInt64
        public var soundKey: UInt64

        init(_ text: String, variants: [String: String]) {
            self.text = text
            scalars = text.unicodeScalars.map(\.value)
            canonical = variants[text] ?? text
            sound = LinkageText.soundKey(canonical)
            isInitial = scalars.count == 1
            key = LinkageText.key(text)
            canonicalKey = LinkageText.key(canonical)
            soundKey = sound.isEmpty ? 0 : LinkageText.key(sound)
        }
    }

    public var given: Name?
    public var family: Name?
    public var birth: LinkageText.BirthDate?
    public var postcode: LinkageText.Postcode?
    public var phone: String?
    public var email: String?
    /// The phone's national digits as a number (0: none).
    public var phoneNumber: UInt64
    /// The whole address and its mailbox name, as keys (0: none).
    public var emailKey: UInt64
    public var mailboxKey: UInt64

    public init(_ input: LinkageInput, names: LinkageNames) {
        given = LinkageText.name(input.givenName).map { Name($0, variants: names.given) }
        family = LinkageText.name(input.familyName).map { Name($0, variants: names.family) }
        birth = LinkageText.birthDate(input.dateOfBirth)
        postcode = LinkageText.postcode(input.postcode)
        phone = LinkageText.phone(input.phone)
        email = LinkageText.email(input.email)
        phoneNumber = phone.flatMap { UInt64($0) } ?? 0
        emailKey = email.map(LinkageText.key) ?? 0
        mailboxKey = email.map { LinkageText.key(String($0.split(separator: "@").first ?? Substring($0))) } ?? 0
    }
}
