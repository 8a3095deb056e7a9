import Foundation

/// A progress line on standard error: redrawn in place on a terminal, every tenth otherwise (CI logs).
struct Progress {
    let title: String
    let total: Int
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastShown = -1
    private let started = Date()

    init(_ title: String, total: Int) {
        self.title = title
        self.total = max(total, 1)
    }

    mutating func update(_ done: Int) {
        let percent = done * 100 / total
        let step = isTerminal ? percent : percent / 10 * 10
        guard step != lastShown else { return }
        lastShown = step
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let elapsed = Date().timeIntervalSince(started)
        let line = "\(title) [\(bar)] \(percent)% \(done)/\(total) \(String(format: "%.0fs", elapsed))"
        // Shown if it can be: a progress line that cannot be written must not stop the work it reports on.
        try? FileHandle.standardError.write(
            contentsOf: Data(((isTerminal ? "\r" : "") + line + (isTerminal ? "" : "\n")).utf8))
    }

    func finish() {
        if isTerminal { try? FileHandle.standardError.write(contentsOf: Data("\n".utf8)) }
    }
}
