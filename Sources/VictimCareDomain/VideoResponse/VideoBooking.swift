import Foundation

/// Issue 16, item 2: when a video call can be booked and when its link works. Slots are counted in instants
/// from the shift's start, so a shift across a clock change keeps its real length; London dates are for display.
public enum VideoBooking {
    /// Slot lengths a rota may use.
    public static let slotMinutes: Set<Int> = [15, 20, 30, 45, 60]
    /// A shift may be at most this long.
    public static let longestShiftHours = 12.0
    /// The victim's link opens this long before the slot…
    public static let opensBefore: TimeInterval = 15 * 60
    /// …and stops working this long after it starts (then the call is missed).
    public static let closesAfter: TimeInterval = 45 * 60
    /// "As soon as possible": the link works from booking for this long.
    public static let asapWindow: TimeInterval = 4 * 3600

    /// The starts of the slots of a shift, each a whole slot long and ending within the shift.
    public static func slots(from start: Date, to end: Date, minutes: Int) -> [Date] {
        // At most a day's slots: a length from a form is checked against `slotMinutes` first, and this never
        // overflows whatever it is given.
        guard minutes > 0, minutes <= 24 * 60, end > start else { return [] }
        let step = TimeInterval(minutes * 60)
        var slots: [Date] = []
        var at = start
        while at.addingTimeInterval(step) <= end {
            slots.append(at)
            at = at.addingTimeInterval(step)
        }
        return slots
    }

    /// When the victim's link works: around a booked slot, or for a while from an "as soon as possible"
    /// booking.
    public static func window(slot: Date?, bookedAt: Date) -> ClosedRange<Date> {
        if let slot {
            return slot.addingTimeInterval(-opensBefore)...slot.addingTimeInterval(closesAfter)
        }
        return bookedAt...bookedAt.addingTimeInterval(asapWindow)
    }

    public enum Timing: Sendable, Equatable {
        /// Too early: the link opens at this time.
        case early(opens: Date)
        case open
        /// Too late: the booking has passed.
        case late
    }

    /// `underWay`: the call has started (the officer let the victim in), so it runs past its window.
    public static func timing(at now: Date, window: ClosedRange<Date>, underWay: Bool = false) -> Timing {
        if now < window.lowerBound { return .early(opens: window.lowerBound) }
        if now > window.upperBound, !underWay { return .late }
        return .open
    }

    /// What is wrong with a shift as entered, each against its field.
    public static func problems(start: Date?, end: Date?, minutes: Int?, now: Date) -> [FieldError] {
        var problems: [FieldError] = []
        if start == nil { problems.append(.init(field: "startsAt", message: "Enter when the shift starts.")) }
        if end == nil { problems.append(.init(field: "endsAt", message: "Enter when the shift ends.")) }
        if let minutes, slotMinutes.contains(minutes) {
        } else {
            problems.append(.init(field: "slotMinutes", message: "Choose the length of each call."))
        }
        if let start, let end {
            if end <= start {
                problems.append(.init(field: "endsAt", message: "The shift must end after it starts."))
            } else if end.timeIntervalSince(start) > longestShiftHours * 3600 {
                problems.append(.init(field: "endsAt", message: "A shift can be at most 12 hours."))
            } else if end <= now {
                problems.append(.init(field: "endsAt", message: "The shift has already ended."))
            } else if let minutes, slotMinutes.contains(minutes), slots(from: start, to: end, minutes: minutes).isEmpty
            {
                problems.append(.init(field: "endsAt", message: "The shift is shorter than one call."))
            }
        }
        return problems
    }
}
