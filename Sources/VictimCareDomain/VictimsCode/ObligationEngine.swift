/// Everything the engine needs to know about one victim of one crime. Times are seconds since 1970.
public struct VictimFacts: Sendable {
    public struct Event: Sendable {
        public var key: String
        public var trigger: ObligationTrigger
        public var at: Double

        public init(key: String, trigger: ObligationTrigger, at: Double) {
            self.key = key
            self.trigger = trigger
            self.at = at
        }
    }

    public struct Done: Sendable {
        public var kind: Fulfilment
        public var at: Double
        /// What did it, for the officer: "phone call, 3 Mar 14:05", "referral batch 12".
        public var label: String
        /// The language it was given in (the leaflet), when that matters and is known.
        public var language: String?

        public init(kind: Fulfilment, at: Double, label: String, language: String? = nil) {
            self.kind = kind
            self.at = at
            self.label = label
            self.language = language
        }

        /// Earlier first; two things done at the same moment in a fixed order (kind, then label), so which one
        /// is shown as meeting a duty does not depend on the order the rows were read in (PostgreSQL returns
        /// rows with the same time in no set order: a recompute turned "Information leaflet given" into
        /// "Interpreter arranged, 10 Jan 2026, 10:10" for a leaflet and an interpreter recorded together).
        public static func precedes(_ a: Done, _ b: Done) -> Bool {
            if a.at != b.at { return a.at < b.at }
            if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
            return a.label < b.label
        }
    }

    public struct Review: Sendable {
        public var key: String
        public var requestedAt: Double
        public var acknowledgedAt: Double?
        public var completedAt: Double?

        public init(key: String, requestedAt: Double, acknowledgedAt: Double?, completedAt: Double?) {
            self.key = key
            self.requestedAt = requestedAt
            self.acknowledgedAt = acknowledgedAt
            self.completedAt = completedAt
        }
    }

    public enum CallBack: Sendable, Equatable {
        /// The crime is not with the telephone and digital investigation unit.
        case notTelephoneUnit
        case required
        case notRoutine(reason: String)
    }

    /// A time when the regular update (R15) is not the investigating team's: the case was closed, or the
    /// Witness Care Unit had taken over after charge. `to` is nil while it lasts.
    public struct Pause: Sendable, Equatable {
        public enum Why: String, Sendable {
            case closed
            case witnessCare = "witness_care"
        }

        public var from: Double
        public var to: Double?
        public var why: Why

        public init(from: Double, to: Double?, why: Why) {
            self.from = from
            self.to = to
            self.why = why
        }
    }

    /// When the report reached the police.
    public var recordedAt: Double
    /// When this person became a victim of the crime: the report, or later when they were linked to it
    /// (2026-11-30, issue 14). The report-time duties run from here. Nil: at the report.
    public var becameVictimAt: Double?
    /// When the crime recording decision was made (R2).
    public var recordingDecisionAt: Double?
    /// The times the regular update is not owed, any order (they may overlap).
    public var pauses: [Pause]
    public var flags: Set<CrimeFlag>
    public var callBack: CallBack
    /// Changes in enhanced status, oldest first; the first entry is at (or before) the victim's start.
    public var enhancedHistory: [(at: Double, enhanced: Bool)]
    public var bereaved: Bool
    /// When the needs assessment first recorded the victim as bereaved (nil: from the start).
    public var bereavedSince: Double?
    public var interpreterNeeded: Bool
    /// When the needs assessment first recorded the need for an interpreter (nil: from the start).
    public var interpreterNeededSince: Double?
    /// The victim's language (a code such as "pl"); the leaflet counts only in it.
    public var language: String
    /// The current answer about a referral.
    public var referralConsent: ReferralConsent
    /// Every answer about a referral with its time, oldest first (R7 after explicit consent).
    public var consentHistory: [(at: Double, consent: ReferralConsent)]
    public var basis: VictimBasis
    /// The update interval agreed with this victim, if it differs from the policy's.
    public var agreedUpdateDays: Int?
    public var events: [Event]
    /// Everything done for the victim that can meet an obligation, any order.
    public var done: [Done]
    public var reviews: [Review]
    /// Obligation keys a supervisor waived, with the reason.
    public var waivers: [String: String]

