import Foundation
import VictimCareServer

// A command that fails (a file that cannot be read, a database that is gone) has said why in the log: it ends
// with a non-zero status, not a crash report.
do {
    try await VictimCare.main()
} catch {
    exit(1)
}
