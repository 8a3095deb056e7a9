import Logging
import NIOCore
import NIOPosix
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the `victimcare` command line: `serve` (the default), `migrate`, `create-user`, `create-token`,
/// `revoke-token`, `demo-data`.
public enum VictimCare {
    public static func main() async throws {
        #if canImport(Glibc)
            // Recordings stream through in 1 MiB segments. Above glibc's default threshold (128 KiB) every such
            // buffer is mapped and unmapped afresh, and the page faults cost a third of an upload's time; kept in
            // the heap they are reused.
            // (`mallopt` is glibc's, in malloc.h, which Swift's Glibc module leaves out: found by name.)
            if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
                typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
                let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
                _ = mallopt(-3, 32 << 20)  // M_MMAP_THRESHOLD
                _ = mallopt(-1, 128 << 20)  // M_TRIM_THRESHOLD
            }
        #endif
        var env = try Environment.detect()
        // `serve` is the default command: no command at all, or options only, serve too.
        let serving = env.arguments.count == 1 || env.arguments[1] == "serve" || env.arguments[1].hasPrefix("-")
        var onEventLoops = false
        if serving {
            // The server's async code runs on NIO's event loops instead of Swift's own pool: a request's every
            // database answer, completed on an event loop, resumes its task there without a hop to another
            // thread. The API's CPU for a recorded crime fell 12% (issue 17, twenty-second step). The commands
            // keep Swift's pool: the referral catch-up, planning on one side while it writes on the other, took
            // 15% longer on the event loops.
            onEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        // Production unless told otherwise (`--env development` re-reads templates on every render: Leaf turns
        // its cache off in development, which made every page several times slower).
        let chosen = CommandLine.arguments.contains { $0 == "--env" || $0 == "-e" || $0.hasPrefix("--env=") }
        if !chosen && Environment.process.VAPOR_ENV == nil {
            env = Environment(name: "production", arguments: env.arguments)
        }
        let config = AppConfig.fromEnvironment()
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                config.logFormat == "text" ? StreamLogHandler.standardError(label: label) : JSONLogHandler(label: label)
            handler.logLevel = config.logLevel
            return handler
        }
        if env.arguments.count == 1 { env.arguments.append("serve") }
        let app = try await Application.make(env)
        if serving && !onEventLoops { app.logger.warning("Swift's tasks run on their own pool, not NIO's event loops") }
        app.directory = Self.directory(detected: app.directory)
        do {
            try await configure(app, config: config)
            try await app.execute()
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// The working directory when it holds the app's Resources; otherwise the checkout the executable was built
    /// in (so `victimcare linkage run` and the other commands work from any directory).
    static func directory(detected: DirectoryConfiguration) -> DirectoryConfiguration {
        let files = FileManager.default
        if files.fileExists(atPath: detected.resourcesDirectory + "Views") { return detected }
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            if files.fileExists(atPath: dir.appendingPathComponent("Resources/Views").path) {
                return DirectoryConfiguration(workingDirectory: dir.path + "/")
            }
            dir.deleteLastPathComponent()
        }
        return detected
    }
}
