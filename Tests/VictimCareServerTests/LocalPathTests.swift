import Testing

@testable import VictimCareServer

struct LocalPathTests {
    @Test(arguments: ["/crimes/1?page=2", "/", "/victims/abc#contacts"])
    func pathsOnThisSiteAreKept(_ path: String) {
        #expect(LocalPath.parse(path) == path)
    }

    @Test(arguments: [
        "//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example/", "javascript:alert(1)",
        "evil.example", "/\u{0}x", " /crimes", "/\n/evil.example", "", "\\\\evil.example",
    ])
    func anythingElseIsRefused(_ path: String) {
        #expect(LocalPath.parse(path) == nil)
    }
}
