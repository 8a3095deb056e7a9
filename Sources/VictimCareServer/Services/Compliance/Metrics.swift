import Foundation
import VictimCareDomain

/// Where a metric's people come from. Each source is one aggregate query (`ComplianceCounts`); a metric picks
/// its numerator and denominator out of that query's columns, so the words on the definitions page and the
/// arithmetic live side by side here and nowhere else.
enum MetricSource: Sendable, Equatable {
    /// Obligations raised by these rules (and triggers): met by the deadline over those that fell due. Counted in
    /// the month the deadline fell. Waived and not-applicable obligations, and open ones not yet due, are left out.
    case obligations(codes: Set<String>, triggers: Set<String>? = nil)
    /// Victims of crimes reported in the month.
    case victims(VictimMeasure)
    /// Attempts to speak to a victim (calls, visits, video calls) in the month.
    case contacts
    /// Answers to the feedback asked after an interaction, by the month they were given.
    case feedback
    /// Answers to the 6–12 week satisfaction survey, by the month they were given.
    case survey(SurveyQuestion)
    /// Open obligations now: those past their deadline over all open ones. Not a monthly figure.
    case overdueNow

    enum VictimMeasure: String, Sendable {
        case enhanced, referralOffered, leafletEmail, leafletQR, leafletPrint
    }

    enum SurveyQuestion: String, Sendable {
        case overall, informed, fair
    }

    var monthly: Bool { self != .overdueNow }
}

struct Metric: Sendable, Identifiable {
    let id: String
    let section: String
    let title: String
    let definition: String
    let numerator: String
    let denominator: String
    let source: MetricSource
    var higherIsBetter = true
    /// Whether the victims behind the figure may be listed. Answers to feedback and the survey are not traced back
    /// to victims from the dashboard.
    var drillable: Bool {
        switch source {
        case .feedback, .survey: false
        default: true
        }
    }

    var periodText: String {
        switch source {
        case .obligations: "Counted in the month the deadline fell (London time)."
        case .victims: "Counted in the month the crime was reported (London time)."
        case .contacts: "Counted in the month of the attempt."
        case .feedback, .survey: "Counted in the month the answer was given."
        case .overdueNow: "As it stands now; not a monthly figure."
        }
    }
}

/// Every dashboard metric, defined once.
enum MetricCatalogue {
    private static func onTime(
        _ id: String, _ section: String, _ title: String, codes: Set<String>, triggers: Set<String>? = nil,
        duty: String, deadline: String
    ) -> Metric {
        Metric(
            id: id, section: section, title: title,
            definition: "\(duty), \(deadline). The deadline comes from the Victims' Code rules table (Admin → "
                + "Victims' Code), counted in England and Wales working days, shorter for enhanced-rights victims.",
            numerator: "Obligations met on or before their deadline",
            denominator:
                "Obligations whose deadline has passed, or that were met (waived and not-applicable ones left out)",
            source: .obligations(codes: codes, triggers: triggers))
    }

    static let updateTriggers: [(ObligationTrigger, String)] = [
        (.decisionNotToInvestigate, "R8"), (.suspectArrested, "R9"), (.suspectInterviewed, "R10"),
        (.releasedNFA, "R11"), (.bail, "R12"), (.releasedUnderInvestigation, "R12"),
        (.bailConditionsChanged, "R12"), (.decisionNotToProsecute, "R13"), (.charged, "R14"),
        (.outOfCourtDisposal, "R14"), (.propertyReadyForReturn, "R20"), (.updateInterval, "R15"),
    ]

