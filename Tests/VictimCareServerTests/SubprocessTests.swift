import Foundation
import Testing

@testable import VictimCareServer

/// The media tools are started without Foundation's `Process` (it crashed in `Process.run` with ~1,800 descriptors
/// open). What a program is given and what comes back, with thousands of descriptors open, many at once.
@Suite struct SubprocessTests {
    @Test func aProgramGetsOnlyItsOwnDescriptorsAndItsOutputErrorsAndStatusComeBack() async throws {
        // Thousands of descriptors open in this process, as on a busy server (each connection is one).
        var held: [Int32] = []
        for _ in 0..<3000 { held.append(open("/dev/null", O_RDONLY)) }
        defer { for fd in held { close(fd) } }
        #expect(held.allSatisfy { $0 >= 0 })

        try await withThrowingTaskGroup(of: Subprocess.Result.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    try await Subprocess.run(
                        "/bin/sh",
                        ["-c", "ls /proc/self/fd | wc -l; read line; echo \"[$line]\"; echo 'gone wrong' >&2; exit 3"])
                }
            }
            for try await result in group {
                #expect(result.status == 3)
                let lines = String(decoding: result.output, as: UTF8.self).split(separator: "\n")
                // ls sees its standard input, output and error and the directory it lists: nothing inherited.
                #expect((Int(lines.first ?? "") ?? 99) <= 4, "\(lines)")
                // Input is /dev/null: the read gets nothing.
                #expect(lines.dropFirst().first == "[]")
                #expect(String(decoding: result.errors, as: UTF8.self) == "gone wrong\n")
            }
        }
    }

    @Test func bothStreamsAreReadTogetherAndErrorsAreCutToTheLimit() async throws {
        // 3 MB to standard error before anything to standard output: read one pipe at a time, this would stall.
        let result = try await Subprocess.run(
            "/bin/sh", ["-c", "head -c 3000000 /dev/zero >&2; head -c 5000000 /dev/zero"], errorLimit: 100)
        #expect(result.status == 0)
        #expect(result.output.count == 5_000_000)
        #expect(result.errors.count == 100)
    }

    @Test func aProgramKilledBySignalAndOneThatDoesNotExistAreToldApart() async throws {
        let killed = try await Subprocess.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == 128 + 9)
        await #expect(throws: Subprocess.Failure.self) {
            _ = try await Subprocess.run("/nonexistent/program", [])
        }
    }

    @Test func aProgramStartsWithNoSignalIgnoredOrBlocked() async throws {
        // The server ignores SIGPIPE (a closed socket is an error, not a death); a media tool must not inherit that.
        signal(SIGPIPE, SIG_IGN)
        let result = try await Subprocess.run("/bin/grep", ["-E", "^Sig(Ign|Blk):", "/proc/self/status"])
        #expect(result.status == 0)
        let lines = String(decoding: result.output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        // The standard signals (1 to 31, bits 0 to 30); glibc keeps signals 32 and 33 for its threads.
        for line in lines {
            let mask = UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? .max
            #expect(mask & 0x7FFF_FFFF == 0, "\(line)")
        }
    }
}
