import Testing

@testable import VictimCareDomain

struct NormaliseTests {
    @Test func nameKeysIgnoreCaseAccentsAndPunctuation() {
        #expect(Normalise.nameKey("O'Brien") == "obrien")
        #expect(Normalise.nameKey("O’BRIEN") == "obrien")
        #expect(Normalise.nameKey("Wiśniewski") == "wisniewski")
        #expect(Normalise.nameKey("Smith-Jones ") == "smithjones")
    }

    /// A name in ASCII takes a short path: its key is the one Foundation's folding gives, for every ASCII
    /// character alone and in random names; names in other scripts still fold.
    @Test func asciiNameKeysAreTheFoldedKeys() {
        for value in UInt8(0)..<0x80 {
            let text = "A" + String(UnicodeScalar(value)) + "z"
            #expect(Normalise.nameKey(text) == Normalise.foldedNameKey(text), "\(value)")
        }
        var random = SeededRandom(seed: 17)
        for _ in 0..<2_000 {
            let text = String(
                decoding: (0..<Int.random(in: 0...40, using: &random)).map { _ in
                    UInt8.random(in: 0..<0x80, using: &random)
                },
                as: UTF8.self)
            #expect(Normalise.nameKey(text) == Normalise.foldedNameKey(text), "\(text.debugDescription)")
        }
        #expect(Normalise.nameKey("Ｏ'Ｂｒｉｅｎ") == "obrien")
        #expect(Normalise.nameKey("Zoë-Ann") == "zoeann")
        #expect(Normalise.nameKey("王 小明") == "王小明")
        #expect(Normalise.nameKey("Мария") == "мария")
    }

    @Test(arguments: [
        ("sw1a1aa", "SW1A 1AA"), ("BR1 3LS", "BR1 3LS"), ("cr0  2ab", "CR0 2AB"), ("e1 6an", "E1 6AN"),
        ("W2 1AA", "W2 1AA"),
    ])
    func postcodesAreCanonical(_ input: String, _ expected: String) {
        #expect(Normalise.postcode(input) == expected)
    }

    @Test(arguments: ["", "SW1A", "12345", "SW1A 1A", "SW1A 1AAA", "S1 A1A", "ZZ", "SW1A-1AA"])
    func nonPostcodesAreRejected(_ input: String) {
        #expect(Normalise.postcode(input) == nil)
    }

    @Test func crimeReferences() {
        #expect(Normalise.crimeReference(" sn/0012345/25 ") == "SN/0012345/25")
        #expect(Normalise.crimeReference("abc") == nil)
        #expect(Normalise.crimeReference("/SN/1234") == nil)
        #expect(Normalise.crimeReference("SN 1234") == nil)
        #expect(Normalise.crimeReference(String(repeating: "A", count: 33)) == nil)
    }

    @Test func phonesAndEmails() {
        #expect(Normalise.phone("07700 900123") == "07700 900123")
        #expect(Normalise.phone("+44 (0)20 7946 0000") != nil)
        #expect(Normalise.phone("12345") == nil)
        #expect(Normalise.phone("0770O 900123") == nil)
        #expect(Normalise.email("ada@example.com") == "ada@example.com")
        #expect(Normalise.email("ada@example") == nil)
        #expect(Normalise.email("a da@example.com") == nil)
        #expect(Normalise.email("@example.com") == nil)
        #expect(Normalise.email("ada@.example.com") == nil)
        #expect(Normalise.email("ada@example.com.") == nil)
        #expect(Normalise.email("ada@ex@ample.com") == nil)
        #expect(Normalise.email(" 王小明@例子.中国 ") == "王小明@例子.中国")
    }
}