    public init(
        recordedAt: Double, becameVictimAt: Double? = nil, recordingDecisionAt: Double? = nil, pauses: [Pause] = [],
        flags: Set<CrimeFlag> = [], callBack: CallBack = .notTelephoneUnit,
        enhancedHistory: [(at: Double, enhanced: Bool)] = [], bereaved: Bool = false, bereavedSince: Double? = nil,
        interpreterNeeded: Bool = false, interpreterNeededSince: Double? = nil, language: String = "en",
        referralConsent: ReferralConsent = .notAsked, consentHistory: [(at: Double, consent: ReferralConsent)] = [],
        basis: VictimBasis = .direct, agreedUpdateDays: Int? = nil, events: [Event] = [], done: [Done] = [],
        reviews: [Review] = [], waivers: [String: String] = [:]
    ) {
        self.recordedAt = recordedAt
        self.becameVictimAt = becameVictimAt
        self.recordingDecisionAt = recordingDecisionAt
        self.pauses = pauses
        self.flags = flags
        self.callBack = callBack
        self.enhancedHistory = enhancedHistory
        self.bereaved = bereaved
        self.bereavedSince = bereavedSince
        self.interpreterNeeded = interpreterNeeded
        self.interpreterNeededSince = interpreterNeededSince
        self.language = language
        self.referralConsent = referralConsent
        self.consentHistory = consentHistory
        self.basis = basis
        self.agreedUpdateDays = agreedUpdateDays
        self.events = events
        self.done = done
        self.reviews = reviews
        self.waivers = waivers
    }

    /// When the report-time duties start for this victim.
    public var start: Double { max(recordedAt, becameVictimAt ?? recordedAt) }

    func enhanced(at t: Double) -> Bool {
        var value = enhancedHistory.first?.enhanced ?? false
        for change in enhancedHistory where change.at <= t { value = change.enhanced }
        return value
    }

    /// The closed case as most records have it: closed at `at` and not reopened.
    public static func closed(at: Double) -> [Pause] { [Pause(from: at, to: nil, why: .closed)] }
}

/// What is owed to a victim, by when, and whether it was done.
public struct Obligation: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        case open, met, notApplicable = "not_applicable", waived
    }

    public enum Status: String, Sendable, Codable {
        case due, met, overdue
        case notApplicable = "not_applicable"
        case waived
    }

    public var code: String
    /// Unique per victim: the code and what raised it (`R9:event-id`, `R15:3`, `R4:crime`).
    public var key: String
    public var trigger: ObligationTrigger
    public var right: Int
    public var duty: String
    public var triggeredAt: Double
    public var dueDate: LocalDate
    public var dueAt: Double
    public var state: State
    public var metAt: Double?
    public var metBy: String?
    /// Why it does not apply, or why it was waived.
    public var reason: String?

    public init(
        code: String, key: String, trigger: ObligationTrigger, right: Int, duty: String, triggeredAt: Double,
        dueDate: LocalDate, dueAt: Double, state: State, metAt: Double?, metBy: String?, reason: String?
    ) {
        self.code = code
        self.key = key
        self.trigger = trigger
        self.right = right
        self.duty = duty
        self.triggeredAt = triggeredAt
        self.dueDate = dueDate
        self.dueAt = dueAt
        self.state = state
        self.metAt = metAt
        self.metBy = metBy
        self.reason = reason
    }

    public func status(now: Double) -> Status {
        switch state {
        case .met: .met
        case .notApplicable: .notApplicable
        case .waived: .waived
        case .open: now > dueAt ? .overdue : .due
        }
    }

    /// Met, but after its deadline.
    public var metLate: Bool { state == .met && (metAt ?? 0) > dueAt }

    /// Whether the duty has arisen by `now`: the reason for a missed update (R15W) is owed only once the
    /// update's deadline has passed, though the engine works it out ahead.
    public func arisen(now: Double) -> Bool { triggeredAt <= now }

    /// A duty met by keeping the victim updated (R8 to R15, R20).
    public var isUpdate: Bool {
        trigger != .crimeRecorded && trigger != .crimeReported && trigger != .enhancedIdentified
            && trigger != .reviewRequested && trigger != .updateMissed
    }

    /// An update that is overdue with no attempt to reach the victim since it fell due: the officer is asked to
    /// try, and to record the attempt whatever its outcome (2026-11-30, issue 14).
    public func needsAttempt(attempts: [Double], now: Double) -> Bool {
        isUpdate && state == .open && now > dueAt && !attempts.contains { $0 > dueAt }
    }
}

