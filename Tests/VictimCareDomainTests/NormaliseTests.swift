import Testing

@testable import VictimCareDomain

struct NormaliseTests {
    @Test func nameKeysIgnoreCaseAccentsAndPunctuation() {
        #expect(Normalise.nameKey("O'Brien") == "obrien")
        #expect(Normalise.nameKey("O’BRIEN") == "obrien")
        #expect(Normalise.nameKey("Wiśniewski") == "wisniewski")
        #expect(Normalise.nameKey("Smith-Jones ") == "smithjones")
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
    }
}