    static let all: [Metric] = {
        var list: [Metric] = [
            onTime(
                "needs-assessment", "At reporting", "Needs assessment completed at reporting", codes: ["R6"],
                duty: "The Victim Needs Assessment completed",
                deadline: "within 1 working day of the crime being recorded"),
            Metric(
                id: "enhanced-identified", section: "At reporting",
                title: "Enhanced-rights (priority) victims identified",
                definition:
                    "Victims found eligible for enhanced rights (vulnerable, intimidated, persistently targeted, "
                    + "or victims of the most serious crime), by the needs assessment or the crime's flags.",
                numerator: "Victims with enhanced rights", denominator: "Victims of crimes reported in the month",
                source: .victims(.enhanced)),
            onTime(
                "recording-decision", "At reporting", "Crime recording decision within 24 hours", codes: ["R2"],
                duty: "The crime recording decision made (National Crime Recording Standard)",
                deadline: "within 24 hours of the report"),
            onTime(
                "confirmation", "At reporting", "Written confirmation on time", codes: ["R4"],
                duty: "Written confirmation of the crime given (offence, reference, officer's details)",
                deadline: "within 1 working day"),
            onTime(
                "leaflet", "At reporting", "Information leaflet on time", codes: ["R5"],
                duty: "The Victim Information leaflet given", deadline: "within 1 working day"),
        ]
        for (measure, how) in [
            (MetricSource.VictimMeasure.leafletEmail, "email"), (.leafletQR, "QR code"), (.leafletPrint, "print"),
        ] {
            list.append(
                Metric(
                    id: "leaflet-\(measure == .leafletEmail ? "email" : measure == .leafletQR ? "qr" : "print")",
                    section: "At reporting", title: "Leaflet given by \(how)",
                    definition: "Victims given the information leaflet by \(how) at any time (a victim given it two "
                        + "ways counts under both).",
                    numerator: "Victims given the leaflet by \(how)",
                    denominator: "Victims of crimes reported in the month", source: .victims(measure)))
        }
        list += [
            Metric(
                id: "referral-offered", section: "Support", title: "Referral offered",
                definition: "Victims asked whether they want a referral to a support service (the answer recorded: "
                    + "consent, declined, or explicit consent).",
                numerator: "Victims whose answer is recorded", denominator: "Victims of crimes reported in the month",
                source: .victims(.referralOffered)),
            onTime(
                "referral-on-time", "Support", "Referral made within 2 working days", codes: ["R7"],
                duty: "The victim referred to a support service, unless they declined",
                deadline: "within 2 working days"),
            onTime(
                "vps-offered", "Support", "Victim Personal Statement offered", codes: ["R16"],
                duty: "The Victim Personal Statement explained and offered",
                deadline: "within 5 working days (1 for enhanced-rights victims)"),
            onTime(
                "business-statement", "Support", "Impact Statement for Business offered", codes: ["R18"],
                duty: "A business victim's named contact offered the Impact Statement for Business",
                deadline: "within 5 working days"),
        ]
        list.append(
            onTime(
                "updates", "Updates", "All updates on time", codes: Set(updateTriggers.map(\.1)),
                duty: "Every update owed to the victim (each case event and the agreed regular update)",
                deadline: "by its deadline"))
        for (trigger, code) in updateTriggers {
            let what =
                trigger == .updateInterval
                ? "the agreed regular update" : (CaseEventType(rawValue: trigger.rawValue)?.label ?? trigger.rawValue)
            list.append(
                onTime(
                    "update-\(trigger.rawValue.replacingOccurrences(of: "_", with: "-"))", "Updates",
                    "Update on time: \(what.lowercased())", codes: [code], triggers: [trigger.rawValue],
                    duty: "The victim told (\(code)) after: \(what.lowercased())",
                    deadline: code == "R15"
                        ? "by the agreed interval" : "within 5 working days (1 for enhanced-rights victims)"))
        }
        list.append(
            onTime(
                "update-missed-explained", "Updates", "Missed updates explained", codes: ["R15W"],
                duty: "The victim told why an agreed regular update could not be given",
                deadline: "within 1 working day of the missed update"))
        list += [
            onTime(
                "review-acknowledged", "Right to Review", "Right to Review acknowledged on time", codes: ["VRR1"],
                duty: "A Right to Review request acknowledged", deadline: "within 10 working days"),
            onTime(
                "review-completed", "Right to Review", "Right to Review completed on time", codes: ["VRR2"],
                duty: "A Right to Review completed and the victim told the outcome", deadline: "within 30 working days"),
            Metric(
                id: "contact-successful", section: "Contact", title: "Contacts that were successful",
                definition: "Attempts to speak to a victim (phone, in person, video) that met the contact rule: the "
                    + "officer spoke to the victim, checked identity and welfare, by the preferred method, when it was "
                    + "safe to speak. A voicemail never counts.",
                numerator: "Successful contacts", denominator: "Attempts to speak to a victim", source: .contacts),
            Metric(
                id: "overdue-now", section: "Contact", title: "Obligations overdue now",
                definition: "Open obligations whose deadline has passed, as a share of all open obligations.",
                numerator: "Open obligations past their deadline", denominator: "Open obligations",
                source: .overdueNow, higherIsBetter: false),
            Metric(
                id: "feedback-satisfied", section: "Satisfaction", title: "Satisfied with the interaction (feedback)",
                definition:
                    "Victims who rated an interaction with an officer 4 or 5 out of 5 (fairly or very satisfied).",
                numerator: "Answers of 4 or 5", denominator: "Feedback answers given", source: .feedback),
            Metric(
                id: "survey-overall", section: "Satisfaction", title: "Satisfied overall (survey)",
                definition: "Survey respondents, 6–12 weeks after reporting, fairly or very satisfied overall.",
                numerator: "Answers of 4 or 5", denominator: "Survey answers", source: .survey(.overall)),
            Metric(
                id: "survey-informed", section: "Satisfaction", title: "Kept informed (survey)",
                definition: "Survey respondents who say they were kept informed.", numerator: "Answers of yes",
                denominator: "Survey answers", source: .survey(.informed)),
            Metric(
                id: "survey-fair", section: "Satisfaction", title: "Treated fairly (survey)",
                definition: "Survey respondents who say they were treated fairly and with respect.",
                numerator: "Answers of yes", denominator: "Survey answers", source: .survey(.fair)),
        ]
        return list
    }()

    static let byID: [String: Metric] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    static func find(_ id: String) throws -> Metric {
        guard let metric = byID[id] else { throw DomainError.notFound("metric") }
        return metric
    }
}

/// A calendar month in London.
struct YearMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    var year: Int
    var month: Int

    init(year: Int, month: Int) {
        let index = year * 12 + (month - 1)
        self.year = index / 12
        self.month = index % 12 + 1
    }

    init(_ date: LocalDate) { self.init(year: date.year, month: date.month) }

    init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            (1...12).contains(m)
        else { return nil }
        self.init(year: y, month: m)
    }

    var description: String { String(format: "%04d-%02d", year, month) }
    var label: String {
        let names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(names[month - 1]) \(year)"
    }
    var firstDay: LocalDate { LocalDate(year: year, month: month, day: 1)! }
    var start: Date { London.startOfDay(firstDay) }
    func adding(months: Int) -> YearMonth { YearMonth(year: year, month: month + months) }

    static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }

    /// The `count` months ending with `last`, oldest first.
    static func window(endingWith last: YearMonth, count: Int) -> [YearMonth] {
        (0..<count).map { last.adding(months: $0 - count + 1) }
    }
}
