import Foundation
import Vapor
import VictimCareDomain

/// Words for the codes the Victims' Code pages show.
enum VictimsCodeText {
    static func trigger(_ raw: String) -> String {
        switch raw {
        case "crime_reported": "Crime reported"
        case "crime_recorded": "Became a victim of the crime"
        case "update_missed": "A regular update was missed"
        case "update_interval": "Regular update"
        case "enhanced_identified": "Enhanced rights identified"
        case "review_requested": "Review requested"
        default: CaseEventType(rawValue: raw)?.label ?? raw
        }
    }

    static func status(_ o: ObligationRecord, now: Date) -> (text: String, tag: String) {
        switch o.status(now: now) {
        case .overdue: ("Overdue", "tag-warn")
        case .due: ("Due", "")
        case .met:
            (
                o.metAt.map { $0 > o.dueAt ? "Met late" : "Met" } ?? "Met",
                o.metAt.map { $0 > o.dueAt ? "tag-late" : "tag-ok" } ?? "tag-ok"
            )
        case .notApplicable: ("Not applicable", "tag-muted")
        case .waived: ("Waived", "tag-muted")
        }
    }
}

struct ObligationLine: Encodable {
    var code: String
    var key: String
    var duty: String
    var raisedBy: String
    var raisedAt: String
    var due: String
    var status: String
    var statusTag: String
    var detail: String
    var open: Bool
    /// Overdue with no attempt to reach the victim since it fell due: the officer is asked to try.
    var prompt: String = ""

    init(_ o: ObligationRecord, duty: String, now: Date, attempts: [Date] = []) {
        if o.domain.needsAttempt(attempts: attempts.map(\.timeIntervalSince1970), now: now.timeIntervalSince1970) {
            prompt =
                "Overdue, and nobody has tried to reach them since: try now, and record the attempt whatever happens."
        }
        let (text, tag) = VictimsCodeText.status(o, now: now)
        code = o.code
        key = o.key
        self.duty = duty
        raisedBy = VictimsCodeText.trigger(o.trigger)
        raisedAt = Display.time(o.triggeredAt)
        due = Display.date(o.dueDate)
        status = text
        statusTag = tag
        open = o.state == "open"
        if let metBy = o.metBy {
            detail = "By \(metBy)"
        } else if let reason = o.reason {
            detail = reason
        } else {
            detail = ""
        }
    }
}

struct ContactLine: Encodable {
    var at: String
    var direction: String
    var method: String
    var outcome: String
    var counted: String
    var reasons: [String]
    var warnings: [String]
    var by: String
    var notes: String

    init(_ c: Contact) {
        at = Display.time(c.at)
        direction = c.direction == "inbound" ? "They contacted us" : "We contacted them"
        method = c.method?.label ?? c.methodCode
        outcome = c.outcome?.label ?? c.outcomeCode
        counted = c.successful ? "Successful contact" : (c.countsAsUpdate ? "Written update" : "Attempt only")
        reasons = c.reasons.split(separator: "\n").map(String.init)
        warnings = c.warnings.split(separator: "\n").map(String.init)
        by = c.byName
        notes = c.notes ?? ""
    }
}
