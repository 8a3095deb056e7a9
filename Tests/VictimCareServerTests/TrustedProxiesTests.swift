import Testing

@testable import VictimCareServer

struct TrustedProxiesTests {
    let proxies = TrustedProxies(parsing: "10.0.0.0/8, 192.168.1.7, fd00::/8")!

    @Test func aClientWritingItsOwnHeaderIsNotBelieved() {
        // Not from a proxy: the header is the client's own words.
        #expect(proxies.client(peer: "198.51.100.4", forwardedFor: ["203.0.113.9"]) == "198.51.100.4")
        // From a proxy: the right-most address the proxies did not write themselves.
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["1.2.3.4, 198.51.100.4"]) == "198.51.100.4")
        #expect(
            proxies.client(peer: "10.1.2.3", forwardedFor: ["1.2.3.4", "198.51.100.4, 192.168.1.7"]) == "198.51.100.4")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        #expect(proxies.client(peer: "10.1.2.3", forwardedFor: ["not-an-address"]) == "10.1.2.3")
    }

    @Test func blocksMatchByPrefix() {
        #expect(proxies.contains("10.255.0.1"))
        #expect(!proxies.contains("11.0.0.1"))
        #expect(proxies.contains("192.168.1.7"))
        #expect(!proxies.contains("192.168.1.8"))
        #expect(proxies.contains("fd12::1"))
        #expect(!proxies.contains("fe80::1"))
        #expect(proxies.contains("::ffff:10.0.0.5"))
        #expect(TrustedProxies(parsing: "10.0.0.0/33") == nil)
        #expect(TrustedProxies(parsing: "nonsense") == nil)
        #expect(TrustedProxies.loopback.contains("127.0.0.1"))
        #expect(TrustedProxies.loopback.contains("::1"))
    }
}