/// Turns a victim's facts into obligations by the rules table. Pure and deterministic: the same facts,
/// policy and calendar always give the same obligations, so recomputing is always safe.
public struct ObligationEngine: Sendable {
    public let calendar: WorkingDayCalendar
    /// Policy versions by the local date they take effect, oldest first.
    public let policies: [(from: LocalDate, policy: VictimsCodePolicy)]

    /// Each policy version's rules by trigger, in the rules' order: a loop over one trigger's rules copies only
    /// those, where a pass over every rule copied each one it passed (5% of a recompute's CPU; issue 17).
    private let triggered: [[(trigger: ObligationTrigger, rules: [ObligationRule])]]

    public init(calendar: WorkingDayCalendar, policies: [(from: LocalDate, policy: VictimsCodePolicy)]) {
        precondition(!policies.isEmpty, "at least one policy version")
        self.calendar = calendar
        self.policies = policies.sorted { $0.from < $1.from }
        self.triggered = self.policies.map { version in
            ObligationTrigger.allCases.map { trigger in (trigger, version.policy.rules.filter { $0.trigger == trigger })
            }
        }
    }

    public init(calendar: WorkingDayCalendar = WorkingDayCalendar(), policy: VictimsCodePolicy = .standard) {
        self.init(calendar: calendar, policies: [(LocalDate(year: 2000, month: 1, day: 1)!, policy)])
    }

    /// The policy in force on a local date.
    public func policy(on date: LocalDate) -> VictimsCodePolicy { policies[version(on: date)].policy }

    /// Which policy version is in force on a local date (an index into `policies`).
    private func version(on date: LocalDate) -> Int {
        var chosen = 0
        for index in policies.indices.dropFirst() where policies[index].from <= date { chosen = index }
        return chosen
    }

    private func version(at epochSeconds: Double) -> Int {
        policies.count == 1 ? 0 : version(on: LondonClock.localDate(epochSeconds: epochSeconds))
    }

    /// The rules of a policy version that a trigger raises, in the policy's order.
    private func rules(_ trigger: ObligationTrigger, _ version: Int) -> [ObligationRule] {
        for entry in triggered[version] where entry.trigger == trigger { return entry.rules }
        return []
    }

