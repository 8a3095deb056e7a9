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

        public init(kind: Fulfilment, at: Double, label: String) {
            self.kind = kind
            self.at = at
            self.label = label
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

    public var recordedAt: Double
    public var closedAt: Double?
    public var flags: Set<CrimeFlag>
    public var callBack: CallBack
    /// Changes in enhanced status, oldest first; the first entry is at (or before) `recordedAt`.
    public var enhancedHistory: [(at: Double, enhanced: Bool)]
    public var bereaved: Bool
    public var interpreterNeeded: Bool
    public var referralConsent: ReferralConsent
    /// The update interval agreed with this victim, if it differs from the policy's.
    public var agreedUpdateDays: Int?
    public var events: [Event]
    /// Everything done for the victim that can meet an obligation, any order.
    public var done: [Done]
    public var reviews: [Review]
    /// Obligation keys a supervisor waived, with the reason.
    public var waivers: [String: String]

    public init(
        recordedAt: Double, closedAt: Double? = nil, flags: Set<CrimeFlag> = [], callBack: CallBack = .notTelephoneUnit,
        enhancedHistory: [(at: Double, enhanced: Bool)] = [], bereaved: Bool = false, interpreterNeeded: Bool = false,
        referralConsent: ReferralConsent = .notAsked, agreedUpdateDays: Int? = nil, events: [Event] = [],
        done: [Done] = [],
        reviews: [Review] = [], waivers: [String: String] = [:]
    ) {
        self.recordedAt = recordedAt
        self.closedAt = closedAt
        self.flags = flags
        self.callBack = callBack
        self.enhancedHistory = enhancedHistory
        self.bereaved = bereaved
        self.interpreterNeeded = interpreterNeeded
        self.referralConsent = referralConsent
        self.agreedUpdateDays = agreedUpdateDays
        self.events = events
        self.done = done
        self.reviews = reviews
        self.waivers = waivers
    }

    func enhanced(at t: Double) -> Bool {
        var value = enhancedHistory.first?.enhanced ?? false
        for change in enhancedHistory where change.at <= t { value = change.enhanced }
        return value
    }
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
}

/// Turns a victim's facts into obligations by the rules table. Pure and deterministic: the same facts,
/// policy and calendar always give the same obligations, so recomputing is always safe.
public struct ObligationEngine: Sendable {
    public let calendar: WorkingDayCalendar
    /// Policy versions by the local date they take effect, oldest first.
    public let policies: [(from: LocalDate, policy: VictimsCodePolicy)]

    public init(calendar: WorkingDayCalendar, policies: [(from: LocalDate, policy: VictimsCodePolicy)]) {
        precondition(!policies.isEmpty, "at least one policy version")
        self.calendar = calendar
        self.policies = policies.sorted { $0.from < $1.from }
    }

    public init(calendar: WorkingDayCalendar = WorkingDayCalendar(), policy: VictimsCodePolicy = .standard) {
        self.init(calendar: calendar, policies: [(LocalDate(year: 2000, month: 1, day: 1)!, policy)])
    }

    /// The policy in force on a local date.
    public func policy(on date: LocalDate) -> VictimsCodePolicy {
        var chosen = policies[0].policy
        for version in policies where version.from <= date { chosen = version.policy }
        return chosen
    }

