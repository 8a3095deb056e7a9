import Foundation
import Testing
import VictimCareQR

@testable import VictimCareServer

/// QR codes from libqrencode, drawn by VictimCareQR, read back by a real decoder (zbarimg from Debian).
@Suite struct QRCodeTests {
    static let zbar = "/usr/bin/zbarimg"

    func decode(_ bytes: [UInt8], suffix: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).\(suffix)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // Not Foundation's Process: it crashes with many descriptors open, as the parallel suite has.
        let result = try Subprocess.runBlocking(Self.zbar, ["--raw", "-q", file.path], errorLimit: 2000)
        #expect(result.status == 0, "zbarimg found no code")
        return String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aPNGDecodesToTheLinkItWasMadeFrom() throws {
        for link in [
            "http://127.0.0.1:8080/l/Vx3kq9-_ZpQ8mB2nRfT0aYc7LwE5hJ1uD6sG4oKiN8e",
            "https://victimcare.example.police.uk/f/" + String(repeating: "A", count: 43),
        ] {
            let code = try QRCode(link)
            let png = code.png(scale: 4)
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            #expect(try decode(png, suffix: "png") == link)
        }
    }

    @Test func aLargePNGSpansSeveralStoredBlocksAndStillDecodes() throws {
        // At 40 pixels a module the image data is well over the 65,535 bytes of one stored deflate block.
        let link = "http://127.0.0.1:8080/track/" + String(repeating: "z", count: 43)
        let png = try QRCode(link).png(scale: 40)
        #expect(png.count > 140_000)
        #expect(try decode(png, suffix: "png") == link)
    }

    @Test func theSVGHasOnePathWithTheQuietZoneAndAnEscapedTitle() throws {
        let code = try QRCode("http://127.0.0.1:8080/l/abc")
        let svg = code.svg(title: "Leaflet <for> \"you\" & yours")
        #expect(
            svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(code.size + 8) \(code.size + 8)\"")
        )
        #expect(svg.contains("<title>Leaflet &lt;for&gt; &quot;you&quot; &amp; yours</title>"))
        #expect(svg.components(separatedBy: "<path").count == 2)
        // Finder pattern: the top-left 7 modules of the first row are dark, drawn as one run from the border.
        #expect(svg.contains("M4 4h7v1h-7z"))
    }

    @Test func emptyTextIsRefused() {
        #expect(throws: QRCode.Failure.self) { try QRCode("") }
    }
}