    public func obligations(for facts: VictimFacts) -> [Obligation] {
        var result: [Obligation] = []
        result.reserveCapacity(14)
        let start = facts.start
        let startVersion = version(at: start)

        // R2 runs from the report itself, whenever this person became a victim.
        let reportVersion = version(at: facts.recordedAt)
        for rule in rules(.crimeReported, reportVersion) {
            raise(
                rule, key: "\(rule.code):crime", at: facts.recordedAt, facts: facts,
                policy: policies[reportVersion].policy, anyTime: true, into: &result)
        }
        for rule in rules(.crimeRecorded, startVersion) {
            raise(
                rule, key: "\(rule.code):crime", at: start, facts: facts, policy: policies[startVersion].policy,
                anyTime: true, into: &result)
        }
        // R19 each time the victim becomes entitled to enhanced rights (2026-11-30, issue 14: only the first).
        var was = false
        var transitions = 0
        for change in facts.enhancedHistory {
            defer { was = change.enhanced }
            guard change.enhanced, !was else { continue }
            transitions += 1
            let at = max(change.at, start)
            let v = version(at: at)
            for rule in rules(.enhancedIdentified, v) {
                let key = transitions == 1 ? "\(rule.code):enhanced" : "\(rule.code):enhanced:\(Int64(at.rounded()))"
                raise(rule, key: key, at: at, facts: facts, policy: policies[v].policy, anyTime: false, into: &result)
            }
        }
        for event in facts.events {
            // An event before the person became a victim is owed to them from then.
            let at = max(event.at, start)
            let v = version(at: at)
            for rule in rules(event.trigger, v) {
                raise(
                    rule, key: "\(rule.code):\(event.key)", at: at, facts: facts, policy: policies[v].policy,
                    anyTime: false, into: &result)
            }
        }
        for review in facts.reviews {
            for rule in rules(.reviewRequested, version(at: review.requestedAt)) {
                var obligation = make(rule, key: "\(rule.code):\(review.key)", at: review.requestedAt, enhanced: false)
                let doneAt = rule.metBy.contains(.reviewCompleted) ? review.completedAt : review.acknowledgedAt
                if let doneAt {
                    obligation.state = .met
                    obligation.metAt = doneAt
                    obligation.metBy =
                        rule.metBy.contains(.reviewCompleted) ? "Review completed" : "Review acknowledged"
                }
                result.append(finish(obligation, facts: facts))
            }
        }
        updateChain(facts: facts, into: &result)
        return result
    }

    /// The stretches of time the regular update is owed: from the victim's start, less every pause.
    static func owedIntervals(start: Double, pauses: [VictimFacts.Pause]) -> [(from: Double, to: Double?)] {
        var intervals: [(from: Double, to: Double?)] = []
        var cursor = start
        for pause in pauses.sorted(by: { $0.from < $1.from }) {
            if let to = pause.to, to <= cursor { continue }
            if pause.from > cursor { intervals.append((cursor, pause.from)) }
            guard let to = pause.to else { return intervals }
            cursor = max(cursor, to)
        }
        intervals.append((cursor, nil))
        return intervals
    }

    /// R15: while the investigating team owes updates, one update obligation after another, each due an
    /// interval after the previous update (or the start of the stretch); any update resets the clock. A pause
    /// (the case closed, or with the Witness Care Unit) ends the chain; reopening starts a new one. A link met
    /// before the pause is kept; one unmet and due after the pause began is not owed; one already overdue when
    /// the pause began stays owed (2026-11-30, issue 14). Each link missed also owes the victim the reason (R15W).
    private func updateChain(facts: VictimFacts, into result: inout [Obligation]) {
        let updates = facts.done.filter { $0.kind == .update || $0.kind == .successfulContact }.sorted(
            by: VictimFacts.Done.precedes)
        let start = facts.start
        var index = 0
        for interval in Self.owedIntervals(start: start, pauses: facts.pauses) {
            // Keys stay stable: the first stretch keeps R15:n, a stretch after a reopening is keyed by its start.
            let prefix = interval.from == start ? "R15" : "R15:\(Int64(interval.from.rounded()))"
            var last = interval.from
            var n = 0
            while n < 500 {
                n += 1
                let v = version(at: last)
                guard let rule = rules(.updateInterval, v).first else { return }
                let days = facts.agreedUpdateDays ?? policies[v].policy.updateIntervalDays
                var obligation = make(
                    rule, key: "\(prefix):\(n)", at: last, enhanced: false, limit: .calendarDays(days))
                while index < updates.count, updates[index].at <= last { index += 1 }
                let next = index < updates.count ? updates[index] : nil
                if let end = interval.to, obligation.dueAt >= end, next.map({ $0.at > end }) ?? true {
                    // The pause began before this update fell due, and nothing met it first: not owed.
                    break
                }
                if let next {
                    obligation.state = .met
                    obligation.metAt = next.at
                    obligation.metBy = next.label
                }
                let link = finish(obligation, facts: facts)
                result.append(link)
                missedUpdate(link, facts: facts, into: &result)
                guard let next, interval.to.map({ next.at <= $0 }) ?? true else { break }
                last = next.at
            }
        }
    }

