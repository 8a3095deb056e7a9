import Foundation
import Testing

@testable import VictimCareServer

/// The random tokens in victims' links, API tokens and invitations: URL-safe base64 of the system generator's bytes.
@Suite struct SecretsTests {
    @Test func tokensAreDistinctURLSafeAndCarryTheirBytes() throws {
        let safe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var seen = Set<String>()
        var ones = 0
        for _ in 0..<2_000 {
            let token = Secrets.randomToken()
            #expect(token.count == 43)
            #expect(token.allSatisfy(safe.contains), "\(token)")
            seen.insert(token)
            var standard = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
            let bytes = try #require(Data(base64Encoded: standard))
            #expect(bytes.count == 32)
            ones += bytes.reduce(0) { $0 + $1.nonzeroBitCount }
        }
        #expect(seen.count == 2_000)
        // About half of the 512,000 bits are set (the mean is 256,000; the standard deviation about 360).
        #expect(abs(ones - 256_000) < 4_000, "\(ones) bits set")
        // Lengths that are not a multiple of the draw.
        #expect(Secrets.randomToken(bytes: 16).count == 22)
        #expect(Secrets.randomToken(bytes: 5).count == 7)
        #expect(Secrets.randomToken(bytes: 1).count == 2)
    }

    @Test func base64URLReplacesTheTwoUnsafeCharactersAndDropsThePadding() {
        #expect(Secrets.base64URL(Data([0xFB, 0xFF])) == "-_8")
        #expect(Secrets.base64URL(Data([0xFB, 0xEF, 0xBE])) == "----")
        #expect(Secrets.base64URL(Data([0xFF, 0xFF, 0xFF])) == "____")
        #expect(Secrets.base64URL(Data("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw")
        #expect(Secrets.base64URL(Data()) == "")
    }
}