    public func obligations(for facts: VictimFacts) -> [Obligation] {
        var result: [Obligation] = []
        result.reserveCapacity(12)
        let recordedDay = LondonClock.localDate(epochSeconds: facts.recordedAt)
        let recordedPolicy = policy(on: recordedDay)

        for rule in recordedPolicy.rules where rule.trigger == .crimeRecorded {
            raise(
                rule, key: "\(rule.code):crime", at: facts.recordedAt, facts: facts, policy: recordedPolicy,
                anyTime: true, into: &result)
        }
        if let first = facts.enhancedHistory.first(where: { $0.enhanced }) {
            let at = max(first.at, facts.recordedAt)
            let p = policy(on: LondonClock.localDate(epochSeconds: at))
            for rule in p.rules where rule.trigger == .enhancedIdentified {
                raise(
                    rule, key: "\(rule.code):enhanced", at: at, facts: facts, policy: p, anyTime: false, into: &result)
            }
        }
        for event in facts.events {
            let p = policy(on: LondonClock.localDate(epochSeconds: event.at))
            for rule in p.rules where rule.trigger == event.trigger {
                raise(
                    rule, key: "\(rule.code):\(event.key)", at: event.at, facts: facts, policy: p, anyTime: false,
                    into: &result)
            }
        }
        for review in facts.reviews {
            let p = policy(on: LondonClock.localDate(epochSeconds: review.requestedAt))
            for rule in p.rules where rule.trigger == .reviewRequested {
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

    /// R15: one update obligation after another while the case is open, each due an interval after the
    /// previous update (or the report); any update resets the clock.
    private func updateChain(facts: VictimFacts, into result: inout [Obligation]) {
        let updates = facts.done.filter { $0.kind == .update || $0.kind == .successfulContact }.sorted { $0.at < $1.at }
        var last = facts.recordedAt
        var index = 0
        var n = 0
        while n < 500 {
            n += 1
            let p = policy(on: LondonClock.localDate(epochSeconds: last))
            guard let rule = p.rules.first(where: { $0.trigger == .updateInterval }) else { return }
            let days = facts.agreedUpdateDays ?? p.updateIntervalDays
            var obligation = make(rule, key: "\(rule.code):\(n)", at: last, enhanced: false, limit: .calendarDays(days))
            if let closed = facts.closedAt, closed <= obligation.dueAt {
                // The case closed before this update fell due: nothing more is owed under the interval.
                return
            }
            while index < updates.count, updates[index].at <= last { index += 1 }
            if index < updates.count {
                obligation.state = .met
                obligation.metAt = updates[index].at
                obligation.metBy = updates[index].label
                result.append(finish(obligation, facts: facts))
                last = updates[index].at
            } else {
                result.append(finish(obligation, facts: facts))
                return
            }
        }
    }

    private func raise(
        _ rule: ObligationRule, key: String, at: Double, facts: VictimFacts, policy: VictimsCodePolicy, anyTime: Bool,
        into result: inout [Obligation]
    ) {
        var notApplicable: String?
        for condition in rule.appliesTo {
            switch condition {
            case .everyone: continue
            case .enhancedOnly: if !facts.enhanced(at: at) { return }
            case .explicitConsentCrimes:
                if facts.flags.isDisjoint(with: policy.explicitConsentFlags) && !facts.bereaved { return }
            case .sexualOrDomesticAbuse:
                if !facts.flags.contains(.sexualOffence) && !facts.flags.contains(.domesticAbuse) { return }
            case .bereaved: if !facts.bereaved { return }
            case .interpreterNeeded: if !facts.interpreterNeeded { return }
            case .referralNotDeclined:
                if facts.referralConsent == .no { notApplicable = "The victim declined a referral" }
            case .telephoneUnitCallBack:
                switch facts.callBack {
                case .notTelephoneUnit: return
                case .required: break
                case .notRoutine(let reason): notApplicable = reason
                }
            }
        }
        var obligation = make(rule, key: key, at: at, enhanced: facts.enhanced(at: at))
        if let notApplicable {
            obligation.state = .notApplicable
            obligation.reason = notApplicable
            result.append(obligation)
            return
        }
        let earliest = anyTime ? -Double.infinity : at
        var best: VictimFacts.Done?
        for done in facts.done where done.at >= earliest {
            // A successful contact is also an update; a written update is not a successful contact.
            let fits =
                rule.metBy.contains(done.kind) || (done.kind == .successfulContact && rule.metBy.contains(.update))
            if fits, best == nil || done.at < best!.at { best = done }
        }
        if let best {
            obligation.state = .met
            obligation.metAt = best.at
            obligation.metBy = best.label
        }
        result.append(finish(obligation, facts: facts))
    }

    private func make(_ rule: ObligationRule, key: String, at: Double, enhanced: Bool, limit: DeadlineLimit? = nil)
        -> Obligation
    {
        let day = LondonClock.localDate(epochSeconds: at)
        let due: LocalDate
        switch limit ?? (enhanced ? rule.enhanced : rule.standard) {
        case .workingDays(let n): due = calendar.adding(workingDays: n, to: day)
        case .calendarDays(let n): due = day.adding(days: n)
        }
        return Obligation(
            code: rule.code, key: key, trigger: rule.trigger, right: rule.right, duty: rule.duty, triggeredAt: at,
            dueDate: due, dueAt: LondonClock.endOfDay(due), state: .open, metAt: nil, metBy: nil, reason: nil)
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
    /// A fingerprint of a victim's obligations (FNV-1a, 64-bit), independent of their order. Two lists with the
    /// same fingerprint are, for every practical purpose, the same list.
    public static func fingerprint(_ obligations: [Obligation]) -> Int64 {
        var combined: UInt64 = 0
        for o in obligations {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            func mix(_ text: String) {
                for byte in text.utf8 {
                    h ^= UInt64(byte)
                    h = h &* 0x0000_0100_0000_01B3
                }
                h ^= 0xFF
                h = h &* 0x0000_0100_0000_01B3
            }
            func ms(_ t: Double?) -> String { t.map { String(Int64(($0 * 1000).rounded())) } ?? "-" }
            mix(o.key)
            mix(o.code)
            mix(o.trigger.rawValue)
            mix(o.dueDate.description)
            mix(ms(o.dueAt))
            mix(ms(o.triggeredAt))
            mix(o.state.rawValue)
            mix(ms(o.metAt))
            mix(o.metBy ?? "-")
            mix(o.reason ?? "-")
            combined = combined &+ h  // order-independent
        }
        return Int64(bitPattern: combined)
    }
}