    /// R15W: an update link not given by its deadline owes the victim the reason, from the deadline.
    private func missedUpdate(_ link: Obligation, facts: VictimFacts, into result: inout [Obligation]) {
        guard link.state == .open || link.metLate else { return }
        for rule in rules(.updateMissed, version(at: link.dueAt)) {
            var obligation = make(rule, key: "\(rule.code):\(link.key)", at: link.dueAt, enhanced: false)
            // Telling the victim in advance that the update will be late counts too.
            let best = facts.done.filter { d in
                d.at >= link.triggeredAt && rule.metBy.contains(d.kind)
                    && (d.kind != .successfulContact || d.at > link.dueAt)
            }.min(by: VictimFacts.Done.precedes)
            if let best {
                obligation.state = .met
                obligation.metAt = best.at
                obligation.metBy = best.label
            }
            result.append(finish(obligation, facts: facts))
        }
    }

    private func raise(
        _ rule: ObligationRule, key: String, at triggerAt: Double, facts: VictimFacts, policy: VictimsCodePolicy,
        anyTime: Bool, into result: inout [Obligation]
    ) {
        var at = triggerAt
        var earliest = anyTime ? -Double.infinity : at
        var notApplicable: String?
        let bereaved = facts.bereaved || !facts.flags.isDisjoint(with: policy.bereavedFlags)
        for condition in rule.appliesTo {
            switch condition {
            case .everyone: continue
            case .enhancedOnly: if !facts.enhanced(at: at) { return }
            case .explicitConsentCrimes:
                if !policy.needsExplicitConsent(flags: facts.flags, bereaved: facts.bereaved) { return }
            case .sexualOrDomesticAbuse:
                if !facts.flags.contains(.sexualOffence) && !facts.flags.contains(.domesticAbuse) { return }
            case .bereaved:
                if !bereaved { return }
                // Bereavement found by a later assessment is owed from then.
                if facts.flags.isDisjoint(with: policy.bereavedFlags), let since = facts.bereavedSince {
                    at = max(at, since)
                }
            case .interpreterNeeded:
                if !facts.interpreterNeeded { return }
                if let since = facts.interpreterNeededSince { at = max(at, since) }
            case .referralNotDeclined:
                if policy.needsExplicitConsent(flags: facts.flags, bereaved: facts.bereaved) {
                    // R7a first: the referral is owed from the victim's yes, and only one made after it counts.
                    guard let yes = facts.consentHistory.first(where: { $0.consent == .yes }) else {
                        if facts.referralConsent == .no {
                            notApplicable = "The victim did not consent to a referral"
                        } else {
                            return
                        }
                        break
                    }
                    at = max(at, yes.at)
                    earliest = yes.at
                }
                if facts.referralConsent == .no { notApplicable = "The victim declined a referral" }
            case .telephoneUnitCallBack:
                switch facts.callBack {
                case .notTelephoneUnit: return
                case .required: break
                case .notRoutine(let reason): notApplicable = reason
                }
            case .individual: if facts.basis == .business { return }
            case .business: if facts.basis != .business { return }
            }
        }
        var obligation = make(rule, key: key, at: at, enhanced: facts.enhanced(at: at))
        var best: VictimFacts.Done?
        for done in facts.done where done.at >= earliest {
            // A successful contact is also an update; a written update is not a successful contact.
            var fits =
                rule.metBy.contains(done.kind) || (done.kind == .successfulContact && rule.metBy.contains(.update))
            // The leaflet counts only in the victim's language (2026-11-30, issue 14); one given in a
            // language nobody recorded counts only for a victim whose language is English.
            if done.kind == .informationLeaflet, (done.language ?? "en") != facts.language { fits = false }
            if fits, best.map({ VictimFacts.Done.precedes(done, $0) }) ?? true { best = done }
        }
        // A duty met stays met whatever happens later (2026-11-30, issue 14: a referral made and then declined
        // used to turn into "does not apply").
        if let best {
            obligation.state = .met
            obligation.metAt = best.at
            obligation.metBy = best.label
        } else if let notApplicable {
            obligation.state = .notApplicable
            obligation.reason = notApplicable
            result.append(obligation)
            return
        }
        result.append(finish(obligation, facts: facts))
    }

