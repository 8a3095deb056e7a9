import CSpawn
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program and collects what it prints, spawned with `posix_spawn` directly.
///
/// Foundation's `Process` on Linux lists every descriptor the process has open (`/proc/self/fd`) to close them
/// in the child, and crashed doing so (a bad read inside `Process.run`, 2026-12-01, in the parallel test suite,
/// about 1,800 descriptors open). A busy server has as many (every connection is one). Here the pipes are made
/// close-on-exec, the child gets them as its standard output and error and `/dev/null` as its input, and every
/// other descriptor is closed in the child by one `closefrom` action, whatever their number.
enum Subprocess {
    struct Result: Sendable {
        var status: Int32
        var output: Data
        /// Standard error, cut to the size asked for.
        var errors: Data
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `program` with `arguments` on a thread of its own (it blocks while the program runs). `status` is the
    /// exit status, or 128 plus the signal that ended it.
    static func run(_ program: String, _ arguments: [String], errorLimit: Int = 2000) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Swift.Result { try runBlocking(program, arguments, errorLimit: errorLimit) })
            }
        }
    }

    static func runBlocking(_ program: String, _ arguments: [String], errorLimit: Int) throws -> Result {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard vc_pipe_cloexec(&outPipe) == 0 else { throw Failure(description: "pipe: \(errno)") }
        guard vc_pipe_cloexec(&errPipe) == 0 else {
            close(outPipe[0])
            close(outPipe[1])
            throw Failure(description: "pipe: \(errno)")
        }
        var readEnds = [outPipe[0], errPipe[0]]
        defer { for fd in readEnds where fd >= 0 { close(fd) } }

        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = argv.withUnsafeBufferPointer { args in
            vc_spawn(&pid, program, args.baseAddress!, outPipe[1], errPipe[1])
        }
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            throw Failure(description: "could not start \(program): \(String(cString: strerror(spawned)))")
        }

        // Both pipes read together, so a program filling one while the other is unread never stalls.
        var output = Data()
        var errors = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while readEnds.contains(where: { $0 >= 0 }) {
            var polled = readEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                // Reading cannot go on: the program is stopped and reaped rather than left writing into a pipe
                // nobody reads (the wait below would never end).
                let failure = errno
                kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                throw Failure(description: "poll: \(failure)")
            }
            for (index, entry) in polled.enumerated() where entry.fd >= 0 && entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if index == 0 {
                        output.append(contentsOf: buffer[0..<count])
                    } else if errors.count < errorLimit {
                        errors.append(contentsOf: buffer[0..<min(count, errorLimit - errors.count)])
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    readEnds[index] = -1
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid: \(errno)") }
        }
        let signal = status & 0x7f
        return Result(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, output: output, errors: errors)
    }
}
