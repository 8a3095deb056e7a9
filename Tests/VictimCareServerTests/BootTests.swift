import Logging
import NIOConcurrencyHelpers
import Testing
import Vapor

@testable import VictimCareServer

/// What boot leaves made, so nothing is made (and written into the application's storage) by a background worker
/// racing the server's start.
@Suite struct BootTests {
    /// Every warning the application logs, kept.
    final class Warnings: LogHandler, @unchecked Sendable {
        private let lock = NIOLock()
        private var kept: [String] = []
        var logLevel: Logger.Level = .warning
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lock.withLock { kept.append("\(event.message)") }
        }
        var messages: [String] { lock.withLock { kept } }
    }

    @Test func theSharedHTTPClientIsMadeAtBootNotOnFirstUse() async throws {
        try await withTestApp { app in
            try await app.asyncBoot()
            let warnings = Warnings()
            app.logger = Logger(label: "boot-test") { _ in warnings }
            // Vapor warns that the configuration cannot change once its shared client has been made; before this
            // it would take the new configuration, silently, and make the client on the first `app.client`.
            app.http.client.configuration = app.http.client.configuration
            #expect(warnings.messages.contains { $0.contains("after client has been used") }, "\(warnings.messages)")
        }
    }
}