    private func make(_ rule: ObligationRule, key: String, at: Double, enhanced: Bool, limit: DeadlineLimit? = nil)
        -> Obligation
    {
        let day = LondonClock.localDate(epochSeconds: at)
        let due: LocalDate
        var dueAt: Double?
        switch limit ?? (enhanced ? rule.enhanced : rule.standard) {
        case .workingDays(let n): due = calendar.adding(workingDays: n, to: day)
        case .calendarDays(let n): due = day.adding(days: n)
        case .hours(let n):
            dueAt = at + Double(n) * 3600
            due = LondonClock.localDate(epochSeconds: dueAt!)
        }
        return Obligation(
            code: rule.code, key: key, trigger: rule.trigger, right: rule.right, duty: rule.duty, triggeredAt: at,
            dueDate: due, dueAt: dueAt ?? LondonClock.endOfDay(due), state: .open, metAt: nil, metBy: nil, reason: nil)
    }

    private func finish(_ obligation: Obligation, facts: VictimFacts) -> Obligation {
        guard obligation.state == .open, let reason = facts.waivers[obligation.key] else { return obligation }
        var waived = obligation
        waived.state = .waived
        waived.reason = reason
        return waived
    }
}

extension Obligation {
    /// A fingerprint of a victim's obligations (FNV-1a, 64-bit), independent of their order: the sum of each
    /// one's `contentHash`. Two lists with the same fingerprint are, for every practical purpose, the same list.
    public static func fingerprint(_ obligations: [Obligation]) -> Int64 {
        var combined: Int64 = 0
        for o in obligations { combined = combined &+ o.contentHash }
        return combined
    }

    /// One obligation's hash (FNV-1a, 64-bit) over its key, code, trigger, due date, times to the millisecond,
    /// state, how it was met and why: each field's text followed by a 0xFF byte, times as their decimal
    /// milliseconds and "-" when absent. Stored with the row, so a recompute can tell a changed row from its hash
    /// alone. Worked out on the bytes, with no text made: this runs for every obligation of every victim.
    public var contentHash: Int64 {
        var h = FNV()
        h.mix(key)
        h.mix(code)
        h.mix(trigger.rawValue)
        h.mix(dueDate)
        h.mix(milliseconds: dueAt)
        h.mix(milliseconds: triggeredAt)
        h.mix(state.rawValue)
        h.mix(milliseconds: metAt)
        h.mix(metBy ?? "-")
        h.mix(reason ?? "-")
        return Int64(bitPattern: h.value)
    }
}

/// FNV-1a, 64-bit, fed field by field (each ends with a 0xFF byte, which no UTF-8 text contains).
private struct FNV {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func byte(_ b: UInt8) {
        value ^= UInt64(b)
        value = value &* 0x0000_0100_0000_01B3
    }

    mutating func end() { byte(0xFF) }

    mutating func mix(_ text: String) {
        var text = text
        text.withUTF8 { for b in $0 { byte(b) } }
        end()
    }

    /// `n` in decimal, at least `width` digits (zero-padded), as `String(n)` or `Digits` would write it.
    mutating func digits(_ n: Int64, width: Int = 1) {
        var magnitude = n.magnitude
        if n < 0 { byte(UInt8(ascii: "-")) }
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &buffer) { raw in
            repeat {
                raw[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            while count < width {
                raw[count] = UInt8(ascii: "0")
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { byte(raw[i]) }
        }
    }

    mutating func mix(milliseconds t: Double?) {
        if let t { digits(Int64((t * 1000).rounded())) } else { byte(UInt8(ascii: "-")) }
        end()
    }

    /// A date as its `description`, YYYY-MM-DD.
    mutating func mix(_ date: LocalDate) {
        guard date.year >= 0 else { return mix(date.description) }
        digits(Int64(date.year), width: 4)
        byte(UInt8(ascii: "-"))
        digits(Int64(date.month), width: 2)
        byte(UInt8(ascii: "-"))
        digits(Int64(date.day), width: 2)
        end()
    }
}
